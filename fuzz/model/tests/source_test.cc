// SPDX-License-Identifier: MIT
// Schedule sources: the bytes encoding, seeded random, PCT, preemption-
// bounded DFS (counts and completeness), replay, timeouts and spurious
// wake-ups as choices, virtual time.

#include <gtest/gtest.h>
#include <lastref/completion.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// Records the order in which threads executed steps (one char per step).
class order_recorder final : public observer {
 public:
  std::string order;
  std::set<std::string>* all = nullptr;
  void on_execution_begin() override { order.clear(); }
  void on_step(int thread, op kind, const source_loc&, const void*, std::uint64_t) override {
    if (static_cast<unsigned>(kind) <= static_cast<unsigned>(op::check))
      order += static_cast<char>('a' + thread);
  }
  void on_execution_end(failure_kind) override {
    if (all != nullptr) all->insert(order);
  }
};

// Two threads, k steps each.
struct two_by_k : program {
  P::atomic<int> x{0};
  int k;
  explicit two_by_k(int kk) : k(kk) {}
  int threads() const override { return 2; }
  void run(int) override {
    for (int i = 0; i < k; ++i) x.fetch_add(1, mo::relaxed);
  }
};

std::set<std::string> dfs_orders(int bound, int k, std::uint64_t* executions = nullptr) {
  std::set<std::string> all;
  order_recorder rec;
  rec.all = &all;
  run_options o;
  o.obs = &rec;
  const program_factory subject = factory<two_by_k>(k);
  checker c;
  dfs_source d(bound);
  explore_result e = c.explore(subject, d, 1'000'000, o);
  EXPECT_TRUE(e.complete);
  EXPECT_FALSE(e.found());
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.executions(), e.executions);
  if (executions != nullptr) *executions = e.executions;
  return all;
}

TEST(Dfs, BoundZeroRunsEachThreadToCompletion) {
  EXPECT_EQ(dfs_orders(0, 3), (std::set<std::string>{"aaabbb", "bbbaaa"}));
}

TEST(Dfs, BoundOneAddsOnePreemption) {
  // aaabbb, bbbaaa, and one preemption: a^i b^3 a^(3-i), b^i a^3 b^(3-i), i = 1, 2.
  EXPECT_EQ(dfs_orders(1, 3).size(), 6u);
}

TEST(Dfs, LargeBoundCoversAllInterleavings) {
  std::uint64_t n = 0;
  EXPECT_EQ(dfs_orders(10, 3, &n).size(), 20u);  // C(6, 3)
  EXPECT_GE(n, 20u);
}

TEST(Dfs, ReportsIncompleteWhenCutShort) {
  const program_factory subject = factory<two_by_k>(4);
  checker c;
  dfs_source d(10);
  explore_result e = c.explore(subject, d, 5);
  EXPECT_EQ(e.executions, 5u);
  EXPECT_FALSE(e.complete);
  EXPECT_FALSE(d.complete());
}

TEST(Random, SameSeedSameSchedules) {
  std::set<std::string> a, b, c3;
  for (auto [seed, set] : {std::pair{1ull, &a}, std::pair{1ull, &b}, std::pair{2ull, &c3}}) {
    order_recorder rec;
    run_options o;
    o.obs = &rec;
    const program_factory subject = factory<two_by_k>(4);
    checker c;
    random_source r(seed);
    std::string all;
    for (int i = 0; i < 50; ++i) {
      c.run(subject, r, o);
      all += rec.order + "|";
    }
    set->insert(all);
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c3);
}

TEST(Random, UniformModeExploresManyInterleavings) {
  std::set<std::string> all;
  order_recorder rec;
  rec.all = &all;
  run_options o;
  o.obs = &rec;
  const program_factory subject = factory<two_by_k>(3);
  checker c;
  random_source r(3, random_source::mode::uniform);
  c.explore(subject, r, 2000, o);
  EXPECT_EQ(all.size(), 20u);
}

TEST(Bytes, EveryByteStringIsValidAndDeterministic) {
  const program_factory subject = factory<two_by_k>(3);
  checker c;
  random_source gen(77);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> bytes(gen.below(12));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(gen.next());
    bytes_source s(bytes.data(), bytes.size());
    result r1 = c.run(subject, s);
    EXPECT_TRUE(r1.ok());
    EXPECT_LE(s.consumed(), bytes.size());
  }
}

TEST(Bytes, RunLengthThenNextEncoding) {
  order_recorder rec;
  run_options o;
  o.obs = &rec;
  const program_factory subject = factory<two_by_k>(3);
  checker c;
  // No bytes: default schedule (thread 0 first, never preempted).
  bytes_source none(nullptr, 0);
  c.run(subject, none, o);
  EXPECT_EQ(rec.order, "aaabbb");
  // (0, 1): the first decision (who starts) takes option 1 = thread 1.
  const std::uint8_t start_b[] = {0, 1};
  bytes_source s1(start_b, 2);
  c.run(subject, s1, o);
  EXPECT_EQ(rec.order, "bbbaaa");
  // (2, 1): two default decisions (start a, a's 1st step), then switch to b.
  const std::uint8_t later[] = {2, 1};
  bytes_source s2(later, 2);
  c.run(subject, s2, o);
  EXPECT_EQ(rec.order, "abbbaa");
}

// A depth-2 bug: T1 must run between T0's two steps.
struct atomicity : program {
  P::atomic<int> x{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      int v = x.load(mo::relaxed);
      x.store(v + 1, mo::relaxed);
    } else {
      x.fetch_add(10, mo::relaxed);
    }
  }
  void check() override { model::check(x.load(mo::relaxed) == 11, "no lost update"); }
};

TEST(Pct, FindsADepthTwoBug) {
  const program_factory subject = factory<atomicity>();
  checker c;
  int found = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    pct_source p(seed, 2);
    if (c.explore(subject, p, 200).found()) ++found;
  }
  EXPECT_GE(found, 18);
}

TEST(Replay, ReplaysARecordedChoiceList) {
  const program_factory subject = factory<atomicity>();
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 1000);
  ASSERT_TRUE(e.found());
  replay_source r(e.failure.choices);
  r.begin_execution();
  result again = c.run(subject, r);
  EXPECT_EQ(again.kind, e.failure.kind);
  EXPECT_EQ(again.trace, e.failure.trace);
  EXPECT_FALSE(r.diverged());
  result direct = c.replay_choices(subject, e.failure.choices);
  EXPECT_EQ(direct.trace, e.failure.trace);
}

// Timeouts are choices: wait_for either sees the completion or times out.
struct timed_wait : program {
  basic_completion<P> done;
  bool completed = false;
  std::int64_t waited_ns = -1;
  int* outcomes;
  explicit timed_wait(int* o) : outcomes(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      auto before = P::now();
      completed = done.wait_for(std::chrono::milliseconds(10));
      waited_ns = (P::now() - before).count();
    } else {
      done.complete();
    }
  }
  void check() override {
    if (completed) {
      outcomes[0]++;
    } else {
      outcomes[1]++;
      // Virtual time advanced by the timeout, and only then.
      model::check(waited_ns >= 10'000'000, "a timeout advances virtual time to the deadline");
    }
  }
};

TEST(Timeouts, ExhaustiveSearchTakesBothOutcomes) {
  int outcomes[2] = {0, 0};
  run_options o;
  o.max_spurious = 0;
  const program_factory subject = factory<timed_wait>(&outcomes[0]);
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 100000, o);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
  EXPECT_GT(outcomes[0], 0);
  EXPECT_GT(outcomes[1], 0);
}

// A waiter that does not re-check after futex_wait is broken by a spurious
// wake-up; spurious wake-ups are choices (bounded by run_options::max_spurious).
struct no_recheck : program {
  P::atomic<std::uint32_t> flag{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      if (flag.load(mo::acquire) == 0) P::futex_wait(flag, 0);
      model::check(flag.load(mo::acquire) == 1, "woken only after the flag was set");
    } else {
      flag.store(1, mo::release);
      P::futex_wake_one(flag);
    }
  }
};

TEST(Spurious, WakeUpsAreExploredWhenAllowed) {
  const program_factory subject = factory<no_recheck>();
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 100000);
  ASSERT_TRUE(e.found());
  EXPECT_EQ(e.failure.kind, failure_kind::invariant);
  EXPECT_NE(e.failure.trace.find("spurious"), std::string::npos) << e.failure.trace;
}

TEST(Spurious, NoneWhenDisabled) {
  run_options o;
  o.max_spurious = 0;
  const program_factory subject = factory<no_recheck>();
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 100000, o);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

TEST(Observer, SeesStepsAndSwitches) {
  struct counting final : observer {
    int steps = 0, switches = 0, preemptions = 0, begins = 0, ends = 0;
    void on_execution_begin() override { ++begins; }
    void on_step(int, op kind, const source_loc&, const void*, std::uint64_t) override {
      if (static_cast<unsigned>(kind) <= static_cast<unsigned>(op::check)) ++steps;
    }
    void on_switch(int, int, bool p) override {
      ++switches;
      preemptions += p;
    }
    void on_execution_end(failure_kind) override { ++ends; }
  } obs;
  run_options o;
  o.obs = &obs;
  const program_factory subject = factory<two_by_k>(3);
  checker c;
  random_source r(1, random_source::mode::uniform);
  c.explore(subject, r, 10, o);
  EXPECT_EQ(obs.begins, 10);
  EXPECT_EQ(obs.ends, 10);
  EXPECT_EQ(obs.steps, 60);
  EXPECT_GT(obs.preemptions, 0);
}

}  // namespace
}  // namespace lastref::model
