// SPDX-License-Identifier: MIT
// Symmetry reduction (program::symmetry_class, fuzz/model/README.md
// "Symmetry"): a twin runs only after the twin before it took its first
// step, and DPOR orders that step before the twin's first event.
//
// Counts: N threads that each fetch_add one counter twice have (2N)! / 2^N
// traces (the orders of 2N conflicting steps that keep each thread's two in
// order); declared twins keep only those whose threads take their first
// steps in index order, 1 / N! of them by symmetry (every order of first
// steps is equally frequent): (2N)! / (2^N N!) = (2N-1)!! = 3, 15, 105 for
// N = 2, 3, 4.
//
// Soundness: random programs of two twins (identical step lists) and
// sometimes a third thread, with futex wait loops, timed waits that give
// up, wakes, a CAS retry loop, a mutex and a plain cell; the outcome
// (every value read and the final values) is canonicalised by sorting the
// twins' reads. With the twins declared, DPOR (unbounded and bounded) and
// DFS reach the same canonical outcomes and failures as unbounded DFS
// without the declaration, under sc and c11.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <lastref/model/dpor.h>
#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>
#include <lastref/model/test.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using testing::outcomes;
using P = platform;
using mo = std::memory_order;

// counter_n with two increments a thread, its threads twins or not.
struct counter2 final : program {
  int n;
  bool twins;
  P::atomic<int> c{0};
  counter2(int threads, bool declare) : n(threads), twins(declare) {}
  [[nodiscard]] int threads() const override { return n; }
  [[nodiscard]] int symmetry_class(int) const override { return twins ? 0 : -1; }
  void run(int) override {
    c.fetch_add(1, mo::relaxed);
    c.fetch_add(1, mo::relaxed);
  }
  void check() override { model::check(c.load() == 2 * n, "every increment counted"); }
};

explore_result explore_sc(const program_factory& f, schedule_source& s) {
  run_options o;
  o.memory = memory_model::sc;
  o.trace_failures = false;
  checker c;
  return c.explore(f, s, 10'000'000, o);
}

TEST(Symmetry, DeclaredTwinsCountOneTracePerOrderOfFirstSteps) {
  const std::uint64_t all[] = {6, 90, 2520};     // (2N)! / 2^N
  const std::uint64_t reduced[] = {3, 15, 105};  // (2N-1)!!
  for (int n = 2; n <= 4; ++n) {
    dpor_source plain, sym;
    const explore_result a = explore_sc(factory<counter2>(n, false), plain);
    const explore_result b = explore_sc(factory<counter2>(n, true), sym);
    ASSERT_TRUE(a.complete && b.complete);
    EXPECT_EQ(a.executions - plain.blocked(), all[n - 2]) << n;
    EXPECT_EQ(b.executions - sym.blocked(), reduced[n - 2]) << n;
    std::printf("counter2(%d): %llu executions undeclared, %llu with twins (%llu blocked)\n", n,
                static_cast<unsigned long long>(a.executions),
                static_cast<unsigned long long>(b.executions),
                static_cast<unsigned long long>(sym.blocked()));
  }
  // The classic benchmark stays undeclared: N! traces.
  dpor_source d;
  EXPECT_EQ(explore_sc(factory<known::counter_n>(4), d).executions, 24u);
}

// The same through the front (test.h): three twins of two increments.
TEST(Symmetry, FrontDeclaresTwins) {
  struct state {
    P::atomic<int> c{0};
  };
  auto inc2 = [](state& s) {
    s.c.fetch_add(1, mo::relaxed);
    s.c.fetch_add(1, mo::relaxed);
  };
  run_options o;
  o.memory = memory_model::sc;
  test<state> plain, sym;
  plain.thread(inc2).thread(inc2).thread(inc2).options(o);
  sym.twins(inc2, 3).options(o);
  dpor_source a, b;
  EXPECT_EQ(plain.explore(a, 1000).executions, 90u);
  const test_result r = sym.explore(b, 1000);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 15u);
}

// Two twins (threads 0 and 1, the same steps) and maybe a third thread.
struct twin_program : program {
  enum kind : std::uint8_t {
    wait_loop,     // wait until w >= val (futex, re-waiting on what it read)
    timed_loop,    // the same with a deadline: gives up
    inc_wake_all,  // w += 1, wake every waiter
    inc_wake_one,  // w += 1, wake one
    cas_retry,     // x += val by a weak CAS retry loop
    store,         // x = val
    load,          // read x
    locked_cell,   // under the mutex: cell += 1 (read it)
    cell_write,    // the cell, unprotected (a data race with another access)
  };
  struct step {
    kind k;
    std::uint8_t val;
  };
  outcomes* out;
  bool declare;
  int n = 2;
  std::vector<step> prog[3];
  P::atomic<std::uint32_t> w{0};
  P::atomic<std::uint32_t> x{0};
  P::mutex m;
  P::cell<int> cell{0};
  int reads[3][3] = {};

  twin_program(outcomes* o, std::uint64_t seed, bool twins) : out(o), declare(twins) {
    random_source r(seed);
    n = 2 + static_cast<int>(r.below(2));
    const int len = 1 + static_cast<int>(r.below(n == 2 ? 3 : 2));
    for (int i = 0; i < len; ++i)
      prog[0].push_back(
          step{static_cast<kind>(r.below(9)), static_cast<std::uint8_t>(1 + r.below(2))});
    prog[1] = prog[0];
    if (n == 3) {
      const int len3 = 1 + static_cast<int>(r.below(2));
      for (int i = 0; i < len3; ++i)
        prog[2].push_back(
            step{static_cast<kind>(r.below(9)), static_cast<std::uint8_t>(1 + r.below(2))});
    }
  }
  [[nodiscard]] int threads() const override { return n; }
  [[nodiscard]] int symmetry_class(int t) const override { return declare && t < 2 ? 7 : -1; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      switch (s.k) {
        case wait_loop: {
          std::uint32_t u;
          while ((u = w.load(mo::acquire)) < s.val) P::futex_wait(w, u);
          v = static_cast<int>(u);
          break;
        }
        case timed_loop: {
          const auto deadline = P::now() + std::chrono::milliseconds(1);
          std::uint32_t u;
          while ((u = w.load(mo::acquire)) < s.val)
            if (!P::futex_wait_until(w, u, deadline)) {
              v = 100;
              break;
            }
          v += static_cast<int>(u);
          break;
        }
        case inc_wake_all:
          v = static_cast<int>(w.fetch_add(1, mo::acq_rel));
          P::futex_wake_all(w);
          break;
        case inc_wake_one:
          v = static_cast<int>(w.fetch_add(1, mo::acq_rel));
          P::futex_wake_one(w);
          break;
        case cas_retry: {
          std::uint32_t e = x.load(mo::relaxed);
          while (!x.compare_exchange_weak(e, e + s.val, mo::acq_rel, mo::relaxed)) {
          }
          v = static_cast<int>(e);
          break;
        }
        case store:
          x.store(s.val, mo::release);
          break;
        case load:
          v = static_cast<int>(x.load(mo::acquire));
          break;
        case locked_cell:
          m.lock();
          v = cell.read();
          cell.write(v + 1);
          m.unlock();
          break;
        case cell_write:
          cell.write(10);
          break;
      }
      reads[t][i++] = v;
    }
  }
  void check() override {
    std::string th[3];
    for (int t = 0; t < n; ++t)
      for (int v : reads[t]) th[t] += std::to_string(v) + ",";
    // Canonical modulo swapping the twins.
    if (th[1] < th[0]) std::swap(th[0], th[1]);
    out->insert(th[0] + "|" + th[1] + "|" + th[2] + "|" + std::to_string(w.raw()) + "," +
                std::to_string(x.raw()) + "," + std::to_string(cell.read()));
  }
};

program_factory twins(outcomes* o, std::uint64_t seed, bool declare) {
  return [=] { return std::unique_ptr<program>(std::make_unique<twin_program>(o, seed, declare)); };
}

struct tally {
  int compared = 0, with_dfs = 0;
  std::uint64_t dpor = 0, dpor_sym = 0;
};

// One seed. Unbounded DPOR without the declaration is the reference (its
// own soundness against DFS: dpor_test.cc and the review tests); with the
// twins declared, unbounded DPOR must reach the same canonical outcomes and
// failures; so must DFS with and without them when it ends within `cap`
// (it is the comparison without DPOR's dependency edge); and at bounds 0
// and 1, bounded DPOR and DFS with twins reach what bounded DFS without
// them does.
void compare(std::uint64_t seed, memory_model m, tally& t, std::uint64_t cap) {
  run_options o;
  o.memory = m;
  outcomes ref_o, sym_o, dfs_o, dfs_sym_o;
  dpor_source d, ds;
  const auto r = testing::explore_all(twins(&ref_o, seed, false), d, &ref_o, o, 200'000);
  const auto a = testing::explore_all(twins(&sym_o, seed, true), ds, &sym_o, o, 200'000);
  ASSERT_TRUE(r.complete && a.complete) << seed;
  EXPECT_EQ(a.seen, r.seen) << "seed " << seed << " (dpor, twins declared)";
  dfs_source f(dfs_source::unbounded), fs(dfs_source::unbounded);
  const auto b = testing::explore_all(twins(&dfs_o, seed, false), f, &dfs_o, o, cap);
  const auto c = testing::explore_all(twins(&dfs_sym_o, seed, true), fs, &dfs_sym_o, o, cap);
  if (b.complete) {
    ++t.with_dfs;
    EXPECT_EQ(b.seen, r.seen) << "seed " << seed << " (dfs)";
    EXPECT_TRUE(c.complete) << seed;
    EXPECT_EQ(c.seen, r.seen) << "seed " << seed << " (dfs, twins declared)";
  }
  for (int k = 0; k <= 1; ++k) {
    outcomes bref_o, bsym_o, bdfs_o;
    dfs_source bref(k), bdfs(k);
    dpor_source bd;
    bd.set_bound(k);
    const auto x = testing::explore_all(twins(&bref_o, seed, false), bref, &bref_o, o, cap);
    if (!x.complete) continue;
    const auto y = testing::explore_all(twins(&bsym_o, seed, true), bd, &bsym_o, o, cap);
    const auto z = testing::explore_all(twins(&bdfs_o, seed, true), bdfs, &bdfs_o, o, cap);
    ASSERT_TRUE(y.complete && z.complete) << seed;
    EXPECT_EQ(z.seen, x.seen) << "seed " << seed << " bound " << k << " (dfs, twins declared)";
    EXPECT_EQ(y.seen, x.seen) << "seed " << seed << " bound " << k << " (dpor, twins declared)";
  }
  ++t.compared;
  t.dpor += r.executions;
  t.dpor_sym += a.executions;
}

void compare_range(std::uint64_t from, std::uint64_t to, memory_model m, const char* what,
                   std::uint64_t cap) {
  tally t;
  for (std::uint64_t seed = from; seed < to; ++seed) compare(seed, m, t, cap);
  std::printf(
      "%s: %d programs compared (%d with unbounded dfs too): dpor %llu, dpor with twins %llu "
      "executions\n",
      what, t.compared, t.with_dfs, static_cast<unsigned long long>(t.dpor),
      static_cast<unsigned long long>(t.dpor_sym));
  EXPECT_EQ(t.compared, static_cast<int>(to - from));
  EXPECT_GE(t.with_dfs, static_cast<int>((to - from) / 4));
  EXPECT_LT(t.dpor_sym, t.dpor);
}

TEST(Symmetry, SameCanonicalOutcomesUnderSc) { compare_range(1, 25, memory_model::sc, "sc", 4000); }
TEST(Symmetry, SameCanonicalOutcomesUnderC11) {
  compare_range(1, 13, memory_model::c11, "c11", 4000);
}
// Sharding (dpor.h): with twins declared, the union of 3 shards reaches
// what the one search does (the gate is the same in every shard).
TEST(Symmetry, ShardsCoverTheSearchWithTwins) {
  int compared = 0;
  for (std::uint64_t seed = 1; seed < 9; ++seed) {
    for (const memory_model m : {memory_model::sc, memory_model::c11}) {
      run_options o;
      o.memory = m;
      outcomes one_o, all_o;
      dpor_source one;
      const auto r = testing::explore_all(twins(&one_o, seed, true), one, &one_o, o, 100'000);
      ASSERT_TRUE(r.complete);
      for (int i = 0; i < 3; ++i) {
        dpor_source d;
        d.set_shard(i, 3, 3);
        const auto e = testing::explore_all(twins(&all_o, seed, true), d, &all_o, o, 100'000);
        ASSERT_TRUE(e.complete);
      }
      EXPECT_EQ(all_o, one_o) << "seed " << seed;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 16);
}

TEST(Symmetry, DISABLED_SameCanonicalOutcomesLong) {
  compare_range(25, 525, memory_model::sc, "sc", 200'000);
  compare_range(25, 525, memory_model::c11, "c11", 200'000);
}

// A bug only the twin that starts second can reach: the first fetch_add of
// `turn` returns 0, the second 1, and only the thread that read 1 writes
// the cell, racing with the third thread's unsynchronised read. With the
// twins declared, thread 1 is always that one, and the race is found
// (unbounded and bounded, sc and c11), and its token replays.
struct second_starter : program {
  bool declare;
  P::atomic<int> turn{0};
  P::atomic<int> flag{0};
  P::cell<int> data{0};
  explicit second_starter(bool d) : declare(d) {}
  [[nodiscard]] int threads() const override { return 3; }
  [[nodiscard]] int symmetry_class(int t) const override { return declare && t < 2 ? 0 : -1; }
  void run(int t) override {
    if (t == 2) {
      if (flag.load(mo::relaxed) == 1) (void)data.read();
      return;
    }
    if (turn.fetch_add(1, mo::relaxed) == 1) {
      data.write(1);
      flag.store(1, mo::relaxed);
    }
  }
};

TEST(Symmetry, FindsABugOfTheTwinThatStartsSecond) {
  for (const memory_model m : {memory_model::sc, memory_model::c11}) {
    for (int bound = -1; bound <= 1; ++bound) {
      run_options o;
      o.memory = m;
      checker c;
      dpor_source d;
      d.set_bound(bound);
      const explore_result e = c.explore(factory<second_starter>(true), d, 100'000, o);
      ASSERT_TRUE(e.found()) << "bound " << bound;
      EXPECT_EQ(e.failure.kind, failure_kind::data_race);
      EXPECT_FALSE(e.failure.nondeterministic);
      const result r = c.replay(factory<second_starter>(true), e.failure.token, o);
      EXPECT_EQ(r.kind, e.failure.kind);
      EXPECT_EQ(r.message, e.failure.message);
    }
  }
}

// Twins 0 and 1 and a third thread, one increment each: 3! = 6 traces,
// of which the 3 with thread 0's step before thread 1's remain.
TEST(Symmetry, ATwinPairBesideAThirdThreadKeepsHalfTheTraces) {
  struct state {
    P::atomic<int> c{0};
  };
  auto inc = [](state& s) { s.c.fetch_add(1, mo::relaxed); };
  run_options o;
  o.memory = memory_model::sc;
  test<state> sym;
  sym.twins(inc, 2).thread(inc).options(o);
  dpor_source d;
  const test_result r = sym.explore(d, 1000);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions - d.blocked(), 3u);
  EXPECT_FALSE(d.diverged());
}

// The first decision with a gated twin: threads 0 and 1 are twins, so only
// 0 and 2 may start, and choosing the second option must start thread 2
// (an option's index is not its thread's once a twin is gated). Both twins
// read 1 only when thread 2 stores before either loads: thread 2 first.
struct third_first : program {
  bool declare;
  P::atomic<int> x{0};
  std::atomic<int> seen[2] = {0, 0};  // the outcome, outside the model
  explicit third_first(bool d) : declare(d) {}
  [[nodiscard]] int threads() const override { return 3; }
  [[nodiscard]] int symmetry_class(int t) const override { return declare && t < 2 ? 0 : -1; }
  void run(int t) override {
    if (t == 2)
      x.store(1, mo::relaxed);
    else
      seen[t].store(x.load(mo::relaxed), std::memory_order_relaxed);
  }
  void check() override {
    model::check(seen[0].load() + seen[1].load() < 2, "both twins read thread 2's store");
  }
};

TEST(Symmetry, AGatedTwinsFirstDecisionCanStartTheThirdThread) {
  for (const memory_model m : {memory_model::sc, memory_model::c11}) {
    for (int bound = -1; bound <= 1; ++bound) {
      run_options o;
      o.memory = m;
      o.trace_failures = false;
      checker c;
      dpor_source d;
      d.set_bound(bound);
      const explore_result e = c.explore(factory<third_first>(true), d, 100'000, o);
      EXPECT_TRUE(e.found()) << "bound " << bound;
      EXPECT_FALSE(d.diverged()) << "bound " << bound;
      EXPECT_EQ(c.replay(factory<third_first>(true), e.failure.token, o).kind,
                failure_kind::invariant)
          << "bound " << bound;
      dfs_source f(bound < 0 ? dfs_source::unbounded : bound);
      EXPECT_TRUE(c.explore(factory<third_first>(true), f, 100'000, o).found()) << bound;
    }
  }
}

}  // namespace
}  // namespace lastref::model
