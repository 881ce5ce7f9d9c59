// SPDX-License-Identifier: MIT
#pragma once
// The instruction-level floor of a reference count: lock-prefixed
// read-modify-writes, emitted as inline assembly on x86-64 so that no
// compiler can fold, weaken or reorder them. Elsewhere they fall back to
// relaxed std::atomic RMWs, which are the cheapest atomic RMW the language
// offers there.
//
// Contract: `locked_add(line, d)` is one atomic add on `*line`;
// `locked_cas(line, expected, desired)` is one compare-and-swap. Used only as
// physical-limit figures beside the primitives.
//
// Lifetime rule: none (plain values on the caller's stack or static).
//
// Memory ordering: a lock-prefixed RMW is a full barrier on x86; the
// fallback's relaxed order is enough for a counter nobody reads.

#include <atomic>

namespace lastref::bench {

// One int on a cache line of its own.
struct alignas(64) rmw_line {
  std::atomic<int> v{1};  // only ever RMW'd; no value is published through it
};

inline void locked_add(rmw_line& line, int d) noexcept {
#if defined(__x86_64__)
  static_assert(sizeof(std::atomic<int>) == sizeof(int));
  asm volatile("lock addl %1, (%0)" : : "r"(&line.v), "ir"(d) : "memory", "cc");
#else
  line.v.fetch_add(d, std::memory_order_relaxed);
#endif
}

inline bool locked_cas(rmw_line& line, int expected, int desired) noexcept {
  // compare_exchange_strong is a single lock cmpxchg on x86-64 at any order.
  return line.v.compare_exchange_strong(expected, desired, std::memory_order_relaxed,
                                        std::memory_order_relaxed);
}

}  // namespace lastref::bench
