// SPDX-License-Identifier: MIT
#pragma once
// Counters, violations and the one SUMMARY line every harness prints.
//
// Contract: a harness counts what it did into report::stats() from any thread,
// calls report::violation() for every broken invariant its oracle sees, and
// ends with `return report::finish(...)`, which prints exactly one line to
// stdout
//
//   SUMMARY harness=<name> variant=<v> seed=<s> threads=<t> jitter=<j>
//           operations=<n> releases=<n> wakeups=<n> unloads=<n>
//           violations=<n> elapsed_ms=<n> ops_per_s=<n>
//
// (one line; wrapped here) and returns the exit status: 0 when there were no
// violations, 1 otherwise. ThreadSanitizer's own "SUMMARY: ThreadSanitizer"
// goes to stderr and has a colon, so `^SUMMARY harness=` is unambiguous.
//
// Lifetime: the counters are process-wide statics, valid for the whole run.
//
// Memory ordering: the counters are statistics read after every worker was
// joined (join is the happens-before edge), so relaxed increments suffice.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "options.h"

namespace lastref::tsan::report {

struct counters {
  std::atomic<uint64_t> operations{0};
  std::atomic<uint64_t> releases{0};
  std::atomic<uint64_t> wakeups{0};
  std::atomic<uint64_t> unloads{0};
  std::atomic<uint64_t> violations{0};
};

counters& stats() noexcept;

inline void add(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
  // Statistics only; read after join.
  c.fetch_add(n, std::memory_order_relaxed);
}

// Counts a violation and prints the first few messages (printf format).
void violation(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

// Starts the clock (call right before the workers start).
void start() noexcept;

int finish(const harness_info& info, const options& opt) noexcept;

}  // namespace lastref::tsan::report
