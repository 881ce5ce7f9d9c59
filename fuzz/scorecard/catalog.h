// SPDX-License-Identifier: MIT
#pragma once
// lastref zoo catalog — every entry of the zoo manifest (fuzz/zoo_manifest.h)
// and the correct implementation, each with a canonical witness scenario,
// runnable under any model schedule source. The scorecard (lastref-scorecard,
// scorecard.py) and the `zoo` tests drive the model through it.
//
// Contract: entries() lists the manifest's entries in its order (the zoo
// variants in item order, then the fixed twins of the weak-memory variants,
// "fixed/<variant>", not zoo), then the correct sets ("correct/<target>").
// A variant's `name` is its LASTREF_ZOO name; its set type is the manifest's,
// the one the fuzz registry runs. `witness` is a scenario (fuzz/scenario.h
// bytes, without schedule) on which the bug can happen under *some*
// schedule; the correct entry for the same target must pass it under every
// schedule. explore() runs the witness under a schedule source until a
// failure, the source is exhausted, or `max_executions`; run_input() runs a
// whole fuzz input (scenario + schedule bytes), as the fuzz target would.
//
// Lifetime rule: entries are static; each entry's checker (fiber stacks) is
// created on first use and reused; one execution at a time per process.
//
// Memory ordering: single-threaded.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/model/checker.h>
#include <lastref/model/observer.h>
#include <lastref/model/schedule.h>

#include "impl_set.h"
#include "scenario.h"
#include "zoo_manifest.h"

namespace lastref::fuzz::scorecard {

struct entry {
  std::string name;  // LASTREF_ZOO name, or "correct/<target>"
  int item = 0;      // zoo item number; 0 for correct sets
  bool zoo = true;
  std::string title;                 // one line: what is wrong
  std::string header;                // primitives/zoo/<file> and/or the hooks it replaces
  target_kind target{};              // the fuzz target that runs it
  std::vector<uint8_t> witness;      // scenario bytes (no schedule)
  std::string witness_text;          // the witness, readable
  std::string expect;                // failure kinds expected, "|"-separated
  void (*adapt)(config&) = nullptr;  // the set's adapt hook (impl_set.h)
  stress_spec plain;                 // real threads, plain build
  stress_spec tsan;                  // real threads under TSan
  // The functions below run *this entry's set* (for a correct entry: the
  // correct primitives) on `witness`'s witness scenario, adapted to the set.
  // explore: until a failure, the source is exhausted, or max_executions.
  model::explore_result (*explore)(const entry& witness, model::schedule_source& src,
                                   std::uint64_t max_executions) = nullptr;
  // One whole fuzz input for this entry's target (bytes source), as the
  // fuzz target runs it.
  model::result (*run_input)(const entry& self, std::span<const uint8_t> input) = nullptr;
  // Replay of a raw choice list (model::result::choices) on the witness;
  // `obs` (may be null) sees every step; a failure comes with its trace.
  model::result (*replay)(const entry& witness, std::span<const uint8_t> choices,
                          model::observer* obs) = nullptr;
};

[[nodiscard]] const std::vector<entry>& entries();
[[nodiscard]] const entry* find(std::string_view name);
// The correct entry for a target ("correct/kref_fuzzer" ...).
[[nodiscard]] const entry& correct_for(target_kind t);

// `witness`'s witness scenario decoded and adapted to `set` (what
// set.explore(witness, ...) runs).
[[nodiscard]] scenario witness_scenario(const entry& witness, const entry& set);

}  // namespace lastref::fuzz::scorecard
