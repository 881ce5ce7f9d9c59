// SPDX-License-Identifier: MIT
// Stutter pruning (run_options::prune_stutters, dpor.h "Stutters"): an
// execution in which a thread repeats, as its very next operation, the
// compare_exchange_weak that just failed spuriously is cut as redundant.
//
// Soundness: on small random programs with weak-CAS retry loops, weak CASes
// that do not retry, futex wait loops and plain accesses, DPOR and DFS with
// pruning reach exactly the outcomes and failures unbounded DFS reaches
// without it, in fewer executions. The caveat: a retry loop that gives up
// after a spurious failure behaves differently, and its outcome is reached
// only with pruning off (so the switch is real and the documented
// assumption is needed).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::outcomes;

// 2-3 threads, 1-3 operations each on two atomics and one futex word:
// weak-CAS retry loops (increment; the loop a refcount or completion
// uses), one weak CAS that does not retry (its spurious failure is an
// outcome of its own, never a stutter), loads, stores, a futex wait loop
// (while the word is 0) and a store-and-wake. The outcome is every value
// read plus the final values; a wait nobody ends is a deadlock (a failure,
// an outcome too).
struct retry_program : program {
  enum kind : std::uint8_t { inc_loop, cas_once, load, store, wait_loop, release };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  std::vector<step> prog[3];
  P::atomic<std::uint32_t> x[2];
  P::atomic<std::uint32_t> w{0};
  int reads[3][3] = {};

  retry_program(outcomes* o, std::uint64_t seed) : out(o) {
    n = testing::draw_steps(seed, prog, {6, 2, 3, 2, 1});
  }
  int threads() const override { return n; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      P::atomic<std::uint32_t>& a = x[s.loc];
      switch (s.k) {
        case inc_loop: {
          std::uint32_t e = a.load(mo::relaxed);
          while (!a.compare_exchange_weak(e, e + s.val, mo::acq_rel, mo::relaxed)) {
          }
          v = static_cast<int>(e);
          break;
        }
        case cas_once: {
          std::uint32_t e = 0;
          v = a.compare_exchange_weak(e, s.val, mo::release, mo::relaxed) ? 10
                                                                          : static_cast<int>(e);
          break;
        }
        case load:
          v = static_cast<int>(a.load(mo::acquire));
          break;
        case store:
          a.store(s.val, mo::release);
          break;
        case wait_loop:
          while ((v = static_cast<int>(w.load(mo::acquire))) == 0) P::futex_wait(w, 0);
          break;
        case release:
          w.store(1, mo::release);
          P::futex_wake_all(w);
          break;
      }
      if (i < 3) reads[t][i++] = v;
    }
  }
  void check() override {
    std::string s;
    for (int t = 0; t < n; ++t) {
      for (int v : reads[t]) s += std::to_string(v) + ",";
      s += "|";
    }
    for (auto& a : x) s += std::to_string(a.raw()) + ",";
    s += std::to_string(w.raw());
    out->insert(s);
  }
};

using testing::explore_pruning;
using totals = testing::explore_totals;

auto retry_factory(outcomes* o, std::uint64_t seed) {
  return program_factory([o, seed] { return std::make_unique<retry_program>(o, seed); });
}

// The reference: unbounded DFS with pruning off. Then DFS and DPOR with
// pruning on must reach the same outcomes and failures, in no more
// executions (DPOR: no more than DPOR without pruning either).
TEST(Stutter, PruningKeepsEveryOutcomeOfRandomRetryPrograms) {
  testing::pruning_tally tally;
  // Spurious CAS failures exist only under c11; a few sc programs check
  // that pruning changes nothing there.
  for (std::uint64_t seed = 1; seed <= 90; ++seed) {
    for (memory_model m : {memory_model::c11, memory_model::sc}) {
      if (m == memory_model::sc && seed > 15) continue;
      outcomes ref_out, dfs_out, dpor_out, off_out;
      dfs_source ref(dfs_source::unbounded);
      const totals r =
          explore_pruning(retry_factory(&ref_out, seed), ref, &ref_out, false, m, 2500);
      if (!r.complete) continue;  // too large for the reference: skipped
      dfs_source d(dfs_source::unbounded);
      const totals sd = explore_pruning(retry_factory(&dfs_out, seed), d, &dfs_out, true, m);
      dpor_source p;
      const totals sp = explore_pruning(retry_factory(&dpor_out, seed), p, &dpor_out, true, m);
      dpor_source q;
      const totals sq = explore_pruning(retry_factory(&off_out, seed), q, &off_out, false, m);
      const std::string what =
          "seed " + std::to_string(seed) + (m == memory_model::sc ? " sc" : " c11");
      ASSERT_TRUE(sd.complete && sp.complete && sq.complete) << what;
      EXPECT_FALSE(p.diverged()) << what;
      EXPECT_EQ(sd.seen, r.seen) << what << " (dfs, pruning on)";
      EXPECT_EQ(sp.seen, r.seen) << what << " (dpor, pruning on)";
      EXPECT_EQ(sq.seen, r.seen) << what << " (dpor, pruning off)";
      EXPECT_LE(sd.executions, r.executions) << what;
      EXPECT_LE(sp.executions, sq.executions) << what;
      EXPECT_EQ(r.pruned, 0u) << what;
      EXPECT_EQ(sp.pruned, p.stutters()) << what;
      if (m == memory_model::sc) {
        EXPECT_EQ(sd.pruned + sp.pruned, 0u) << what;
      }
      tally.add(r, sd, sp, sq);
    }
  }
  tally.print("stutters");
  tally.expect_meaningful(40, 10);
}

// The spurious-CAS budget is shared by every CAS of an execution, so two
// spurious-capable weak CASes do not commute even where their reads would
// (the first to fail spuriously takes the other's spurious option away).
// The shape of random program 16, which DPOR got wrong before the budget
// was a location of its own (dpor.cc, pseudo_cas_budget): a reader and two
// lone weak CASes of one atomic.
struct budget_race : program {
  P::atomic<std::uint32_t> x{0};
  outcomes* out;
  int got[3] = {};
  explicit budget_race(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      got[0] = static_cast<int>(x.load(mo::acquire));
      return;
    }
    std::uint32_t e = 0;
    got[t] = x.compare_exchange_weak(e, 2, mo::release, mo::relaxed) ? 10 : static_cast<int>(e);
  }
  void check() override {
    out->insert(std::to_string(got[0]) + "," + std::to_string(got[1]) + "," +
                std::to_string(got[2]) + "," + std::to_string(x.raw()));
  }
};

TEST(Stutter, DporOrdersWeakCasesThatShareTheSpuriousBudget) {
  outcomes dfs_out, dpor_out;
  dfs_source d(dfs_source::unbounded);
  ASSERT_TRUE(explore_pruning(factory<budget_race>(&dfs_out), d, &dfs_out, false, memory_model::c11)
                  .complete);
  dpor_source p;
  explore_pruning(factory<budget_race>(&dpor_out), p, &dpor_out, true, memory_model::c11);
  EXPECT_EQ(dpor_out, dfs_out);
}

// The caveat: a loop that gives up after two failed attempts. Alone on its
// word, only spurious failures make it fail, and with two allowed it gives
// up — an outcome pruning cannot reach, because the second attempt is a
// stutter of the first. A retry loop must not count its retries for the
// pruning to be sound (checker.h, dpor.h, fuzz/model/README.md).
struct gives_up : program {
  P::atomic<std::uint32_t> x{0};
  P::atomic<std::uint32_t> y{0};
  bool gave_up = false;
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      y.store(1, mo::relaxed);
      return;
    }
    std::uint32_t e = 0;
    gave_up = true;
    for (int attempt = 0; attempt < 2; ++attempt)
      if (x.compare_exchange_weak(e, 1, mo::acq_rel, mo::relaxed)) {
        gave_up = false;
        break;
      }
  }
  void check() override { model::check(!gave_up, "the CAS loop gave up"); }
};

TEST(Stutter, ALoopThatCountsItsRetriesNeedsPruningOff) {
  const auto f = factory<gives_up>();
  for (bool dpor : {true, false}) {
    for (bool prune : {false, true}) {
      outcomes out;
      totals t;
      if (dpor) {
        dpor_source s;
        t = explore_pruning(f, s, &out, prune, memory_model::c11, 2'000'000, 1, 2);
        if (prune) {
          EXPECT_GT(s.stutters(), 0u);
        }
      } else {
        dfs_source s(dfs_source::unbounded);
        t = explore_pruning(f, s, &out, prune, memory_model::c11, 2'000'000, 1, 2);
      }
      ASSERT_TRUE(t.complete);
      EXPECT_EQ(out.count("FAIL invariant"), prune ? 0u : 1u)
          << (dpor ? "dpor" : "dfs") << (prune ? " pruning on" : " pruning off");
      EXPECT_EQ(t.pruned > 0, prune);
    }
  }
}

// run() never prunes (a fuzzer's schedule and a replay token reproduce what
// they recorded): the schedule that gives up, found with pruning off, fails
// again under run() and replay() with pruning on.
TEST(Stutter, RunAndReplayNeverPrune) {
  const auto f = factory<gives_up>();
  run_options o;
  o.memory = memory_model::c11;
  o.max_spurious_cas = 2;
  o.prune_stutters = false;
  checker c;
  dfs_source d(dfs_source::unbounded);
  const explore_result e = c.explore(f, d, 100'000, o);
  ASSERT_TRUE(e.found());
  o.prune_stutters = true;
  replay_source s(e.failure.choices);
  const result r = c.run(f, s, o);
  EXPECT_TRUE(r.failed());
  EXPECT_FALSE(r.pruned);
  EXPECT_TRUE(c.replay(f, e.failure.token, o).failed());
}

}  // namespace
}  // namespace lastref::model
