// SPDX-License-Identifier: MIT
// The futex reduction of dpor.h — a word's wait queue is a location apart
// from its value, so timeouts, spurious wake-ups and wakes commute with
// loads and stores of the word, and blocking withdraws spurious-wake offers
// only when nothing else can run — checked against unbounded DFS on small
// random futex programs (the same distinct outcomes and failures, spurious
// wake-ups on), and a waiter that trusts a wake-up is still found.

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
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
using testing::run_all;
using testing::same_as_dfs;

// ------------------------------------------------------- futex programs

// 2-3 threads, 1-3 operations each on two futex words: loads, stores,
// increments, waits (blocking while the word holds a value), timed waits
// and wakes. The outcome is every value read plus the final words; a wait
// nobody ends is a deadlock (a failure, an outcome too).
struct futex_program : program {
  enum kind : std::uint8_t { load, store, inc, wait, timed_wait, wake_one, wake_all };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  std::vector<step> prog[3];
  P::atomic<std::uint32_t> w[2];
  int reads[3][3] = {};

  futex_program(outcomes* o, std::uint64_t seed) : out(o) {
    n = testing::draw_steps(seed, prog, {7, 2, 3, 2, 0});
  }
  int threads() const override { return n; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      P::atomic<std::uint32_t>& x = w[s.loc];
      switch (s.k) {
        case load:
          v = static_cast<int>(x.load(mo::acquire));
          break;
        case store:
          x.store(s.val + 1u, mo::release);
          break;
        case inc:
          v = static_cast<int>(x.fetch_add(1, mo::acq_rel));
          break;
        case wait:
          P::futex_wait(x, s.val);
          v = static_cast<int>(x.load(mo::acquire));
          break;
        case timed_wait:
          v = P::futex_wait_until(x, s.val, P::now() + std::chrono::milliseconds(1)) ? 7 : 8;
          break;
        case wake_one:
          P::futex_wake_one(x);
          break;
        case wake_all:
          P::futex_wake_all(x);
          break;
      }
      reads[t][i++] = v;
    }
  }
  void check() override {
    std::string s;
    for (int t = 0; t < n; ++t) {
      for (int v : reads[t]) s += std::to_string(v) + ",";
      s += "|";
    }
    for (auto& a : w) s += std::to_string(a.raw()) + ",";
    out->insert(s);
  }
};

TEST(DporReduction, RandomFutexProgramsMatchDfs) {
  // Programs whose DFS exceeds 5,000 executions are left out (a few; DFS
  // explores every spurious wake-up at every step) to keep the test short.
  std::uint64_t dpor_total = 0, dfs_total = 0;
  int compared = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    SCOPED_TRACE(seed);
    for (memory_model m : {memory_model::sc, memory_model::c11}) {
      const auto [d, f] =
          same_as_dfs([seed](outcomes* o) { return factory<futex_program>(o, seed); }, m, 5'000);
      if (f == 0) continue;
      ++compared;
      dpor_total += d;
      dfs_total += f;
    }
  }
  EXPECT_GE(compared, 150);
  EXPECT_LT(dpor_total * 10, dfs_total) << dpor_total << " vs " << dfs_total;
  std::printf("random futex programs: %d compared, dpor %llu executions, dfs %llu\n", compared,
              static_cast<unsigned long long>(dpor_total),
              static_cast<unsigned long long>(dfs_total));
}

// A waiter that trusts a wake-up (no re-check of the flag), a completer,
// and a third thread that keeps running (so a spurious wake-up is on
// offer): a spurious wake-up lets the waiter return and see 0. The
// reduction must keep the spurious wake-up that exposes it; the fixed
// waiter (re-checks in a loop) passes every schedule.
struct trusting_waiter : program {
  outcomes* out;
  bool fixed;
  P::atomic<std::uint32_t> flag{0}, other{0};
  std::uint32_t saw = 9;
  trusting_waiter(outcomes* o, bool f) : out(o), fixed(f) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 1) {
      flag.store(1, mo::release);
      P::futex_wake_all(flag);
    } else if (t == 2) {
      other.store(1, mo::relaxed);
      other.store(2, mo::relaxed);
    } else {
      if (fixed) {
        while (flag.load(mo::acquire) == 0) P::futex_wait(flag, 0);
      } else if (flag.load(mo::acquire) == 0) {
        P::futex_wait(flag, 0);
      }
      saw = flag.load(mo::relaxed);
    }
  }
  void check() override { out->insert(saw == 0 ? "returned before the flag" : "ok"); }
};

TEST(DporReduction, SpuriousWakeupBugStillFound) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    for (bool fixed : {false, true}) {
      SCOPED_TRACE(fixed);
      outcomes seen;
      dpor_source d;
      const auto t = run_all(factory<trusting_waiter>(&seen, fixed), d, &seen, 100'000, m);
      EXPECT_TRUE(t.complete);
      EXPECT_EQ(seen.count("returned before the flag"), fixed ? 0u : 1u);
    }
  }
  // DFS agrees (sc: its c11 search of this program is much longer).
  for (bool fixed : {false, true}) {
    const auto [d, f] =
        same_as_dfs([fixed](outcomes* o) { return factory<trusting_waiter>(o, fixed); },
                    memory_model::sc, 200'000);
    EXPECT_GT(f, 0u) << "DFS did not complete";
    std::printf("trusting waiter (fixed=%d, sc): dpor %llu executions, dfs %llu\n", fixed,
                static_cast<unsigned long long>(d), static_cast<unsigned long long>(f));
  }
}

}  // namespace
}  // namespace lastref::model
