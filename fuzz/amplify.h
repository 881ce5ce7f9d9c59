// SPDX-License-Identifier: MIT
#pragma once
// lastref schedule amplification — several schedules per fuzz input.
//
// Why: a libFuzzer execution costs far more than a model execution (input
// bookkeeping, coverage collection over the extra counters, corpus feature
// tables, mutation), so one schedule per input spends most of the time
// outside the model (fuzz/README.md "Throughput"). The input fixes the
// scenario; its schedule bytes are schedule 0, and schedules 1..n-1 are
// derived deterministically from the whole scenario, so the same input always
// runs the same schedules and a crash file replays exactly:
//   - odd variants: PCT (Burckhardt et al., ASPLOS 2010) of depth 2 or 3,
//     with the change points spread over the length of schedule 0;
//   - even variants: fresh random schedule bytes in the fuzz encoding
//     (schedule_bytes.h), 1-6 preemptions, which also reach timeouts and
//     spurious wake-ups.
// The first failing variant is the result; run_request::variant receives
// its index.
//
// Contract: schedules() is read once (LASTREF_SCHEDULES=<1..64>, default
// default_schedules) by select_from_environment(); 1 turns amplification
// off. Every runner of a scenario (fuzz targets, lastref-replay,
// lastref-minimize, lastref-gen-corpus) goes through run_in_model, so they
// agree on the schedules an input means. A bad value: a message naming the
// variable, exit status 2.
//
// Lifetime rule: a process-wide schedule count; one execution at a time.
//
// Memory ordering: single-threaded (the model runs in one OS thread).

#include <cstdint>
#include <vector>

#include "scenario.h"

namespace lastref::fuzz::amplify {

inline constexpr int default_schedules = 8;
inline constexpr int max_schedules = 64;

// Schedules per input (after select_from_environment()).
[[nodiscard]] int schedules() noexcept;
// Reads LASTREF_SCHEDULES (idempotent); exits with status 2 on a bad value.
void read_environment();
// For tests and benchmarks: set the count directly (1..max_schedules).
void set_schedules(int n) noexcept;

// A 64-bit digest of everything that decides a scenario's executions.
[[nodiscard]] uint64_t scenario_seed(const scenario& s) noexcept;
// Random schedule bytes (fuzz encoding) for even variant k of seed.
void random_bytes(uint64_t seed, int k, std::vector<uint8_t>& out);
// PCT depth for odd variant k.
[[nodiscard]] constexpr int pct_depth(int k) noexcept { return 2 + (k / 2) % 2; }
[[nodiscard]] constexpr uint64_t variant_seed(uint64_t seed, int k) noexcept {
  return seed ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(k + 1));
}

// Counts the schedules a run executed.
void note_run(int schedules_run) noexcept;
// Schedules run so far by this process (every variant counts).
[[nodiscard]] uint64_t total_schedules() noexcept;

}  // namespace lastref::fuzz::amplify
