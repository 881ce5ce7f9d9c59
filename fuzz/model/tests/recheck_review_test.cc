// SPDX-License-Identifier: MIT
// Adversarial review of the re-check wait hold (lastref/detail/
// recheck_wait.h, runtime::hold_recheck): programs whose hinted wait loops
// keep the contract, on which DPOR and DFS with pruning on
// (run_options::prune_stutters) must reach what unbounded DFS with pruning
// off reaches.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

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

std::string show(const outcomes& o) {
  std::string s;
  for (const auto& x : o) s += "[" + x + "] ";
  return s;
}

// ---- hole 1 (c11): a store placed in modification order before a newer one ----
// T0 waits for w to leave 0 with a hinted loop (keeps the contract). T1
// stores w = 1, then w = 3, then f = 1 (all relaxed). T2 reads f, then
// stores w = 2 (relaxed). Under c11 T2's store may join the modification
// order before 3 (T2 has not observed it): mo 0, 1, 2, 3. The outcome
// "T2 read f = 1, T0 read 2, w ends 3" needs T0's wait to return at once
// on 1 and its re-check load to read 2 after T2's store: 2 is never the
// word's latest value (it was placed before 3, which was stored earlier),
// so the held load, which reads the latest store right after the wait
// observed it, never reads it.
struct store_before_newer : program {
  outcomes* out;
  P::atomic<std::uint32_t> w{0};
  P::atomic<std::uint32_t> f{0};
  std::uint32_t r0 = 9, r = 9, rf = 9;
  bool hinted;
  store_before_newer(outcomes* o, bool hint) : out(o), hinted(hint) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 1) {
      w.store(1, mo::relaxed);
      w.store(3, mo::relaxed);
      f.store(1, mo::relaxed);
      return;
    }
    if (t == 2) {
      rf = f.load(mo::relaxed);
      w.store(2, mo::relaxed);
      return;
    }
    // The first read is kept apart (the local state at every wait is the
    // same: first == u == 0), so the outcome tells a read after a wait.
    const std::uint32_t first = w.load(mo::relaxed);
    std::uint32_t u = first;
    while (u == 0) {
      if (hinted) P::recheck_wait(&w);
      P::futex_wait(w, 0);
      u = w.load(mo::relaxed);
    }
    r0 = first;
    r = u;
  }
  void check() override {
    out->insert("rf=" + std::to_string(rf) + " r0=" + std::to_string(r0) +
                " r=" + std::to_string(r) + " w=" + std::to_string(w.load(mo::relaxed)));
  }
};

template <class Prog>
program_factory make(outcomes* o, bool hinted = true) {
  return program_factory([o, hinted] { return std::make_unique<Prog>(o, hinted); });
}

TEST(RecheckReview, StorePlacedBeforeANewerOne) {
  const memory_model m = memory_model::c11;
  for (std::uint8_t spur : {0}) {
    outcomes ref_out, dfs_out, dpor_out;
    dfs_source ref(dfs_source::unbounded);
    const totals r = explore_pruning(make<store_before_newer>(&ref_out), ref, &ref_out, false, m,
                                     2'000'000, spur);
    dfs_source d(dfs_source::unbounded);
    const totals sd =
        explore_pruning(make<store_before_newer>(&dfs_out), d, &dfs_out, true, m, 2'000'000, spur);
    dpor_source p;
    const totals sp = explore_pruning(make<store_before_newer>(&dpor_out), p, &dpor_out, true, m,
                                      2'000'000, spur);
    ASSERT_TRUE(r.complete && sd.complete && sp.complete);
    const std::string what = "max_spurious " + std::to_string(spur);
    std::printf("%s: ref %llu, dfs %llu, dpor %llu executions\n", what.c_str(),
                static_cast<unsigned long long>(r.executions),
                static_cast<unsigned long long>(sd.executions),
                static_cast<unsigned long long>(sp.executions));
    ASSERT_EQ(r.seen.count("rf=1 r0=0 r=2 w=3"), 1u) << what << " ref " << show(r.seen);
    EXPECT_EQ(sd.seen, r.seen) << what << " dfs, pruning on";
    EXPECT_EQ(sp.seen, r.seen) << what << " dpor, pruning on";
    // The control: the same loop unhinted, pruning on, reaches it.
    outcomes plain_out;
    dpor_source u;
    const totals su = explore_pruning(make<store_before_newer>(&plain_out, false), u, &plain_out,
                                      true, m, 2'000'000, spur);
    ASSERT_TRUE(su.complete);
    EXPECT_EQ(su.seen, r.seen) << what << " dpor, pruning on, unhinted";
  }
}

}  // namespace
}  // namespace lastref::model
