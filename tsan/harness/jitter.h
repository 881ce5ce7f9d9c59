// SPDX-License-Identifier: MIT
#pragma once
// Seeded jitter for the real-thread harnesses: yields, short spins and
// sleeps at the points where a preemption widens a race window.
//
// Contract: configure() once before any worker starts; every worker calls
// seed_thread(index) first, after which point() and the random helpers draw
// from a per-thread generator derived from (seed, index) only. The *choices*
// a thread makes are therefore reproducible from the seed; the OS schedule is
// not (that is what the jitter perturbs).
//
// Lifetime: per-thread state is a trivially destructible thread_local, so no
// TLS destructor is ever registered.
//
// Memory ordering: none; jitter never synchronises threads (a sleep is not a
// happens-before edge, so it can widen a race window but never hide a race
// from ThreadSanitizer).

#include <cstdint>

namespace lastref::tsan::jitter {

// 0: off; 1: yields; 2: yields and short spins; 3: also sleeps of 1..200 us.
void configure(uint64_t seed, unsigned level) noexcept;
unsigned level() noexcept;

void seed_thread(uint64_t index) noexcept;

// Maybe perturb the schedule here (per the configured level).
void point() noexcept;

// Per-thread seeded generator (splitmix64), usable for the harness's choices.
uint64_t next() noexcept;
inline uint64_t below(uint64_t n) noexcept { return n ? next() % n : 0; }
inline bool one_in(uint64_t n) noexcept { return below(n) == 0; }

}  // namespace lastref::tsan::jitter
