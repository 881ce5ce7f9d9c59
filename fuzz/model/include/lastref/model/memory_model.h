// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::memory_model — which values an atomic load may return.
//
// Contract: `sc` runs every execution in one sequentially consistent order:
// a load returns the latest store. `c11` (the default) keeps, per atomic
// location, a bounded history of stores in modification order and lets a
// load return any store that coherence, happens-before and the seq_cst rules
// allow; which one is a schedule decision (see schedule.h) that every source,
// the exhaustive search and replay cover. What `c11` explores and what it
// does not is listed in fuzz/model/README.md ("Memory model").
//
// Lifetime rule: plain values.
//
// Memory ordering: not applicable (no shared state).

#include <cstdint>
#include <optional>
#include <string_view>

namespace lastref::model {

enum class memory_model : std::uint8_t { sc, c11 };

// Stores a c11 load may choose among, per location (the newest ones in
// modification order; older stores are forgotten). loom bounds its history
// the same way.
inline constexpr int store_history_size = 8;

[[nodiscard]] constexpr const char* memory_model_name(memory_model m) noexcept {
  return m == memory_model::sc ? "sc" : "c11";
}

// "sc" or "c11"; nothing for anything else.
[[nodiscard]] constexpr std::optional<memory_model> parse_memory_model(
    std::string_view s) noexcept {
  if (s == "sc") return memory_model::sc;
  if (s == "c11") return memory_model::c11;
  return std::nullopt;
}

// LASTREF_MEMORY_MODEL from the environment (default c11). An unknown value
// prints a message naming the variable and exits with status 2.
memory_model memory_model_from_env();

}  // namespace lastref::model
