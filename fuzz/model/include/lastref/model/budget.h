// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::search_within — the strongest certificate a time budget
// buys: the whole search if it ends within the budget, else the largest
// preemption bound whose search does. It runs the searches themselves
// (iterative deepening) instead of trusting a pre-run estimate to pick the
// bound, so the bound it reports is one that completed, never one that was
// only predicted to (the pre-run estimate, estimate.h, errs by orders of
// magnitude on some programs).
//
// Contract. With `base` (strategy, execution budget, progress) and a time
// budget of `budget_seconds`:
//   1. The search without a bound runs first, for at most unbounded_share
//      of the budget. Once it has run for warmup_share of that it is given
//      up (search_limits::give_up) as soon as its own online estimate of
//      its whole time — seconds so far over the explorer's fraction done
//      (dpor.h, progress()) — says it would end past that.
//   2. Unless it ended (complete or a failure), bounds 0, 1, ... max_bound
//      are searched in turn, each for at most what is left of the budget
//      and given up by the same rule against that; the deepening stops at
//      the first bound that does not complete or finds a failure.
//   3. The result is the first failure found (a counterexample stands at
//      any bound), else the complete search without a bound (a proof),
//      else the largest bound that completed ("complete within bound k"),
//      else the search at bound 0, incomplete (bound 0 runs, for one chunk
//      at least, even when the budget is gone). A bounded result has
//      certificate::bound_from_estimate set (the bound was chosen by the
//      budget, not given), bound_fits false when no bound completed, and
//      estimate_seconds the time of the other searches; max_seconds is the
//      budget. `attempts` lists every search run, in order.
// Time: the searches together stay within the budget plus one chunk of
// 256 executions each (search.h). Repeated work: each bound's search
// repeats the smaller bounds' executions; bounded counts grow about 10x
// per bound on the known programs (fuzz/model/README.md), so this costs
// about a tenth more than knowing the bound in advance.
// The online estimate is optimistic (backtrack sets grow as races are
// found; kref_n at 4 threads under sc: 2-5x low over the search's first
// half; at 5 threads 360x low after a second), so a search is seldom given up that would have ended
// in time, and one that is not given up may still run into its limit: hence the search without a
// bound gets only unbounded_share of the budget, and the bounds, whose certificates are the
// fallback, the rest.
//
// Lifetime rule: the explore function outlives the call. Memory ordering:
// not applicable; runs on the caller's thread.

#include <functional>
#include <string>
#include <vector>

#include "search.h"

namespace lastref::model {

// The share of the budget (of what is left of it, for a bounded search) a
// search runs before its online estimate may give it up: the estimate of
// a search only started is mostly noise.
inline constexpr double warmup_share = 0.1;
// The most of the budget the search without a bound may take.
inline constexpr double unbounded_share = 0.5;

struct budget_attempt {
  int bound = -1;  // -1: no bound
  certificate cert;
  double estimated_seconds = 0;  // its online estimate of its whole time when it stopped
};

struct budget_outcome {
  search_result result;                  // see the contract, 3.
  std::vector<budget_attempt> attempts;  // every search run, in order
};

budget_outcome search_within(
    const explore_fn& explore, const search_limits& base, double budget_seconds, int max_bound,
    const std::string& subject,
    const std::function<void(const budget_attempt&)>& on_attempt = nullptr);

}  // namespace lastref::model
