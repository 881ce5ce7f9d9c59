// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::run_main — the shared main() of every suite.
//
// Contract: registers nothing itself; a suite registers its benchmarks (at
// static-initialisation time or before calling run_main) and returns
// run_main(argc, argv). It adds the machine facts a reader needs to judge a
// figure (allowed CPUs, the CPU pair two-thread benchmarks use, the
// contention mode when `with_contention` is set) to the JSON "context",
// makes the process multi-threaded before any benchmark runs (see main.cc),
// defaults to medians of 5 repetitions (--benchmark_repetitions=5
// --benchmark_report_aggregates_only=true) unless the command line sets the
// repetitions, and
// returns 1 when a flag is not recognised instead of running anything.
//
// PM QoS (machine.h): every suite's context records `cpu_dma_latency`
// ("unset" or the value held), the CPU governor, the cpuidle driver and the
// scheduling policy; `--lastref_hold_cpu_dma_latency=N` holds
// /dev/cpu_dma_latency at N us for the whole run (root only; a refusal is
// said once on stderr and the run goes on without it).
//
// Naming convention every suite follows (results/report.py relies on it):
//   <group>/<role>:<implementation>
// where role is `lastref` (a lastref primitive), `baseline` (what people use
// instead), `limit` (the physical limit, exactly one per group) or `ref`
// (context shown in tables but never a denominator). Ratios in the report
// compare every entry of a group with that group's limit and each lastref
// entry with each baseline.
//
// Lifetime rule: none.
// Memory ordering: none.

namespace lastref::bench {

int run_main(int argc, char** argv, bool with_contention = false);

}  // namespace lastref::bench
