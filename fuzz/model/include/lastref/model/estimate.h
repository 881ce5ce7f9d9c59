// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::estimate — how big an exhaustive DPOR search is, before
// running it: a random-sampling estimate of its executions and wall time,
// at no bound or at a preemption bound, so a CI job can pick the bound that
// fits its budget (pick_bound) — as GenMC's estimation mode does for its
// explorer.
//
// Method: Knuth's estimator ("Estimating the efficiency of backtrack
// programs", Math. Comp. 29, 1975) over the DPOR search tree (dpor.h).
// Each probe is one execution of a fresh dpor_source exploring in a random
// order (dpor_source::set_order_seed): a random root-to-leaf path, whose
// estimate is the product of the branching along it
// (dpor_source::path_estimate). The branching of a DPOR decision is its
// final backtrack set, known only once its subtree is explored, so the
// probe approximates it from the one execution: the chosen option plus
// every awake option whose thread later takes a step that conflicts with
// the chosen one (DPOR reverses only some of those races: the estimate errs
// high). Under a bound it is every option within the bound: the bounded
// DFS tree, which bounded DPOR stays below. A probe that completes the
// search reports its exact count. The estimate is the mean over probes;
// time is it times the probes' mean seconds per execution. Measured
// (estimate_test.cc): exact on counter_n (every step conflicts), 3.1x high
// on kref_n(3) (5,285 for 1,680); bounded, 279 and 812 for 60 and 402.
//
// Determinism: for a seed, the same probes, hence the same estimate of
// executions, unless `max_seconds` cut the probes short (then
// `probes` says how many ran). Bounded: `probes` executions at most,
// and `max_seconds` (checked between probes).
//
// Lifetime rule: the explore function outlives the call. Memory ordering:
// not applicable; runs on the caller's thread.

#include <cstdint>
#include <functional>

#include "search.h"

namespace lastref::model {

struct estimate_options {
  int bound = -1;   // preemption bound; -1 none
  int probes = 64;  // one execution each
  std::uint64_t seed = 1;
  double max_seconds = 0;  // 0: no limit (the probe count bounds it)
};

struct estimate_result {
  double executions = 0;     // estimated executions of the whole search
  double seconds = 0;        // estimated wall time of the whole search
  double low = 0, high = 0;  // smallest and largest probe estimate
  int probes = 0;            // probes run
  bool exact = false;        // a probe completed the search: `executions` is its count
  std::uint64_t probe_executions = 0;
  double probe_seconds = 0;  // wall time of the estimate itself
};

estimate_result estimate(const explore_fn& explore, const estimate_options& o);

struct bound_choice {
  int bound = -1;            // the largest bound whose estimate fits; -1 unbounded fits
  bool fits = false;         // false: not even bound 0 fits (bound is then 0)
  estimate_result at;        // the estimate at that bound
  double probe_seconds = 0;  // wall time of all the estimates
};

// The largest preemption bound in 0..max_bound whose estimated wall time
// is at most `budget_seconds`, or -1 when the unbounded search's is (time
// per execution pooled over all the estimates it runs).
// `on_estimate` (if set) is called after each estimate (progress).
bound_choice pick_bound(
    const explore_fn& explore, double budget_seconds, int max_bound, const estimate_options& o,
    const std::function<void(int bound, const estimate_result&)>& on_estimate = nullptr);

}  // namespace lastref::model
