// SPDX-License-Identifier: MIT
// Knuth-style random-probe estimate of a DPOR search (estimate.h).

#include <lastref/model/estimate.h>

#include <algorithm>
#include <chrono>

#include <lastref/model/dpor.h>

namespace lastref::model {

estimate_result estimate(const explore_fn& explore, const estimate_options& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  estimate_result r;
  double sum = 0;
  for (int i = 0; i < std::max(1, o.probes); ++i) {
    if (i > 0 && o.max_seconds > 0 && elapsed() >= o.max_seconds) break;
    dpor_source d;
    d.set_bound(o.bound);
    // Distinct nonzero seeds per probe (0 turns random order off).
    d.set_order_seed((o.seed * 0x9e3779b97f4a7c15ull) ^ (static_cast<std::uint64_t>(i) + 1));
    const explore_result e = explore(d, 1);
    r.probe_executions += e.executions;
    ++r.probes;
    double est;
    if (d.complete()) {
      // The whole search ran: its count is exact.
      r.exact = true;
      r.executions = static_cast<double>(d.executions());
      r.low = r.high = r.executions;
      sum = r.executions * r.probes;
      break;
    }
    est = d.path_estimate();
    sum += est;
    r.low = r.probes == 1 ? est : std::min(r.low, est);
    r.high = std::max(r.high, est);
  }
  r.probe_seconds = elapsed();
  if (!r.exact) r.executions = sum / r.probes;
  const double per = r.probe_executions > 0 ? r.probe_seconds / r.probe_executions : 0;
  r.seconds = r.executions * per;
  return r;
}

bound_choice pick_bound(const explore_fn& explore, double budget, int max_bound,
                        const estimate_options& o,
                        const std::function<void(int, const estimate_result&)>& on_estimate) {
  bound_choice c;
  estimate_options eo = o;
  // Seconds per execution pooled over every estimate so far (one estimate's
  // 64 probe executions time a loaded machine poorly).
  std::uint64_t pooled_n = 0;
  double pooled_s = 0;
  auto run = [&](int bound) {
    eo.bound = bound;
    estimate_result e = estimate(explore, eo);
    pooled_n += e.probe_executions;
    pooled_s += e.probe_seconds;
    c.probe_seconds += e.probe_seconds;
    if (pooled_n > 0) e.seconds = e.executions * pooled_s / static_cast<double>(pooled_n);
    if (on_estimate) on_estimate(bound, e);
    return e;
  };
  c.at = run(-1);
  if (c.at.seconds <= budget) {
    c.fits = true;
    return c;
  }
  c.bound = 0;
  for (int k = 0; k <= max_bound; ++k) {
    const estimate_result e = run(k);
    if (e.seconds > budget) {
      if (k == 0) c.at = e;
      break;
    }
    c.bound = k;
    c.at = e;
    c.fits = true;
  }
  return c;
}

}  // namespace lastref::model
