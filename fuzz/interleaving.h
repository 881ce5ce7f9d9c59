// SPDX-License-Identifier: MIT
#pragma once
// lastref interleaving coverage — feedback about *schedules*, not code, fed
// to libFuzzer through extra counters (section __libfuzzer_extra_counters).
//
// Contract: install() (once, at start-up) reads the environment; request()
// then hands every run an observer and the interpreter's semantic-event hook
// when the environment has
// LASTREF_INTERLEAVING=1 (off by default: fuzz/README.md "Feedback" has the
// measurement; LASTREF_NO_INTERLEAVING=1 forces it off). Features, each bumping one
// 8-bit counter (hash modulo the counter array):
//   - pairs of back-to-back steps of *different* threads, by source location
//     and operation (which two lines ran one right after the other);
//   - object-state transitions: a store / RMW at a source location with its
//     new value bucketed (0, 1, 2, more) — refcount 1→0, module
//     live→going→gone, completion 0→done are such (location, value) pairs;
//   - the interpreter's semantic events (release ran, unload ok, lookup of a
//     dying object, a wait returned ...) keyed by the last cross-thread pair
//     that preceded them;
//   - preemption sites (the location a thread was preempted at);
//   - optional: reads-from pairs (a thread accessing a location another
//     thread wrote last, keyed by both locations), and restricting the
//     back-to-back pairs to atomic / futex / mutex / text operations.
// LASTREF_INTERLEAVING_FEATURES=<mask> picks the families (default 15; see
// the constants below) for ablations; fuzz/README.md has the measurements.
// Without libFuzzer the counters exist but nothing reads them.
//
// Lifetime rule: process-wide; executions run one at a time.
//
// Memory ordering: single-threaded (the model runs in one OS thread).

#include <cstddef>
#include <cstdint>

#include "registry.h"

namespace lastref::fuzz::interleaving {

// Feature families (bits of LASTREF_INTERLEAVING_FEATURES).
inline constexpr unsigned pairs = 1;             // back-to-back steps of two threads
inline constexpr unsigned transitions = 2;       // store/RMW location x new value bucket
inline constexpr unsigned preemption_sites = 4;  // where preemptions happened
inline constexpr unsigned events = 8;            // interpreter events x preceding pair
inline constexpr unsigned sync_pairs_only = 16;  // modifier: pairs skip cells and allocation
inline constexpr unsigned reads_from = 32;       // cross-thread reads-from location pairs
inline constexpr unsigned hit_counts = 64;       // modifier: count hits (libFuzzer buckets them)
inline constexpr unsigned default_features = pairs | transitions | preemption_sites | events;

// Reads LASTREF_INTERLEAVING / LASTREF_NO_INTERLEAVING (and the features
// mask); returns whether on.
bool install();
// A run request carrying the hooks install() chose (none before install()).
[[nodiscard]] run_request request(bool traced = false) noexcept;
[[nodiscard]] bool enabled() noexcept;
// Distinct counters bumped so far (for tests and the campaign's summary).
[[nodiscard]] size_t features_seen() noexcept;

}  // namespace lastref::fuzz::interleaving
