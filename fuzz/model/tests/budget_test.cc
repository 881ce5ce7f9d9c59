// SPDX-License-Identifier: MIT
// search_within (budget.h): a budget the whole search fits buys the proof;
// one it does not buys the largest bound whose search completed, every
// smaller bound complete too, at the bounded counts known for the program;
// a failure stands; when nothing ends in time, bound 0's incomplete
// certificate says so. And search_limits::give_up stops a search "given up".
// No assertion here depends on how fast the machine is: only which searches
// completed and what each of them covered.

#include <lastref/model/budget.h>

#include <gtest/gtest.h>

#include <string>

#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using testing::sc_explorer;

// Two unsynchronised increments (a load, then a store): a lost update.
struct lost_update final : program {
  using P = platform;
  P::atomic<int> c{0};
  [[nodiscard]] int threads() const override { return 2; }
  void run(int) override { c.store(c.load() + 1); }
  void check() override { model::check(c.load() == 2, "both increments counted"); }
};

TEST(Budget, AWholeSearchThatEndsInTimeIsTheProof) {
  checker c;
  int calls = 0;
  const budget_outcome b =
      search_within(sc_explorer(c, factory<known::kref_n>(3)), search_limits{}, 600, 8, "kref_n 3",
                    [&](const budget_attempt&) { ++calls; });
  ASSERT_EQ(b.attempts.size(), 1u);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(b.result.cert.proof()) << b.result.cert.summary();
  EXPECT_EQ(b.result.cert.executions, known::kref_n_traces(3));
  EXPECT_FALSE(b.result.cert.bound_from_estimate);
}

// kref_n at 4 threads: 369,600 executions without a bound, which 0.6 s
// cannot hold on any machine this runs on (the Release build takes about
// 2 s); at bounds 0, 1, 2, 3: 24, 456, 5,280, 42,240 (bounded DPOR without
// sleep sets, measured; fuzz/model/README.md).
TEST(Budget, ABudgetTooSmallBuysTheLargestBoundThatEnded) {
  checker c;
  const std::uint64_t at_bound[] = {24, 456, 5'280, 42'240};
  const budget_outcome b =
      search_within(sc_explorer(c, factory<known::kref_n>(4)), search_limits{}, 0.6, 8, "kref_n 4");
  ASSERT_GE(b.attempts.size(), 2u);
  EXPECT_EQ(b.attempts[0].bound, -1);
  EXPECT_FALSE(b.attempts[0].cert.complete);
  const certificate& r = b.result.cert;
  ASSERT_TRUE(r.complete) << r.summary();  // bound 0's 24 executions always end
  ASSERT_GE(r.bound, 0);
  EXPECT_FALSE(r.found);
  EXPECT_TRUE(r.bound_from_estimate);
  EXPECT_TRUE(r.bound_fits);
  EXPECT_DOUBLE_EQ(r.max_seconds, 0.6);
  double others = 0;
  for (std::size_t i = 1; i < b.attempts.size(); ++i) {
    const budget_attempt& a = b.attempts[i];
    EXPECT_EQ(a.bound, static_cast<int>(i) - 1);
    if (a.bound < r.bound) {
      EXPECT_TRUE(a.cert.complete) << a.cert.summary();
    }
    if (a.bound > r.bound) {
      EXPECT_FALSE(a.cert.complete) << a.cert.summary();
    }
    if (a.bound <= 3 && a.cert.complete) {
      EXPECT_EQ(a.cert.executions, at_bound[a.bound]);
    }
    if (a.bound != r.bound) others += a.cert.seconds;
  }
  EXPECT_DOUBLE_EQ(r.estimate_seconds, others + b.attempts[0].cert.seconds);
  EXPECT_NE(r.summary().find("the largest bound whose search ended within the 0.6 s budget"),
            std::string::npos)
      << r.summary();
}

TEST(Budget, AFailureStands) {
  checker c;
  const budget_outcome b =
      search_within(sc_explorer(c, factory<lost_update>()), search_limits{}, 600, 8, "lost update");
  EXPECT_TRUE(b.result.cert.found) << b.result.cert.summary();
  EXPECT_EQ(b.result.failure.kind, failure_kind::invariant);
  EXPECT_EQ(b.attempts.size(), 1u);
}

// kref_n at 8 threads: bound 0 alone is 8! = 40,320 executions.
TEST(Budget, NothingEndsInTimeSaysSo) {
  checker c;
  const budget_outcome b = search_within(sc_explorer(c, factory<known::kref_n>(8)), search_limits{},
                                         1e-6, 8, "kref_n 8");
  ASSERT_EQ(b.attempts.size(), 2u);  // without a bound, then bound 0 for one chunk
  const certificate& r = b.result.cert;
  EXPECT_EQ(r.bound, 0);
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.bound_fits);
  EXPECT_NE(r.summary().find("NO search ended within the 1e-06 s budget, not even bound 0's"),
            std::string::npos)
      << r.summary();
}

TEST(Budget, GiveUpStopsTheSearchIncomplete) {
  checker c;
  search_limits l;
  int asked = 0;
  l.give_up = [&](std::uint64_t n, double fraction, double) {
    ++asked;
    EXPECT_GT(n, 0u);
    EXPECT_GE(fraction, 0);
    EXPECT_LT(fraction, 1);
    return true;
  };
  const search_result r = search(sc_explorer(c, factory<known::kref_n>(4)), l, "kref_n 4");
  EXPECT_EQ(asked, 1);
  EXPECT_FALSE(r.cert.complete);
  EXPECT_EQ(r.cert.executions, 256u);  // one chunk
  EXPECT_STREQ(r.cert.stopped_by, "given up");
  EXPECT_NE(r.cert.summary().find("incomplete: 256 executions, given up"), std::string::npos)
      << r.cert.summary();
  certificate back;
  std::string err;
  ASSERT_TRUE(certificate_from_json(r.cert.json(), back, &err)) << err;
  EXPECT_STREQ(back.stopped_by, "given up");
}

}  // namespace
}  // namespace lastref::model
