// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench machine facts and the PM QoS hold — what a reader needs to
// judge a wake-latency figure, recorded in every suite's JSON context.
//
// Contract: hold_cpu_dma_latency(v) asks the kernel's PM QoS
// (/dev/cpu_dma_latency) for an exit latency of at most v microseconds
// from every CPU's idle states, for as long as the process lives: it writes
// the 32-bit value and keeps the descriptor open (closing it drops the
// request). On a 2-vCPU VM whose idle vCPU halts, a cross-CPU futex wake
// costs ~40 us instead of ~7.5 us without the hold, so every result carries
// `cpu_dma_latency` = "unset" or the value held. A refusal (no root, no
// device) is printed once on stderr and the run goes on without it.
// The other functions read /sys and /proc and never fail: they say
// "unreadable" instead.
//
// Lifetime rule: the hold lasts until process exit (the descriptor is never
// closed explicitly; exit closes it). One hold per process; a second call
// replaces the value.
//
// Memory ordering: none; call from main() before any benchmark runs.

#include <optional>
#include <string>

namespace lastref::bench {

// True if the kernel accepted the request; prints one line either way.
bool hold_cpu_dma_latency(int microseconds);

// The value this process holds, if any (release-latency samples record it).
std::optional<int> held_cpu_dma_latency() noexcept;

// "performance", "schedutil", ... for the allowed CPUs ("a,b" when they
// differ), or "unreadable (no cpufreq: ...)".
std::string cpu_governor();

// cpuidle driver/governor, e.g. "haltpoll/haltpoll" (a VM's vCPUs poll
// before halting), or "unreadable".
std::string cpuidle_state();

// The scheduling policy the benchmark threads start with, e.g.
// "SCHED_OTHER nice 0" (whether SCHED_FIFO can be had is the release
// suite's contention mode, recorded beside it there).
std::string sched_policy_obtained();

}  // namespace lastref::bench
