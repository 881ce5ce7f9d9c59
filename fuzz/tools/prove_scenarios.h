// SPDX-License-Identifier: MIT
#pragma once
// Named scenarios of lastref-prove: the protocols whose proofs issue 16
// asks for, as fuzz scenario bytes (fuzz/scenario.h), so the prove tool, the
// model tests and a user's crash file all go through the same decoder and
// interpreter.
//
//   lookup3        kref target: the lookup-table protocol with 3 threads
//                  (T0 lookup, put; T1 lookup, get, put, put; T2 drops the
//                  table's reference with release_object under the table lock)
//   lookup4        the same with a fourth thread (T2 lookup, put; T3 releases)
//   droppers       two threads race to drop the table's reference (T0 with
//                  put_mutex, T1 with put; whoever comes first drops it),
//                  T2 lookup, put: which put runs is the race's outcome
//   completion1x3  completion target: 1 completer (complete, complete_all)
//                  and 3 waiters (wait, wait, wait_for)
//   completion1x2  1 completer (complete_all) and 2 waiters (wait, wait)
//
// Contract: bytes() returns the encoded scenario with bit 7 of the config
// byte (the memory model) set for c11 and clear for sc; the decoder may still
// normalise ops (printed by the tool). Lifetime: plain values. Memory
// ordering: single-threaded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario.h"

namespace lastref::fuzz::tools {

struct named_scenario {
  const char* name;
  target_kind target;
  const char* what;
};

[[nodiscard]] const std::vector<named_scenario>& named_scenarios();
// The scenario's bytes under `c11` (else sc), or nullopt for an unknown name.
[[nodiscard]] std::optional<std::vector<uint8_t>> named_scenario_bytes(std::string_view name,
                                                                       bool c11);

// Sets or clears the memory-model bit of a scenario's config byte.
void set_memory_model_bit(std::vector<uint8_t>& scenario_bytes, bool c11);

}  // namespace lastref::fuzz::tools
