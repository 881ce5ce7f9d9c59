// SPDX-License-Identifier: MIT
// The search front end's certificate (search.h): complete only when the
// source ran out, "within bound" for bounded DFS, "incomplete" on a budget,
// "FAILED" with the failure.

#include <lastref/model/search.h>

#include <gtest/gtest.h>

#include <algorithm>
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

// Every other construction takes one more step: a program whose replays
// cannot retrace their prefixes (as one that reads the clock would be).
struct flips final : program {
  static inline int made = 0;
  bool twice = (made++ % 2) == 1;
  platform::atomic<int> x{0}, y{0};
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      y.store(1, std::memory_order_relaxed);
      x.store(1, std::memory_order_relaxed);
      if (twice) x.store(2, std::memory_order_relaxed);
      y.store(2, std::memory_order_relaxed);
    } else {
      (void)x.load(std::memory_order_relaxed);
      (void)y.load(std::memory_order_relaxed);
      x.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

TEST(Search, NondeterministicProgramStopsAtOnce) {
  for (strategy how : {strategy::dpor, strategy::dfs}) {
    checker c;
    const search_result r = search(c, factory<flips>(), {.how = how, .max_executions = 1000000});
    EXPECT_FALSE(r.cert.complete);
    EXPECT_FALSE(r.cert.proof());
    EXPECT_TRUE(r.cert.nondeterministic);
    EXPECT_STREQ(r.cert.stopped_by, "nondeterministic program");
    EXPECT_LE(r.cert.executions, 256u);  // the chunk in which it diverged
    EXPECT_TRUE(starts_with(r.cert.summary(), "incomplete: ")) << r.cert.summary();
    EXPECT_NE(r.cert.summary().find("nondeterministic"), std::string::npos) << r.cert.summary();
    certificate back;
    std::string err;
    ASSERT_TRUE(certificate_from_json(r.cert.json(), back, &err)) << err;
    EXPECT_STREQ(back.stopped_by, "nondeterministic program");
  }
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

// A bound chosen by a time budget (budget.h) says so; bound 0 when no
// search ended in time says that plainly; both survive JSON.
TEST(Search, BoundFromEstimateSaysWhetherItFit) {
  certificate c;
  c.complete = true;
  c.bound = 2;
  c.max_seconds = 10;
  c.bound_from_estimate = true;
  c.estimate_seconds = 0.5;
  EXPECT_NE(c.summary().find("(the largest bound whose search ended within the 10 s budget; the "
                             "other searches took 0.5 s of it)"),
            std::string::npos)
      << c.summary();
  c.bound = 0;
  c.bound_fits = false;
  const std::string s = c.summary();
  EXPECT_TRUE(starts_with(s, "complete within bound 0")) << s;
  EXPECT_NE(s.find("NO search ended within the 10 s budget, not even bound 0's"), std::string::npos)
      << s;
  EXPECT_EQ(s.find("largest bound"), std::string::npos) << s;
  certificate back;
  std::string err;
  ASSERT_TRUE(certificate_from_json(c.json(), back, &err)) << err;
  EXPECT_FALSE(back.bound_fits);
  EXPECT_TRUE(back.bound_from_estimate);
  EXPECT_DOUBLE_EQ(back.estimate_seconds, 0.5);
  EXPECT_EQ(back.json(), c.json());
  // Written before these fields: they default to "fits", no estimate time.
  std::string old = c.json();
  old.erase(old.find(",\"bound_fits\":false"), std::string(",\"bound_fits\":false").size());
  certificate older;
  ASSERT_TRUE(certificate_from_json(old, older, &err)) << err;
  EXPECT_TRUE(older.bound_fits);
}

// dfs_source with no bound prunes nothing: a tree where taking the
// non-default option leads to one more decision (and the default ends the
// execution) has 301 executions at depth 300, the last one with 300 stale
// reads (read decisions) or 300 preemptions (the current thread runnable).
// An 8-bit count stopped at 255 and still said "complete" after 256.
TEST(DfsSource, UnboundedPrunesNothing) {
  constexpr int depth = 300;
  for (const bool reads : {true, false}) {
    SCOPED_TRACE(reads ? "stale reads" : "preemptions");
    dfs_source d(dfs_source::unbounded, dfs_source::unbounded);
    int most = 0;  // non-default choices in one execution
    std::uint64_t runs = 0;
    bool more = true;
    while (more && runs < 1000) {
      d.begin_execution();
      int taken = 0;
      for (int level = 0; level < depth; ++level) {
        decision dec;
        dec.current = 0;
        dec.runnable = reads ? 0 : 3;  // threads 0 and 1; thread 0 current
        dec.reads = reads ? 2 : 0;     // the latest store (default) or an older one
        const int pick = d.choose(dec);
        if (pick == dec.default_index()) break;
        ++taken;
      }
      most = std::max(most, taken);
      ++runs;
      more = d.end_execution(0);
    }
    EXPECT_TRUE(d.complete());
    EXPECT_EQ(runs, depth + 1u);
    EXPECT_EQ(most, depth);
    // A bound still prunes: 255 allows 256 executions.
    dfs_source b(reads ? dfs_source::unbounded : 255, reads ? 255 : dfs_source::unbounded);
    std::uint64_t n = 0;
    do {
      b.begin_execution();
      for (int level = 0; level < depth; ++level) {
        decision dec;
        dec.current = 0;
        dec.runnable = reads ? 0 : 3;
        dec.reads = reads ? 2 : 0;
        if (b.choose(dec) == dec.default_index()) break;
      }
      ++n;
    } while (b.end_execution(0) && n < 1000);
    EXPECT_EQ(n, 256u);
  }
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
