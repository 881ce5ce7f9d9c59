// SPDX-License-Identifier: MIT
// Adversarial review of the resume hold (runtime::futex_sleep, resumed_):
// a thread a futex wake woke runs its next operation right after its
// resume, as one step / one DPOR event. Random programs whose waiters are
// followed by diverse operations (loads, stores, CASes, RMWs on the futex
// word, a second wait on another word, wakes of one and of all, a mutex,
// a timed wait, thread end) must reach, with pruning on (DPOR and DFS),
// every outcome and failure unbounded DFS with pruning off reaches.
//
//   - ResumeThenEveryKindOfStep (passes; enabled, seeds 1-6: ~1.3 s in
//     dev): the generator's CI form.
//   - DISABLED_RandomResumePrograms (by hand: LASTREF_RES_FIRST,
//     LASTREF_RES_SEEDS, LASTREF_RES_CAP): the same generator over many
//     seeds, sc and c11, spurious budgets 0 and 1. Seeds 1-400 (cap
//     30,000): no miss by the hold (DFS or DPOR with pruning on against
//     unbounded DFS off); ONE miss by DPOR with pruning on AND off under
//     sc, seed 201, reduced below. Seeds 401-1000: 576 sc / 568 c11
//     compared at budget 0, 526 / 514 at budget 1, no miss. Long form
//     (LASTREF_RES_LONG=1: 3 threads of 2-3 steps) seeds 1-300: 75 / 68
//     compared at budget 0, 30 / 24 at budget 1 (the rest past the cap),
//     no miss (~10 min in dev).
//   - ScDporMissesALostWakeDeadlock (not the hold's doing): the lost
//     wake-up deadlock DPOR under sc missed from a24d433 until an sc wake
//     that wakes nobody read the word (dpor.cc, close_event). With that,
//     seeds 1-1000 at budgets 0 and 1 under sc and c11: 3,521 comparisons,
//     no miss (about 5 minutes in dev).
//   - DISABLED_Dump: prints seed LASTREF_RES_FIRST's program.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::explore_pruning;
using testing::outcomes;
using totals = testing::explore_totals;

struct resume_program : program {
  enum kind : std::uint8_t {
    wait_a,          // futex_wait(a, 0)
    timed_wait_a,    // futex_wait_until(a, 0, now + 1 ms): records whether it timed out
    store_wake_one,  // a = val, wake one
    wake_all_a,      // wake all on a (no store)
    wake_one_a,      // wake one on a (no store)
    load_x,          // records x
    store_x,         // x = val
    cas_x,           // CAS x 0 -> val, records success
    load_a,          // records a
    wait_b,          // futex_wait(b, 0)
    store_wake_b,    // b = 1, wake all on b
    locked_inc_x,    // lock; x += 1; unlock
    add_a,           // a += 1, no wake
    nkinds,
  };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  std::vector<step> prog[3];
  P::atomic<std::uint32_t> a{0};
  P::atomic<std::uint32_t> b{0};
  P::atomic<std::uint32_t> x{0};
  P::mutex m;
  int rec[3][3] = {};

  // long_form: 3 threads of 2-3 steps (draw_steps gives 3-thread programs
  // at most 2 steps a thread).
  resume_program(outcomes* o, std::uint64_t seed, bool long_form = false) : out(o) {
    if (long_form) {
      random_source r(seed);
      n = 3;
      for (int t = 0; t < n; ++t) {
        const int len = 2 + static_cast<int>(r.below(2));
        for (int i = 0; i < len; ++i)
          prog[t].push_back(step{static_cast<kind>(r.below(nkinds)),
                                 static_cast<std::uint8_t>(r.below(2)),
                                 static_cast<std::uint8_t>(1 + r.below(2))});
      }
    } else {
      n = testing::draw_steps(seed, prog, {nkinds, 2, 3, 2, 1});
    }
    // A waiter on a, and a waker of a (or of b) first in T1.
    prog[0][0].k = prog[0][0].k % 2 == 0 ? wait_a : timed_wait_a;
    static constexpr kind wakers[] = {store_wake_one, wake_all_a, wake_one_a, store_wake_b};
    prog[1][0].k = wakers[prog[1][0].k % 4];
  }
  int threads() const override { return n; }
  mo ld(std::uint8_t loc) const { return loc == 0 ? mo::acquire : mo::relaxed; }
  mo st(std::uint8_t loc) const { return loc == 0 ? mo::release : mo::relaxed; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      switch (s.k) {
        case wait_a:
          P::futex_wait(a, 0);
          break;
        case timed_wait_a:
          v = P::futex_wait_until(a, 0, P::now() + std::chrono::milliseconds(1)) ? 1 : 2;
          break;
        case store_wake_one:
          a.store(s.val, st(s.loc));
          P::futex_wake_one(a);
          break;
        case wake_all_a:
          P::futex_wake_all(a);
          break;
        case wake_one_a:
          P::futex_wake_one(a);
          break;
        case load_x:
          v = static_cast<int>(x.load(ld(s.loc)));
          break;
        case store_x:
          x.store(s.val, st(s.loc));
          break;
        case cas_x: {
          std::uint32_t e = 0;
          v = x.compare_exchange_strong(e, s.val, mo::acq_rel, mo::acquire) ? 1 : 2;
          break;
        }
        case load_a:
          v = static_cast<int>(a.load(ld(s.loc)));
          break;
        case wait_b:
          P::futex_wait(b, 0);
          break;
        case store_wake_b:
          b.store(1, st(s.loc));
          P::futex_wake_all(b);
          break;
        case locked_inc_x:
          m.lock();
          x.fetch_add(1, mo::relaxed);
          m.unlock();
          break;
        case add_a:
          a.fetch_add(1, mo::acq_rel);
          break;
        case nkinds:
          break;
      }
      if (i < 3) rec[t][i] = v;
      ++i;
    }
  }
  void check() override {
    std::string s;
    for (int t = 0; t < n; ++t)
      for (int i = 0; i < 3; ++i) s += std::to_string(rec[t][i]) + (i == 2 ? "|" : ",");
    s += " a=" + std::to_string(a.load(mo::relaxed)) + " b=" + std::to_string(b.load(mo::relaxed)) +
         " x=" + std::to_string(x.load(mo::relaxed));
    out->insert(s);
  }
};

bool g_long = false;  // draw resume_program's long form

program_factory resume_factory(outcomes* o, std::uint64_t seed) {
  const bool lf = g_long;
  return program_factory([o, seed, lf] { return std::make_unique<resume_program>(o, seed, lf); });
}

using testing::show;

std::uint64_t env_u64(const char* name, std::uint64_t dflt) {
  const char* e = std::getenv(name);
  return e != nullptr ? std::strtoull(e, nullptr, 10) : dflt;
}

struct tally {
  int compared = 0, bad = 0;
  std::uint64_t ref = 0, dfs = 0, dpor = 0, dpor_off = 0;
};

// Seeds [first, last]: unbounded DFS, pruning off (the reference, skipped
// past `cap` executions) against DFS and DPOR with pruning on, and DPOR off
// (the figure the hold saves against). Every outcome and failure must match.
void compare(std::uint64_t first, std::uint64_t last, memory_model m, std::uint8_t spur,
             std::uint64_t cap, tally* tl) {
  const char* mm = m == memory_model::sc ? "sc" : "c11";
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    outcomes ref_out, dfs_out, dpor_out, off_out;
    dfs_source ref(dfs_source::unbounded);
    const totals r =
        explore_pruning(resume_factory(&ref_out, seed), ref, &ref_out, false, m, cap, spur);
    if (!r.complete) continue;
    dfs_source d(dfs_source::unbounded);
    const totals sd =
        explore_pruning(resume_factory(&dfs_out, seed), d, &dfs_out, true, m, 4 * cap, spur);
    dpor_source p;
    const totals sp =
        explore_pruning(resume_factory(&dpor_out, seed), p, &dpor_out, true, m, 4 * cap, spur);
    dpor_source po;
    const totals so =
        explore_pruning(resume_factory(&off_out, seed), po, &off_out, false, m, 4 * cap, spur);
    ++tl->compared;
    tl->ref += r.executions;
    tl->dfs += sd.executions;
    tl->dpor += sp.executions;
    tl->dpor_off += so.executions;
    auto check = [&](const char* what, const totals& s) {
      if (s.complete && s.seen == r.seen) return;
      ++tl->bad;
      std::printf("MISMATCH %s seed %llu spur %d %s (complete %d):\n  ref  %s\n  got  %s\n", mm,
                  static_cast<unsigned long long>(seed), spur, what, s.complete ? 1 : 0,
                  show(r.seen).c_str(), show(s.seen).c_str());
      std::fflush(stdout);
    };
    check("dfs pruning on", sd);
    check("dpor pruning on", sp);
    check("dpor pruning off", so);
  }
}

void run_seeds(std::uint64_t first, std::uint64_t last, std::uint64_t cap, int* bad) {
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (std::uint8_t spur : {std::uint8_t{0}, std::uint8_t{1}}) {
      tally tl;
      compare(first, last, m, spur, cap, &tl);
      std::printf(
          "%s budget %d: %d compared, %d mismatches; executions ref dfs %llu, dfs on %llu, "
          "dpor off %llu, dpor on %llu\n",
          m == memory_model::sc ? "sc" : "c11", spur, tl.compared, tl.bad,
          static_cast<unsigned long long>(tl.ref), static_cast<unsigned long long>(tl.dfs),
          static_cast<unsigned long long>(tl.dpor_off), static_cast<unsigned long long>(tl.dpor));
      *bad += tl.bad;
    }
}

TEST(ResumeReview, ResumeThenEveryKindOfStep) {
  int bad = 0;
  run_seeds(1, 6, 5000, &bad);
  EXPECT_EQ(bad, 0);
}

TEST(ResumeReview, DISABLED_RandomResumePrograms) {
  const std::uint64_t first = env_u64("LASTREF_RES_FIRST", 1);
  const std::uint64_t last = first + env_u64("LASTREF_RES_SEEDS", 200) - 1;
  g_long = env_u64("LASTREF_RES_LONG", 0) != 0;
  int bad = 0;
  run_seeds(first, last, env_u64("LASTREF_RES_CAP", 20000), &bad);
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace lastref::model

namespace lastref::model {
namespace {
TEST(ResumeReview, DISABLED_Dump) {
  outcomes o;
  resume_program p(&o, env_u64("LASTREF_RES_FIRST", 1), env_u64("LASTREF_RES_LONG", 0) != 0);
  static const char* names[] = {"wait_a",     "timed_wait_a", "store_wake_one", "wake_all_a",
                                "wake_one_a", "load_x",       "store_x",        "cas_x",
                                "load_a",     "wait_b",       "store_wake_b",   "locked_inc_x",
                                "add_a"};
  for (int t = 0; t < p.n; ++t) {
    std::printf("T%d:", t);
    for (const auto& s : p.prog[t]) std::printf(" %s(loc %d val %d)", names[s.k], s.loc, s.val);
    std::printf("\n");
  }
}
}  // namespace
}  // namespace lastref::model

namespace lastref::model {
namespace {
// ---- found by the generator (seed 201), NOT the resume hold's doing ----
// The lost wake-up: T0 futex_wait(a, 0); T1 a += 1 (no wake); T2
// futex_wake_one(a). Deadlock when T2's wake runs before T0 sleeps and
// T1's add after (T0 then sleeps forever). Unbounded DFS finds it under
// sc and c11; DPOR finds it under c11 but NOT under sc, with pruning on
// and off alike (3 executions). Cause: a24d433 ("under sc a futex wake
// only writes the queue"): restoring the wake's read of the word under sc
// (dpor.cc, case op::futex_wake_*) makes DPOR find it (6 executions).
// Variants add independent steps around it (seed 201 itself is variant 7).
struct lost_wake : program {
  int variant;
  P::atomic<std::uint32_t> a{0};
  P::atomic<std::uint32_t> b{0};
  P::atomic<std::uint32_t> x{0};
  explicit lost_wake(int v) : variant(v) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      P::futex_wait(a, 0);
      if (variant & 4) {
        b.store(1, mo::release);
        P::futex_wake_all(b);
      }
    } else if (t == 1) {
      if (variant & 1) {
        b.store(2, mo::relaxed);
        P::futex_wake_all(b);
      }
      a.fetch_add(1, mo::acq_rel);
    } else {
      if (variant & 2) {
        std::uint32_t e = 0;
        x.compare_exchange_strong(e, 2, mo::acq_rel, mo::acquire);
      }
      P::futex_wake_one(a);
    }
  }
};

// Failed at 2bc64f3 under sc (every variant), passed under c11; passes
// since an sc wake that wakes nobody reads the word.
TEST(ResumeReview, ScDporMissesALostWakeDeadlock) {
  for (int v = 0; v < 8; ++v)
    for (memory_model m : {memory_model::sc, memory_model::c11})
      for (bool prune : {false, true}) {
        const char* mm = m == memory_model::sc ? "sc" : "c11";
        outcomes ro, po;
        const program_factory f([v] { return std::make_unique<lost_wake>(v); });
        dfs_source d(dfs_source::unbounded);
        const totals r = explore_pruning(f, d, &ro, false, m, 100000, 0);
        dpor_source p;
        const totals s = explore_pruning(f, p, &po, prune, m, 100000, 0);
        ASSERT_TRUE(r.complete && s.complete);
        ASSERT_TRUE(testing::has_failure(r.seen)) << "variant " << v << " " << mm;
        EXPECT_EQ(s.seen, r.seen) << "variant " << v << " " << mm << " prune " << prune << ": dpor "
                                  << s.executions << " executions";
      }
}
}  // namespace
}  // namespace lastref::model
