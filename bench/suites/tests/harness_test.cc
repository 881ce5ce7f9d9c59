// SPDX-License-Identifier: MIT
// Unit tests of the benchmark harness: the hog's bounds, the percentile
// counters, the contention-mode override. Counts only, no timing assertions.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "harness/cpu.h"
#include "harness/cpu_hog.h"
#include "harness/hog_group.h"
#include "harness/latency.h"
#include "harness/run_guard.h"

namespace lastref::bench {
namespace {

using namespace std::chrono_literals;

cpu_hog::options small_hog(std::chrono::microseconds burst, std::chrono::milliseconds budget) {
  cpu_hog::options o;
  o.cpu = pick_cpu_pair().second;
  o.fifo = false;  // never real-time in a unit test
  o.burst = burst;
  o.budget = budget;
  return o;
}

// With a 2 ms budget of 1 ms bursts at most 2 bursts run; every other kick
// is refused, none is lost.
TEST(CpuHog, BudgetBoundsTheBurstsAndExtraKicksAreRefused) {
  std::uint64_t bursts = 0, refused = 0;
  {
    cpu_hog hog(small_hog(1000us, 2ms));
    std::uint32_t t = 0;
    for (int i = 0; i < 6; ++i) {
      // Wait for each burst to start so that kicks do not coalesce.
      t = hog.kick();
      ASSERT_TRUE(hog.wait_started(t, 30s));
      while (hog.bursts() + hog.refused() < static_cast<std::uint64_t>(i + 1)) {
      }
    }
    bursts = hog.bursts();
    refused = hog.refused();
  }
  // A burst spends at least its length (more if the hog is preempted: the
  // budget is wall time), so 1 or 2 bursts fit; never more.
  EXPECT_LE(bursts, 2u);
  EXPECT_GE(bursts, 1u);
  EXPECT_EQ(bursts + refused, 6u);
}

TEST(CpuHog, DestructorStopsABurstInProgress) {
  // A 5 ms burst (the maximum) is cut short by the destructor; the test
  // only checks that it returns, i.e. the hog was joined.
  cpu_hog hog(small_hog(cpu_hog::max_burst, 1000ms));
  ASSERT_TRUE(hog.wait_started(hog.kick(), 30s));
}

TEST(CpuHog, BurstIsClampedToTheMaximum) {
  cpu_hog hog(small_hog(std::chrono::microseconds(50'000), 1000ms));
  ASSERT_TRUE(hog.wait_started(hog.kick(), 30s));
  EXPECT_TRUE(hog.error().empty()) << hog.error();
}

// The per-CPU real-time share never exceeds the asked share, and a single
// hog never exceeds 2/3 of a CPU.
TEST(HogGroup, FifoGapKeepsEachCpuBelowItsShare) {
  const std::chrono::microseconds burst(2000);
  for (int cpus : {1, 2, 4, 8})
    for (int count = 1; count <= 4 * cpus; ++count) {
      const auto gap = hog_group::fifo_gap_for(count, cpus, burst);
      const double duty =
          static_cast<double>(burst.count()) / static_cast<double>(burst.count() + gap.count());
      const double per_cpu = std::max(1.0, static_cast<double>(count) / cpus) * duty;
      EXPECT_LE(per_cpu, 2.0 / 3.0 + 1e-3) << count << " hogs on " << cpus << " CPUs";
      EXPECT_GE(gap, burst / 2);
    }
}

// Normal hogs (never real-time in a unit test) stop at stop(), at the
// process-wide abort flag and at their budget; the destructor joins them.
TEST(HogGroup, StopsOnStopAbortAndBudget) {
  std::atomic<bool> abort{false};
  auto opts = [&](std::chrono::milliseconds budget) {
    hog_group::options o;
    o.count = 2;
    o.fifo = false;
    o.burst = std::chrono::microseconds(500);
    o.budget = budget;
    o.abort = &abort;
    return o;
  };
  {
    hog_group g(opts(std::chrono::milliseconds(5)));
    EXPECT_TRUE(g.error().empty()) << g.error();
    // 5 ms of spin each: exhausted long before this bounded wait ends.
    for (int i = 0; i < 3000 && !g.exhausted(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(g.exhausted());
  }
  {
    hog_group g(opts(std::chrono::milliseconds(60'000)));
    abort.store(true);
  }  // joins: returns only because the hogs saw the flag
  abort.store(false);
  {
    hog_group g(opts(std::chrono::milliseconds(60'000)));
    g.stop();
    EXPECT_FALSE(g.exhausted());
  }
}

TEST(RunGuard, WatchdogDisarmsWhenTheRunEnds) {
  { watchdog w(std::chrono::seconds(3600), "test"); }
  EXPECT_FALSE(stop_flag().load());
}

TEST(RunGuardDeathTest, WatchdogStopsEverythingAndAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        watchdog w(std::chrono::seconds(1), "test", std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::seconds(60));
      },
      "WATCHDOG: the run exceeded its bound of 1 s");
}

TEST(LatencySamples, NearestRankPercentiles) {
  latency_samples s;
  for (int i = 101; i >= 1; --i) s.add(std::chrono::microseconds(i));
  EXPECT_DOUBLE_EQ(s.percentile_us(0.5), 51.0);
  EXPECT_DOUBLE_EQ(s.percentile_us(0.9), 91.0);
  EXPECT_DOUBLE_EQ(s.percentile_us(1.0), 101.0);
  latency_samples empty;
  EXPECT_DOUBLE_EQ(empty.percentile_us(0.5), 0.0);
  s.add(std::chrono::microseconds(1000));  // unsorts; the next query re-sorts
  EXPECT_DOUBLE_EQ(s.percentile_us(1.0), 1000.0);
}

TEST(ContentionMode, FallbackCanBeForcedAndSaysHowToGetFifo) {
  const char* forced = std::getenv("LASTREF_BENCH_CONTENTION");
  const contention_mode& m = detect_contention_mode();
  if (forced == nullptr || std::string(forced) != "fallback")
    GTEST_SKIP() << "run with the env set";
  EXPECT_FALSE(m.fifo);
  EXPECT_EQ(m.name, "fallback_no_sched_fifo");
  EXPECT_NE(m.detail.find("CAP_SYS_NICE"), std::string::npos);
  EXPECT_NE(m.detail.find("RLIMIT_RTPRIO"), std::string::npos);
}

TEST(Cpu, PinAndRestore) {
  const std::vector<int> before = allowed_cpus();
  {
    scoped_pin pin(pick_cpu_pair().second);
    EXPECT_TRUE(pin.ok());
    EXPECT_EQ(allowed_cpus().size(), 1u);
  }
  EXPECT_EQ(allowed_cpus(), before);
}

}  // namespace
}  // namespace lastref::bench
