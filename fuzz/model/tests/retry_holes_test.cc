// SPDX-License-Identifier: MIT
// Regression programs from the independent review of the retry-loop
// reduction (fuzz/model/README.md, "Retry loops"): each made DPOR miss an
// outcome that unbounded DFS without any pruning reaches, until fixed.
//   - sleeper_fp / plain_cas_fp / spurious_fp: a step whose footprint
//     depends on a read decision inside it (a merged read + retry CAS that
//     writes or, after an older-store read, fails and is pruned; a plain
//     CAS that succeeds or fails; a spurious failure cut as a stutter) was
//     put in the sleep set with the footprint of the last execution below
//     it (read-only), so a later seq_cst load did not wake it. Older than
//     the reduction (plain_cas_fp needs neither reduction). Fixed: a node
//     keeps the union of its option's first-step footprints.
//   - plain_cas_read: a failed plain CAS counted as the read a retry CAS
//     confirms. Fixed: only a hinted CAS's failure is such a read.
//   - setup_read: setup()'s last read carried over into thread 0. Fixed.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include <lastref/detail/retry.h>
#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {
using P = platform;
using mo = std::memory_order;
using testing::outcomes;

template <class Source>
std::uint64_t run_with(const program_factory& f, Source& src, outcomes* sink, memory_model m,
                       bool prune, bool stutters = false, std::uint8_t spurious_cas = 1) {
  run_options o;
  o.max_spurious_cas = spurious_cas;
  o.memory = m;
  o.prune_failed_retries = prune;
  o.prune_stutters = stutters;
  return testing::explore_all(f, src, sink, o).executions;
}

using testing::show;

// Hole 1: merged read+CAS event whose footprint depends on the read decision;
// the sleeper keeps the last explored option's (stale read -> pruned, read-only).
struct sleeper_fp : program {
  outcomes* out;
  P::atomic<int> x{0}, y{0};
  int ux = -1, ty = -1;
  explicit sleeper_fp(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      y.store(1, mo::relaxed);
      x.store(1, mo::relaxed);
    } else if (t == 1) {
      int old = x.load(mo::relaxed);
      while (!lastref::detail::retry_cas_strong<P>(x, old, old + 10, mo::seq_cst, mo::relaxed)) {
      }
      ty = y.load(mo::relaxed);
    } else {
      ux = x.load(mo::seq_cst);
    }
  }
  void check() override {
    out->insert("ux=" + std::to_string(ux) + " ty=" + std::to_string(ty) +
                " x=" + std::to_string(x.raw()));
  }
};

// Hole 2: a failed plain CAS counts as the read a retry CAS confirms; its
// sibling reading the store the retry CAS read is a success (other path).
struct plain_cas_read : program {
  outcomes* out;
  P::atomic<int> x{0};
  std::string r;
  explicit plain_cas_read(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      x.store(7, mo::relaxed);
      x.store(0, mo::relaxed);
      return;
    }
    int e = 0;
    if (x.compare_exchange_strong(e, 5, mo::relaxed, mo::relaxed)) {
      r = "fast";
      return;
    }
    while (!lastref::detail::retry_cas_strong<P>(x, e, e + 1, mo::relaxed, mo::relaxed)) {
    }
    r = "slow wrote " + std::to_string(e + 1);
  }
  void check() override { out->insert(r + " x=" + std::to_string(x.raw())); }
};

template <class Prog>
void compare(const char* name, memory_model m) {
  outcomes full, red, dfs_red, dpor_nored;
  dfs_source dfs(dfs_source::unbounded);
  const auto nf = run_with(factory<Prog>(&full), dfs, &full, m, false);
  dpor_source d;
  const auto nd = run_with(factory<Prog>(&red), d, &red, m, true);
  dfs_source dfs2(dfs_source::unbounded);
  const auto nd2 = run_with(factory<Prog>(&dfs_red), dfs2, &dfs_red, m, true);
  dpor_source d3;
  const auto nd3 = run_with(factory<Prog>(&dpor_nored), d3, &dpor_nored, m, false);
  std::printf(
      "%s %s:\n dfs-noprune (%llu): %s\n dpor-prune (%llu): %s\n dfs-prune (%llu): %s\n"
      " dpor-noprune (%llu): %s\n",
      name, m == memory_model::sc ? "sc" : "c11", (unsigned long long)nf, show(full).c_str(),
      (unsigned long long)nd, show(red).c_str(), (unsigned long long)nd2, show(dfs_red).c_str(),
      (unsigned long long)nd3, show(dpor_nored).c_str());
  EXPECT_EQ(red, full) << name;
  EXPECT_EQ(dfs_red, full) << name;
  EXPECT_EQ(dpor_nored, full) << name;
}

// Pre-existing? A plain CAS whose read decision (success vs failure reading
// an older store) changes its footprint: no hint, no pruning.
struct plain_cas_fp : program {
  outcomes* out;
  P::atomic<int> x{0}, y{0};
  int ux = -1, ty = -1, ok = -1;
  explicit plain_cas_fp(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      y.store(1, mo::relaxed);
      x.store(2, mo::relaxed);
      x.store(1, mo::relaxed);
    } else if (t == 1) {
      int e = 1;
      ok = x.compare_exchange_strong(e, 11, mo::seq_cst, mo::relaxed);
      ty = y.load(mo::relaxed);
    } else {
      ux = x.load(mo::seq_cst);
    }
  }
  void check() override {
    out->insert("ux=" + std::to_string(ux) + " ty=" + std::to_string(ty) +
                " ok=" + std::to_string(ok) + " x=" + std::to_string(x.raw()));
  }
};

// The merged event after a spurious failure cut as a stutter: one store of x
// only (no stale read), weak hinted CAS.
struct spurious_fp : program {
  outcomes* out;
  P::atomic<int> x{0}, y{0};
  int ux = -1, ty = -1;
  explicit spurious_fp(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      y.store(1, mo::relaxed);
    } else if (t == 1) {
      int old = x.load(mo::relaxed);
      while (!lastref::detail::retry_cas_weak<P>(x, old, old + 10, mo::seq_cst, mo::relaxed)) {
      }
      ty = y.load(mo::relaxed);
    } else {
      ux = x.load(mo::seq_cst);
    }
  }
  void check() override {
    out->insert("ux=" + std::to_string(ux) + " ty=" + std::to_string(ty) +
                " x=" + std::to_string(x.raw()));
  }
};

template <class Prog>
void compare2(const char* name, bool prune, bool stutters) {
  outcomes full, red;
  dfs_source dfs(dfs_source::unbounded);
  const auto nf = run_with(factory<Prog>(&full), dfs, &full, memory_model::c11, false, false);
  dpor_source d;
  const auto nd = run_with(factory<Prog>(&red), d, &red, memory_model::c11, prune, stutters);
  std::printf("%s prune=%d stutters=%d:\n dfs-none (%llu): %s\n dpor (%llu): %s\n", name, prune,
              stutters, (unsigned long long)nf, show(full).c_str(), (unsigned long long)nd,
              show(red).c_str());
  EXPECT_EQ(red, full) << name;
}
TEST(RetryHoles, PlainCasFootprintNoReduction) {
  compare2<plain_cas_fp>("plain_cas_fp", false, false);
}
TEST(RetryHoles, SpuriousStutterRetry) { compare2<spurious_fp>("spurious_fp", true, true); }
TEST(RetryHoles, SpuriousNoStutterRetry) { compare2<spurious_fp>("spurious_fp", true, false); }
TEST(RetryHoles, SpuriousStutterOnly) { compare2<spurious_fp>("spurious_fp", false, true); }

// Hole 3: setup() runs as thread 0 and its last read survives into thread 0.
struct setup_read : program {
  outcomes* out;
  P::atomic<int> x{0};
  int snap = -1, wrote = -1;
  explicit setup_read(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void setup() override { snap = x.load(mo::relaxed); }
  void run(int t) override {
    if (t == 1) {
      x.store(3, mo::relaxed);
      return;
    }
    int e = snap;
    while (!lastref::detail::retry_cas_strong<P>(x, e, e + 10, mo::relaxed, mo::relaxed)) {
    }
    wrote = e + 10;
  }
  void check() override {
    out->insert("wrote=" + std::to_string(wrote) + " x=" + std::to_string(x.raw()));
  }
};
TEST(RetryHoles, SetupReadC11) { compare<setup_read>("setup_read", memory_model::c11); }
TEST(RetryHoles, SetupReadSc) { compare<setup_read>("setup_read", memory_model::sc); }

TEST(RetryHoles, SleeperFootprint) { compare<sleeper_fp>("sleeper_fp", memory_model::c11); }
TEST(RetryHoles, PlainCasAsRead) { compare<plain_cas_read>("plain_cas_read", memory_model::c11); }

TEST(RetryHoles, PlainCasAsReadSc) { compare<plain_cas_read>("plain_cas_read", memory_model::sc); }
}  // namespace
}  // namespace lastref::model
