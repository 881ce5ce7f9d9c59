// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::estimate — how big an exhaustive DPOR search is, before
// running it: a random-sampling estimate of its executions and wall time,
// at no bound or at a preemption bound, to size a search before running
// it — as GenMC's estimation mode does for its explorer. (A time budget is
// not spent on its word: search_within, budget.h, runs the searches and
// reports the largest bound that completed; pick_bound says only what the
// estimate would have picked, for `lastref-prove --estimate
// --budget-seconds`.)
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
// the chosen one. Under a bound it is every option within the bound: the
// bounded DFS tree, which bounded DPOR stays below. A probe that completes
// the search reports its exact count. The estimate is the mean over
// probes, with its standard error and the probes' quantiles; time is it
// times the probes' mean seconds per execution.
//
// Trust: the probes see no sleep sets, so the estimate errs high, and the
// probes' estimates are heavy-tailed. Measured (fuzz/model/README.md, 4,096
// probes): exact on counter_n (every step conflicts), 3-7x high on kref_n,
// 30-2,000x high on the lookup tables and the completion; under a bound
// within 1.6x of the bounded search with thousands of probes, low with a
// few dozen (the tail unseen). A guide to the order of magnitude, not a
// count.
//
// Determinism: for a seed, the same probes, hence the same estimate of
// executions, unless `max_seconds` cut the probes short (then `probes`
// says how many ran). Bounded: `probes` executions at most, and
// `max_seconds` (checked between probes).
//
// Lifetime rule: the explore function outlives the call. Memory ordering:
// not applicable; runs on the caller's thread.

#include <cstdint>
#include <functional>
#include <span>

#include "search.h"

namespace lastref::model {

struct estimate_options {
  int bound = -1;     // preemption bound; -1 none
  int probes = 4096;  // at most; one execution each
  std::uint64_t seed = 1;
  double max_seconds = 0;  // 0: no limit (the probe count bounds it)
};

struct estimate_result {
  double executions = 0;             // estimated executions of the whole search (mean over probes)
  double seconds = 0;                // estimated wall time of the whole search
  double std_error = 0;              // of `executions`: the probes' sample deviation / sqrt(probes)
  double low = 0, high = 0;          // smallest and largest probe estimate
  double p10 = 0, p50 = 0, p90 = 0;  // quantiles of the probe estimates
  int probes = 0;                    // probes run
  bool exact = false;                // a probe completed the search: `executions` is its count
  std::uint64_t probe_executions = 0;
  double probe_seconds = 0;  // wall time of the estimate itself
};

estimate_result estimate(const explore_fn& explore, const estimate_options& o);

// An estimate fits `seconds` when its time is finite and at most that: a
// NaN or infinite estimate never fits.
[[nodiscard]] bool fits(const estimate_result& e, double seconds) noexcept;

struct bound_choice {
  int bound = 0;              // the bound picked; -1: none (the whole search fits)
  bool fits = false;          // false: no estimate fits, not even bound 0's (bound is then 0)
  estimate_result at;         // the estimate at that bound
  double probe_seconds = 0;   // wall time of all the estimates (taken out of the budget)
  double search_seconds = 0;  // what is left of the budget for the search
  int bounds_estimated = 0;   // bounds 0..bounds_estimated-1 were estimated (pick_bound)
};

// The part of pick_bound's budget its estimates may use (split over the
// estimates still to run; each runs at least one probe).
inline constexpr double estimate_share = 0.1;

// The choice among estimates made: by_bound[0] without a bound, by_bound[k
// + 1] at bound k. No bound when that estimate fits `seconds`; else the
// largest bound whose estimate fits (not the first that does not: estimates
// are noisy and need not grow with the bound); else bound 0, fits false.
[[nodiscard]] bound_choice choose_bound(std::span<const estimate_result> by_bound, double seconds);

// Estimates the search without a bound, then (unless that fits) at bounds
// 0, 1, ... max_bound while estimate_share of `budget_seconds` lasts (each
// estimate runs at least one probe; time per execution pooled over all the
// estimates; bounds left unestimated are not picked), and chooses
// (choose_bound) against what is left of the budget after the estimates:
// the search then gets `search_seconds`, so estimates and search together
// stay within the budget. `on_estimate` (if set) is called after each
// estimate (progress).
bound_choice pick_bound(
    const explore_fn& explore, double budget_seconds, int max_bound, const estimate_options& o,
    const std::function<void(int bound, const estimate_result&)>& on_estimate = nullptr);

}  // namespace lastref::model
