// SPDX-License-Identifier: MIT
// Partial-order reduction (dpor.h): known execution counts, and soundness
// against unbounded DFS (the same distinct outcomes and failures, with fewer
// executions).

#include <lastref/model/dpor.h>

#include <gtest/gtest.h>
#include <lastref/completion.h>
#include <lastref/kref.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>
#include <lastref/model/reference_bug.h>

#include "dfs_compare.h"
#include "random_program.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::outcomes;
using testing::run_all;
using search = testing::search_totals;

// DPOR and unbounded DFS on the same program (dfs_compare.h); DFS must
// complete.
template <class Make>
void expect_same_outcomes(Make make, std::uint64_t* dpor_execs = nullptr,
                          std::uint64_t* dfs_execs = nullptr, memory_model m = memory_model::c11) {
  const auto [d, f] = testing::same_as_dfs(make, m);
  EXPECT_GT(f, 0u) << "DFS did not complete";
  if (dpor_execs != nullptr) *dpor_execs = d;
  if (dfs_execs != nullptr) *dfs_execs = f;
}

std::uint64_t dpor_count(const program_factory& f, dpor_source* out = nullptr) {
  dpor_source d;
  run_options o;
  o.trace_failures = false;
  checker c;
  const explore_result e = c.explore(f, d, 10'000'000, o);
  EXPECT_TRUE(e.complete);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_EQ(d.executions(), e.executions);
  EXPECT_EQ(d.blocked(), 0u);
  if (out != nullptr) *out = d;
  return e.executions;
}

// ---------------------------------------------------------------- known counts

TEST(DporCounts, IndependentWritersAreOneTrace) {
  // Every pair of steps is independent: one Mazurkiewicz trace.
  for (int n = 2; n <= 6; ++n) EXPECT_EQ(dpor_count(factory<known::writers_n>(n)), 1u) << n;
}

TEST(DporCounts, SharedCounterIsNFactorial) {
  // Every pair of steps conflicts: N! traces.
  for (int n = 2; n <= 5; ++n)
    EXPECT_EQ(dpor_count(factory<known::counter_n>(n)), known::factorial(n)) << n;
}

// A nondeterministic program: thread 0 stores once more in every other
// execution, so replays diverge deep in the tree, where DPOR keeps no sleep
// set between recorded nodes and rebuilds it (dpor.cc, materialize_sleep).
// The search must notice and go on without reading past its records (the
// dev build's _GLIBCXX_ASSERTIONS check the indexing); such a search need
// not end (every other replay diverges), so it is given 2,000 executions.
struct flips final : program {
  using P = platform;
  static inline int made = 0;
  bool twice = (made++ % 2) == 1;
  P::atomic<int> x{0}, y{0};
  [[nodiscard]] int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      y.store(1, mo::relaxed);
      x.store(1, mo::relaxed);
      if (twice) x.store(2, mo::relaxed);
      y.store(2, mo::relaxed);
    } else {
      (void)x.load(mo::relaxed);
      (void)y.load(mo::relaxed);
      x.fetch_add(1, mo::relaxed);
    }
  }
};

TEST(DporCounts, DivergingReplayIsReported) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    dpor_source d;
    run_options o;
    o.trace_failures = false;
    o.memory = m;
    checker c;
    const explore_result e = c.explore(factory<flips>(), d, 2000, o);
    EXPECT_TRUE(d.diverged());
    EXPECT_FALSE(e.found()) << e.failure.report();
    EXPECT_GT(e.executions, 1u);
  }
}

TEST(DporCounts, KrefNMatchesGenmc) {
  // (3N)!/(3!)^N: GenMC v0.10.3 on kref_n.c.
  EXPECT_EQ(known::kref_n_traces(2), 20u);
  EXPECT_EQ(known::kref_n_traces(3), 1680u);
  EXPECT_EQ(known::kref_n_traces(4), 369600u);
  EXPECT_EQ(dpor_count(factory<known::kref_n>(2)), 20u);
  EXPECT_EQ(dpor_count(factory<known::kref_n>(3)), 1680u);
}

TEST(DporCounts, HoldWhenEveryExecutionsProgramLivesElsewhere) {
  // Steps are compared across executions by location name, not address:
  // here every execution's program is allocated at a new address (the old
  // one is taken by padding first), as ASan's quarantine does.
  std::vector<std::unique_ptr<char[]>> pad;
  auto moving = [&pad]<class P>(P*, int n) -> program_factory {
    return [&pad, n] {
      pad.push_back(std::make_unique<char[]>(sizeof(P)));  // takes the last program's memory
      return std::unique_ptr<program>(std::make_unique<P>(n));
    };
  };
  EXPECT_EQ(dpor_count(moving(static_cast<known::counter_n*>(nullptr), 3)), 6u);
  EXPECT_EQ(dpor_count(moving(static_cast<known::kref_n*>(nullptr), 2)), 20u);
  EXPECT_GE(pad.size(), 26u);
}

TEST(DporCounts, IncompleteWhenCutShort) {
  dpor_source d;
  const program_factory subject = factory<known::counter_n>(4);
  checker c;
  const explore_result e = c.explore(subject, d, 5);
  EXPECT_EQ(e.executions, 5u);
  EXPECT_FALSE(e.complete);
  EXPECT_FALSE(d.complete());
}

// ---------------------------------------------------------------- soundness vs DFS

// Store buffering, relaxed: (0,1) (1,0) (1,1) under SC.
struct sb : program {
  outcomes* out;
  P::atomic<int> x{0}, y{0};
  int r[2] = {};
  explicit sb(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    (t == 0 ? x : y).store(1, mo::relaxed);
    r[t] = (t == 0 ? y : x).load(mo::relaxed);
  }
  void check() override { out->insert(std::to_string(r[0]) + std::to_string(r[1])); }
};

TEST(DporSound, StoreBuffering) {
  std::uint64_t d = 0;
  expect_same_outcomes([](outcomes* o) { return factory<sb>(o); }, &d, nullptr, memory_model::sc);
  EXPECT_EQ(d, 3u);  // x/y orders: 3 traces (the 4th interleaving class is impossible)
  // Under c11 the (0,0) outcome too, every read decision explored in full.
  outcomes c11;
  dpor_source s;
  run_all(factory<sb>(&c11), s, &c11);
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(c11.count("00"), 1u);
  expect_same_outcomes([](outcomes* o) { return factory<sb>(o); });
}

// Two writers and two reads of one location (the source-DPOR paper's
// writer-writer-reader shape): many outcomes.
struct wwr : program {
  outcomes* out;
  P::atomic<int> x{0};
  int a = 0, b = 0;
  explicit wwr(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t < 2) {
      x.store(t + 1, mo::relaxed);
    } else {
      a = x.load(mo::relaxed);
      b = x.load(mo::relaxed);
    }
  }
  void check() override {
    out->insert(std::to_string(a) + std::to_string(b) + std::to_string(x.raw()));
  }
};

TEST(DporSound, WriterWriterReader) {
  expect_same_outcomes([](outcomes* o) { return factory<wwr>(o); });
}

// Message passing through a relaxed flag: a data race on the payload under
// some schedules.
struct mp_race : program {
  outcomes* out;
  P::cell<int> data;
  P::atomic<int> flag{0};
  bool fixed;
  int seen = -1;
  mp_race(outcomes* o, bool f) : out(o), fixed(f) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      data.write(1);
      flag.store(1, fixed ? mo::release : mo::relaxed);
    } else if (flag.load(fixed ? mo::acquire : mo::relaxed) == 1) {
      seen = data.read();
    }
  }
  void check() override { out->insert(std::to_string(seen)); }
};

TEST(DporSound, MessagePassingRaceAndFix) {
  outcomes a;
  expect_same_outcomes([](outcomes* o) { return factory<mp_race>(o, false); });
  expect_same_outcomes([](outcomes* o) { return factory<mp_race>(o, true); });
}

// A waiter sleeps on a futex word; the waker sets it and wakes. `lossy`
// sleeps on another word, so a wake before the sleep is lost (deadlock).
struct futex_pair : program {
  outcomes* out;
  P::atomic<std::uint32_t> flag{0}, other{0};
  bool lossy;
  futex_pair(outcomes* o, bool l) : out(o), lossy(l) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      while (flag.load() == 0) P::futex_wait(lossy ? other : flag, 0);
    } else {
      flag.store(1);
      P::futex_wake_all(lossy ? other : flag);
    }
  }
  void check() override { out->insert("ok"); }
};

TEST(DporSound, FutexWakeupAndLostWakeup) {
  expect_same_outcomes([](outcomes* o) { return factory<futex_pair>(o, false); });
  outcomes seen;
  dpor_source d;
  const search s = run_all(factory<futex_pair>(&seen, true), d, &seen);
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(seen.count("FAIL deadlock")) << "lost wake-up not found";
  expect_same_outcomes([](outcomes* o) { return factory<futex_pair>(o, true); });
}

// A timed wait: the timeout is an explored choice.
struct timed : program {
  outcomes* out;
  P::atomic<std::uint32_t> flag{0};
  bool woke = false;
  explicit timed(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      const auto deadline = P::now() + std::chrono::milliseconds(10);
      if (flag.load() == 0) woke = P::futex_wait_until(flag, 0, deadline);
    } else {
      flag.store(1);
      P::futex_wake_one(flag);
    }
  }
  void check() override { out->insert(woke ? "woke" : "timeout"); }
};

TEST(DporSound, TimeoutsStayChoices) {
  expect_same_outcomes([](outcomes* o) { return factory<timed>(o); });
}

// Three threads increment a cell under a mutex; one forgets the lock.
struct locked_counter : program {
  outcomes* out;
  P::mutex m;
  P::cell<int> n{0};
  bool broken;
  locked_counter(outcomes* o, bool b) : out(o), broken(b) {}
  int threads() const override { return 3; }
  void run(int t) override {
    const bool lock = !(broken && t == 2);
    if (lock) m.lock();
    n.write(n.read() + 1);
    if (lock) m.unlock();
  }
  void check() override { out->insert(std::to_string(n.read())); }
};

TEST(DporSound, MutexCounter) {
  std::uint64_t d = 0, f = 0;
  expect_same_outcomes([](outcomes* o) { return factory<locked_counter>(o, false); }, &d, &f);
  EXPECT_LT(d, f);
  expect_same_outcomes([](outcomes* o) { return factory<locked_counter>(o, true); });
}

// Free vs access: T0 drops the object, T1 reads it (use after free in some
// orders); module text unmapped while T1 may still run in it.
struct lifetime : program {
  outcomes* out;
  struct obj {
    P::atomic<int> v{0};
  };
  obj* o = nullptr;
  int text = 0;
  lifetime(outcomes* s) : out(s) {}
  int threads() const override { return 2; }
  void setup() override { o = P::make<obj>(); }
  void run(int t) override {
    if (t == 0) {
      P::destroy(o);
      P::text_unmap(&text);
    } else {
      P::text_enter(&text);
      (void)o->v.load();
      P::text_leave(&text);
    }
  }
  void check() override { out->insert("ok"); }
};

TEST(DporSound, FreeAndUnmapConflictWithAccesses) {
  expect_same_outcomes([](outcomes* o) { return factory<lifetime>(o); });
}

// The real kref and completion: T0 drops the last reference, whose release
// completes `done`; T1 waits for it and frees the object.
struct kref_completion : program {
  outcomes* out;
  struct object {
    basic_kref<P> ref;
    basic_completion<P> done;
    P::cell<int> payload;
  };
  object* obj = nullptr;
  explicit kref_completion(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void setup() override { obj = P::make<object>(); }
  void run(int t) override {
    if (t == 0) {
      obj->payload.write(1);
      obj->ref.put([this](basic_kref<P>&) { obj->done.complete(); });
    } else {
      obj->done.wait();
      (void)obj->payload.read();
      P::destroy(obj);
    }
  }
  void check() override { out->insert("ok"); }
};

TEST(DporSound, KrefCompletion) {
  std::uint64_t d = 0, f = 0;
  expect_same_outcomes([](outcomes* o) { return factory<kref_completion>(o); }, &d, &f);
  EXPECT_LT(d, f);
}

struct kref2_outcomes : program {
  outcomes* out;
  known::kref_n inner{2};
  explicit kref2_outcomes(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void setup() override { inner.setup(); }
  void run(int t) override { inner.run(t); }
  void check() override { out->insert("ok"); }
};

TEST(DporSound, KrefTwoThreads) {
  std::uint64_t d = 0, f = 0;
  expect_same_outcomes([](outcomes* o) { return factory<kref2_outcomes>(o); }, &d, &f);
  EXPECT_EQ(d, 20u);
  EXPECT_GT(f, d);
}

// The reference bug (DESIGN.md) and its fixes: same verdicts as full DFS.
struct reference_outcomes : program {
  outcomes* out;
  reference_bug inner;
  reference_outcomes(outcomes* o, reference_bug_config c) : out(o), inner(c) {}
  int threads() const override { return inner.threads(); }
  void setup() override { inner.setup(); }
  void run(int t) override { inner.run(t); }
  void check() override {
    inner.check();
    out->insert("ok");
  }
};

TEST(DporSound, ReferenceBugBuiltinPlacement) {
  std::uint64_t d = 0, f = 0;
  expect_same_outcomes(
      [](outcomes* o) {
        return factory<reference_outcomes>(
            o, reference_bug_config{release_placement::builtin, unload_policy::immediate});
      },
      &d, &f);
  EXPECT_LT(d, f);
}

TEST(DporFinds, ReferenceBugAndProvesFixes) {
  {
    dpor_source d;
    const program_factory subject = factory<reference_bug>(
        reference_bug_config{release_placement::module, unload_policy::immediate});
    checker c;
    const explore_result e = c.explore(subject, d, 1'000'000);
    ASSERT_TRUE(e.found());
    EXPECT_EQ(e.failure.kind, failure_kind::unloaded_text) << e.failure.report();
    EXPECT_FALSE(e.failure.nondeterministic);
  }
  for (auto cfg :
       {reference_bug_config{release_placement::builtin, unload_policy::immediate},
        reference_bug_config{release_placement::module, unload_policy::drain_residency}}) {
    dpor_source d;
    const program_factory subject = factory<reference_bug>(cfg);
    checker c;
    const explore_result e = c.explore(subject, d, 1'000'000);
    EXPECT_FALSE(e.found()) << e.failure.report();
    EXPECT_TRUE(e.complete) << e.executions;
  }
}

}  // namespace
}  // namespace lastref::model

namespace lastref::model {
namespace {

using testing::random_program;

TEST(DporSound, RandomProgramsMatchDfs) {
  std::uint64_t dpor_total = 0, dfs_total = 0;
  for (std::uint64_t seed = 1; seed <= 120; ++seed) {
    SCOPED_TRACE(seed);
    std::uint64_t d = 0, f = 0;
    // c11 (the default): read decisions explored in full; sc: the classic case.
    expect_same_outcomes([seed](outcomes* o) { return factory<random_program>(o, seed); }, &d, &f);
    expect_same_outcomes([seed](outcomes* o) { return factory<random_program>(o, seed); }, nullptr,
                         nullptr, memory_model::sc);
    dpor_total += d;
    dfs_total += f;
  }
  EXPECT_LT(dpor_total * 2, dfs_total) << dpor_total << " vs " << dfs_total;
  std::printf("random programs: dpor %llu executions, dfs %llu\n",
              static_cast<unsigned long long>(dpor_total),
              static_cast<unsigned long long>(dfs_total));
}

}  // namespace
}  // namespace lastref::model
