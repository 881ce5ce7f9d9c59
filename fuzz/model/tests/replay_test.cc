// SPDX-License-Identifier: MIT
// Replay: tokens and choice lists reproduce failures bit for bit, over many
// failures of several kinds; a nondeterministic program is caught by the
// built-in re-run check.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <lastref/model/model.h>
#include <lastref/model/reference_bug.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

struct racy_counter : program {
  P::cell<int> c{0};
  P::atomic<int> n{0};
  int threads() const override { return 3; }
  void run(int t) override {
    n.fetch_add(1, mo::relaxed);
    if (t != 1) c.write(c.read() + 1);
  }
};

struct lost_update : program {
  P::atomic<int> x{0};
  int threads() const override { return 3; }
  void run(int) override {
    int v = x.load(mo::relaxed);
    P::preemption_point();
    x.store(v + 1, mo::relaxed);
  }
  void check() override { model::check(x.load(mo::relaxed) == 3, "no lost update"); }
};

void replay_many(const program_factory& f, int failures_wanted) {
  checker c;
  int failures = 0;
  for (std::uint64_t seed = 1; failures < failures_wanted && seed < 10'000; ++seed) {
    random_source r(seed, seed % 2 ? random_source::mode::sticky : random_source::mode::uniform);
    explore_result e = c.explore(f, r, 200);
    if (!e.found()) continue;
    ++failures;
    const result& first = e.failure;
    ASSERT_FALSE(first.nondeterministic) << first.report();
    ASSERT_FALSE(first.trace.empty());
    // The token, and the raw choices, reproduce the identical trace.
    result by_token = c.replay(f, first.token);
    EXPECT_EQ(by_token.kind, first.kind);
    EXPECT_EQ(by_token.steps, first.steps);
    EXPECT_EQ(by_token.message, first.message);
    EXPECT_EQ(by_token.trace, first.trace);
    EXPECT_EQ(by_token.token, first.token);
    result by_choices = c.replay_choices(f, first.choices);
    EXPECT_EQ(by_choices.trace, first.trace);
    // A fresh checker (fresh stacks, pools, addresses) too.
    checker fresh;
    result again = fresh.replay(f, first.token);
    EXPECT_EQ(again.trace, first.trace);
    EXPECT_EQ(again.report(), by_token.report());
  }
  EXPECT_EQ(failures, failures_wanted);
}

TEST(Replay, ReferenceBugFailuresReplayBitForBit) {
  replay_many(factory<reference_bug>(reference_bug_config{}), 60);
}
TEST(Replay, DataRaceFailuresReplayBitForBit) { replay_many(factory<racy_counter>(), 60); }
TEST(Replay, InvariantFailuresReplayBitForBit) { replay_many(factory<lost_update>(), 60); }

// Store buffering: both loads read 0 only under c11 (a stale read).
struct store_buffering : program {
  P::atomic<int> x{0}, y{0};
  int r[2] = {-1, -1};
  int threads() const override { return 2; }
  void run(int t) override {
    (t == 0 ? x : y).store(1, mo::relaxed);
    r[t] = (t == 0 ? y : x).load(mo::relaxed);
  }
  void check() override { model::check(r[0] + r[1] != 0, "store buffering"); }
};

TEST(Replay, C11FailuresWithStaleReadsReplayBitForBit) {
  replay_many(factory<store_buffering>(), 20);
}

TEST(Replay, C11TraceNamesTheStoreEachLoadRead) {
  const program_factory subject = factory<store_buffering>();
  checker c;
  random_source r(1);
  const explore_result e = c.explore(subject, r, 10'000);
  ASSERT_TRUE(e.found());
  const std::string& t = e.failure.trace;
  // The stale load names the store it read and the latest one.
  EXPECT_NE(t.find("[read stale value 0 from its construction; latest is 1 from step "),
            std::string::npos)
      << t;
  EXPECT_EQ(e.failure.token.rfind("lastref-replay:v2:c11:", 0), 0u);
}

TEST(Replay, OldScTokensStillReplayAsSc) {
  // A v1 token made under sc replays under sc on a checker whose own model
  // is c11 (the default), exactly as it was made.
  run_options sc;
  sc.memory = memory_model::sc;
  const program_factory old_prog = factory<lost_update>();
  checker old;
  dfs_source d(2);
  const explore_result e = old.explore(old_prog, d, 10'000, sc);
  ASSERT_TRUE(e.found());
  ASSERT_EQ(e.failure.token.rfind("lastref-replay:v1:", 0), 0u) << e.failure.token;
  const program_factory now_prog = factory<lost_update>();
  checker now;
  const run_options defaults;
  ASSERT_EQ(defaults.memory, memory_model::c11);
  const result again = now.replay(now_prog, e.failure.token, defaults);
  EXPECT_EQ(again.trace, e.failure.trace);
  EXPECT_EQ(again.token, e.failure.token);
  // The checker keeps no model of its own: a run after the replay is c11.
  dfs_source d2(2);
  EXPECT_EQ(
      now.explore(now_prog, d2, 10'000, defaults).failure.token.rfind("lastref-replay:v2:c11:", 0),
      0u)
      << "replay leaves the caller's model";
}

TEST(Replay, ScNeverFindsStoreBuffering) {
  run_options sc;
  sc.memory = memory_model::sc;
  const program_factory subject = factory<store_buffering>();
  checker c;
  dfs_source d(dfs_source::unbounded);
  const explore_result e = c.explore(subject, d, 100'000, sc);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

TEST(Replay, TokenRoundTrip) {
  std::vector<std::uint8_t> bytes{0, 1, 255, 7, 16};
  std::string t = encode_token(bytes);
  EXPECT_EQ(t, "lastref-replay:v1:0001ff0710");
  std::vector<std::uint8_t> back;
  ASSERT_TRUE(decode_token(t + "\n", back));
  EXPECT_EQ(back, bytes);
  EXPECT_FALSE(decode_token("lastref-replay:v2:00", back));
  EXPECT_FALSE(decode_token("lastref-replay:v1:0", back));
  EXPECT_FALSE(decode_token("lastref-replay:v1:zz", back));
  // c11 tokens name their model; sc tokens keep the v1 form they always had.
  memory_model m = memory_model::sc;
  const std::string t11 = encode_token(bytes, memory_model::c11);
  EXPECT_EQ(t11, "lastref-replay:v2:c11:0001ff0710");
  ASSERT_TRUE(decode_token(t11, back, &m));
  EXPECT_EQ(back, bytes);
  EXPECT_EQ(m, memory_model::c11);
  ASSERT_TRUE(decode_token(t, back, &m));
  EXPECT_EQ(m, memory_model::sc);
  EXPECT_FALSE(decode_token("lastref-replay:v2:tso:00", back));
  const program_factory subject = factory<lost_update>();
  checker c;
  result r = c.replay(subject, "garbage");
  EXPECT_TRUE(r.failed());
  EXPECT_NE(r.message.find("malformed"), std::string::npos);
}

TEST(Replay, ReportHasViolationTraceAndToken) {
  const program_factory subject = factory<lost_update>();
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 10000);
  ASSERT_TRUE(e.found());
  const std::string rep = e.failure.report();
  EXPECT_EQ(rep.rfind("lastref-model: FAILURE [invariant]", 0), 0u) << rep;
  EXPECT_NE(rep.find("\ntrace:\n"), std::string::npos);
  EXPECT_NE(rep.find("\nlastref-replay:v2:c11:"), std::string::npos);
  EXPECT_NE(rep.find("replay_test.cc:"), std::string::npos) << "trace names program lines";
}

// Fails only on the first execution of the process: the traced re-run of
// the same choices passes, which must be reported as nondeterminism.
int g_runs = 0;
struct depends_on_a_global : program {
  int threads() const override { return 1; }
  void run(int) override {
    P::preemption_point();
    model::check(g_runs++ != 0, "first run only");
  }
};

TEST(Replay, NondeterminismIsReportedLoudly) {
  g_runs = 0;
  const program_factory subject = factory<depends_on_a_global>();
  checker c;
  random_source r(1);
  result res = c.run(subject, r);
  ASSERT_TRUE(res.failed());
  EXPECT_TRUE(res.nondeterministic);
  EXPECT_NE(res.report().find("NONDETERMINISM"), std::string::npos) << res.report();
}

}  // namespace
}  // namespace lastref::model
