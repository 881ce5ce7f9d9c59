// SPDX-License-Identifier: MIT
#include "report.h"

#include <cstdarg>
#include <cstdio>

namespace lastref::tsan::report {

namespace {
counters g_counters;
std::chrono::steady_clock::time_point g_start = std::chrono::steady_clock::now();
constexpr uint64_t max_printed = 10;
}  // namespace

counters& stats() noexcept { return g_counters; }

void violation(const char* fmt, ...) noexcept {
  // Relaxed: only decides which messages are printed; the total is read after join.
  uint64_t n = g_counters.violations.fetch_add(1, std::memory_order_relaxed);
  if (n >= max_printed) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "VIOLATION: %s\n", buf);
}

void start() noexcept { g_start = std::chrono::steady_clock::now(); }

int finish(const harness_info& info, const options& opt) noexcept {
  auto elapsed = std::chrono::steady_clock::now() - g_start;
  double secs = std::chrono::duration<double>(elapsed).count();
  auto get = [](const std::atomic<uint64_t>& c) {
    return static_cast<unsigned long long>(c.load(std::memory_order_relaxed));
  };
  unsigned long long ops = get(g_counters.operations);
  unsigned long long bad = get(g_counters.violations);
  std::printf(
      "SUMMARY harness=%s variant=%s seed=%llu threads=%u jitter=%u operations=%llu "
      "releases=%llu wakeups=%llu unloads=%llu violations=%llu elapsed_ms=%.0f ops_per_s=%.0f\n",
      info.name.c_str(), opt.variant.empty() ? "-" : opt.variant.c_str(),
      static_cast<unsigned long long>(opt.seed), opt.threads, opt.jitter, ops,
      get(g_counters.releases), get(g_counters.wakeups), get(g_counters.unloads), bad,
      secs * 1000.0, secs > 0 ? static_cast<double>(ops) / secs : 0.0);
  std::fflush(stdout);
  return bad == 0 ? 0 : 1;
}

}  // namespace lastref::tsan::report
