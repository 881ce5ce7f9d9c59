// SPDX-License-Identifier: MIT
// The search front end's certificate (search.h): complete only when the
// source ran out, "within bound" for bounded DFS, "incomplete" on a budget,
// "FAILED" with the failure.

#include <lastref/model/search.h>

#include <gtest/gtest.h>

#include <string>

#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>

namespace lastref::model {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

TEST(Search, DporCompleteIsAProof) {
  const program_factory subject = factory<known::counter_n>(3);
  checker c;
  const search_result r = search(c, subject, {});
  EXPECT_TRUE(r.cert.complete);
  EXPECT_TRUE(r.cert.proof());
  EXPECT_EQ(r.cert.executions, 6u);
  EXPECT_EQ(r.cert.bound, -1);
  EXPECT_STREQ(r.cert.stopped_by, "exhausted");
  EXPECT_TRUE(starts_with(r.cert.summary(), "complete: every schedule explored, 6 executions"))
      << r.cert.summary();
  EXPECT_NE(r.cert.json().find("\"proof\":true"), std::string::npos) << r.cert.json();
}

TEST(Search, BoundedDfsIsNotAProof) {
  const program_factory subject = factory<known::counter_n>(3);
  checker c;
  const search_result r = search(c, subject, {.how = strategy::dfs, .bound = 0});
  EXPECT_TRUE(r.cert.complete);
  EXPECT_FALSE(r.cert.proof());
  EXPECT_TRUE(starts_with(r.cert.summary(), "complete within bound 0")) << r.cert.summary();
  EXPECT_NE(r.cert.summary().find("NOT explored"), std::string::npos);
}

TEST(Search, UnboundedDfsIsAProof) {
  const program_factory subject = factory<known::counter_n>(3);
  checker c;
  const search_result r = search(c, subject, {.how = strategy::dfs});
  EXPECT_TRUE(r.cert.proof());
  EXPECT_GE(r.cert.executions, 6u);
}

TEST(Search, ExecutionBudgetSaysIncomplete) {
  for (strategy how : {strategy::dpor, strategy::dfs}) {
    const program_factory subject = factory<known::counter_n>(4);
    checker c;
    const search_result r = search(c, subject, {.how = how, .max_executions = 3});
    EXPECT_FALSE(r.cert.complete);
    EXPECT_FALSE(r.cert.proof());
    EXPECT_EQ(r.cert.executions, 3u);
    EXPECT_TRUE(
        starts_with(r.cert.summary(), "incomplete: 3 executions, budget of 3 executions reached"))
        << r.cert.summary();
    EXPECT_EQ(r.cert.summary().find("clean"), std::string::npos);
  }
}

TEST(Search, TimeBudgetSaysIncomplete) {
  const program_factory subject = factory<known::kref_n>(3);
  checker c;
  const search_result r = search(c, subject, {.max_seconds = 1e-9});
  EXPECT_FALSE(r.cert.complete);
  EXPECT_STREQ(r.cert.stopped_by, "time budget");
  EXPECT_EQ(r.cert.executions, 256u);  // one chunk
  EXPECT_TRUE(starts_with(r.cert.summary(), "incomplete: 256 executions, time budget"))
      << r.cert.summary();
}

struct racy final : program {
  platform::cell<int> c;
  int threads() const override { return 2; }
  void run(int t) override { c.write(t); }
};

TEST(Search, FailureIsReportedWithItsTrace) {
  const program_factory subject = factory<racy>();
  checker c;
  const search_result r = search(c, subject, {});
  EXPECT_TRUE(r.cert.found);
  EXPECT_FALSE(r.cert.proof());
  EXPECT_EQ(r.failure.kind, failure_kind::data_race);
  EXPECT_FALSE(r.failure.token.empty());
  EXPECT_TRUE(starts_with(r.cert.summary(), "FAILED")) << r.cert.summary();
}

TEST(Search, StrategyNames) {
  strategy s{};
  EXPECT_TRUE(strategy_from_name("dfs", s));
  EXPECT_EQ(s, strategy::dfs);
  EXPECT_TRUE(strategy_from_name("dpor", s));
  EXPECT_EQ(s, strategy::dpor);
  EXPECT_FALSE(strategy_from_name("bfs", s));
}

}  // namespace
}  // namespace lastref::model
