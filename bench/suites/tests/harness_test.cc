// Unit tests of the benchmark harness: the hog's bounds, the percentile
// counters, the contention-mode override. Counts only, no timing assertions.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/cpu.h"
#include "harness/cpu_hog.h"
#include "harness/latency.h"

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
  EXPECT_EQ(m.name, "fallback_sched_idle_releaser");
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
