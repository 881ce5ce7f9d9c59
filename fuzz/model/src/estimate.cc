// SPDX-License-Identifier: MIT
// Knuth-style random-probe estimate of a DPOR search (estimate.h).

#include <lastref/model/estimate.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include <lastref/model/dpor.h>

namespace lastref::model {

namespace {
// The q-quantile of sorted `v` (nearest rank).
double quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct moments {
  std::vector<double> xs;
  double sum = 0;
  void add(double x) {
    xs.push_back(x);
    sum += x;
  }
  [[nodiscard]] double mean() const {
    return xs.empty() ? 0 : sum / static_cast<double>(xs.size());
  }
  // Standard error of the mean: the sample standard deviation over sqrt(n)
  // (two passes: the probes' estimates span orders of magnitude).
  [[nodiscard]] double std_error() const {
    const auto n = static_cast<double>(xs.size());
    if (xs.size() < 2) return std::numeric_limits<double>::infinity();
    const double m = mean();
    double ss = 0;
    for (double x : xs) ss += (x - m) * (x - m);
    return std::sqrt(ss / (n - 1) / n);
  }
};
}  // namespace

estimate_result estimate(const explore_fn& explore, const estimate_options& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  estimate_result r;
  moments probes;
  for (int i = 0; i < std::max(1, o.probes); ++i) {
    if (i > 0 && o.max_seconds > 0 && elapsed() >= o.max_seconds) break;
    dpor_source d;
    d.set_bound(o.bound);
    // Distinct nonzero seeds per probe (0 turns random order off).
    d.set_order_seed((o.seed * 0x9e3779b97f4a7c15ull) ^ (static_cast<std::uint64_t>(i) + 1));
    const explore_result e = explore(d, 1);
    r.probe_executions += e.executions;
    ++r.probes;
    if (d.complete()) {
      // The whole search ran in one execution: its count is exact.
      r.exact = true;
      probes = moments{};
      probes.add(static_cast<double>(d.executions()));
      break;
    }
    probes.add(d.path_estimate());
  }
  r.probe_seconds = elapsed();
  std::vector<double> sorted = probes.xs;
  std::sort(sorted.begin(), sorted.end());
  r.executions = probes.mean();
  r.std_error = r.exact ? 0 : probes.std_error();
  r.low = sorted.front();
  r.high = sorted.back();
  r.p10 = quantile(sorted, 0.1);
  r.p50 = quantile(sorted, 0.5);
  r.p90 = quantile(sorted, 0.9);
  const double per = r.probe_executions > 0 ? r.probe_seconds / r.probe_executions : 0;
  r.seconds = r.executions * per;
  return r;
}

bool fits(const estimate_result& e, double seconds) noexcept {
  return std::isfinite(e.seconds) && std::isfinite(e.executions) && e.seconds >= 0 &&
         e.seconds <= seconds;
}

bound_choice choose_bound(std::span<const estimate_result> by_bound, double seconds) {
  bound_choice c;
  c.bound = 0;
  if (by_bound.empty()) return c;
  if (fits(by_bound[0], seconds)) {
    c.bound = -1;
    c.fits = true;
    c.at = by_bound[0];
    return c;
  }
  if (by_bound.size() > 1) c.at = by_bound[1];
  // The largest bound whose estimate fits, not the first that does not:
  // the estimates are noisy and need not grow with the bound.
  for (std::size_t k = by_bound.size(); k-- > 1;)
    if (fits(by_bound[k], seconds)) {
      c.bound = static_cast<int>(k) - 1;
      c.fits = true;
      c.at = by_bound[k];
      break;
    }
  return c;
}

bound_choice pick_bound(const explore_fn& explore, double budget, int max_bound,
                        const estimate_options& o,
                        const std::function<void(int, const estimate_result&)>& on_estimate) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  max_bound = std::max(0, max_bound);
  // The estimates' own share of the budget, split over the estimates still
  // to run (each runs at least one probe).
  const double share = estimate_share * budget;
  estimate_options eo = o;
  std::vector<estimate_result> by_bound;
  // Seconds per execution pooled over every estimate so far (one estimate's
  // probe executions time a loaded machine poorly).
  std::uint64_t pooled_n = 0;
  double pooled_s = 0;
  for (int k = -1; k <= max_bound; ++k) {
    const int left = max_bound - k + 1;
    const double room = std::max(0.0, share - elapsed()) / left;
    eo.bound = k;
    eo.max_seconds = o.max_seconds > 0 ? std::min(o.max_seconds, room) : room;
    // max_seconds 0 would mean "no limit": past the share, one probe each.
    if (eo.max_seconds <= 0) eo.probes = 1;
    estimate_result e = estimate(explore, eo);
    pooled_n += e.probe_executions;
    pooled_s += e.probe_seconds;
    if (pooled_n > 0) e.seconds = e.executions * pooled_s / static_cast<double>(pooled_n);
    if (on_estimate) on_estimate(k, e);
    by_bound.push_back(e);
    // The whole search fits: no bound needed, nothing more to estimate.
    if (k < 0 && fits(e, budget - elapsed())) break;
    // The share is used up: the bounds above k are not estimated (and so
    // not picked), so the estimates stay within about the share plus a
    // probe.
    if (k >= 0 && elapsed() >= share) break;
  }
  // Re-timed with the pooled rate, judged against what is left of the budget.
  for (estimate_result& e : by_bound)
    if (pooled_n > 0) e.seconds = e.executions * pooled_s / static_cast<double>(pooled_n);
  const double spent = elapsed();
  bound_choice c = choose_bound(by_bound, budget - spent);
  c.probe_seconds = spent;
  c.bounds_estimated = static_cast<int>(by_bound.size()) - 1;
  c.search_seconds = std::max(0.0, budget - spent);
  return c;
}

}  // namespace lastref::model
