// SPDX-License-Identifier: MIT
// search_within (budget.h): the search without a bound, then bounds 0, 1,
// ... while the budget lasts, each given up when its own online estimate
// says it cannot end in time.

#include <lastref/model/budget.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

namespace lastref::model {

namespace {
// The online estimate of a search's whole time: seconds so far over the
// fraction done (infinite while nothing is done).
double whole_time(double seconds, double fraction) {
  return fraction > 0 ? seconds / fraction : std::numeric_limits<double>::infinity();
}
}  // namespace

budget_outcome search_within(const explore_fn& explore, const search_limits& base,
                             double budget_seconds, int max_bound, const std::string& subject,
                             const std::function<void(const budget_attempt&)>& on_attempt) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  budget_outcome out;

  // One search at `bound` with what is left of the budget.
  auto attempt = [&](int bound) -> budget_attempt {
    double left = std::max(budget_seconds - elapsed(), 0.0);
    if (bound < 0) left *= unbounded_share;
    search_limits l = base;
    l.bound = bound;
    // 0 would mean "no limit": the smallest positive one stops after a chunk.
    l.max_seconds = std::max(left, 1e-9);
    l.give_up = [left](std::uint64_t, double fraction, double seconds) {
      return seconds >= warmup_share * left && whole_time(seconds, fraction) > left;
    };
    budget_attempt a;
    a.bound = bound;
    search_result r = search(explore, l, subject);
    a.cert = r.cert;
    a.estimated_seconds =
        r.cert.complete ? r.cert.seconds : whole_time(r.cert.seconds, r.cert.fraction_done);
    out.attempts.push_back(a);
    if (r.cert.found || (r.cert.complete && bound < 0)) out.result = std::move(r);
    if (on_attempt) on_attempt(out.attempts.back());
    return out.attempts.back();
  };

  const budget_attempt whole = attempt(-1);
  if (whole.cert.found || whole.cert.complete) return out;
  int best = -1;  // the largest bound that completed
  std::size_t best_at = 0, zero_at = 0;
  // Bound 0 runs even when the budget is gone (for one chunk at least):
  // the result is then bound 0's, said to be incomplete.
  for (int k = 0; k <= max_bound && (k == 0 || elapsed() < budget_seconds); ++k) {
    const budget_attempt a = attempt(k);
    if (a.cert.found) return out;
    if (k == 0) zero_at = out.attempts.size() - 1;
    if (!a.cert.complete) break;
    best = k;
    best_at = out.attempts.size() - 1;
  }
  const std::size_t pick = best >= 0 ? best_at : zero_at;
  certificate& c = out.result.cert;
  c = out.attempts[pick].cert;
  c.bound_from_estimate = true;
  c.bound_fits = best >= 0;
  c.estimate_seconds = 0;
  for (std::size_t i = 0; i < out.attempts.size(); ++i)
    if (i != pick) c.estimate_seconds += out.attempts[i].cert.seconds;
  c.max_seconds = budget_seconds;
  return out;
}

}  // namespace lastref::model
