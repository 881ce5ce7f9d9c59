// SPDX-License-Identifier: MIT
// A hinted retry CAS's spurious failure (lastref/detail/retry.h) is not
// explored by an explore that prunes retries and stutters
// (runtime::spurious_is_stutter, decision::redundant): by the retry
// contract the loop restarts from the value a spurious failure returns,
// which is `expected`, so its next operation is the same CAS, a stutter
// that would be cut at once. The option stays in the decision, so a
// failure's traced re-run and its replay token see the same choices.
// Soundness is covered by the random comparisons with unbounded DFS
// without pruning (retry_test.cc, stutter_test.cc, which run hinted weak
// CASes under c11); this shows the option is skipped only for a hinted
// CAS, only with both reductions on, by DPOR and DFS alike.

#include <gtest/gtest.h>
#include <lastref/detail/retry.h>

#include <cstdint>
#include <string>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// One thread increments w by a read-CAS loop, hinted or not.
struct one_increment : program {
  P::atomic<std::uint32_t> w{0};
  bool hinted;
  explicit one_increment(bool h) : hinted(h) {}
  int threads() const override { return 1; }
  void run(int) override {
    std::uint32_t v = w.load(mo::relaxed);
    if (hinted) {
      while (!lastref::detail::retry_cas_weak<P>(w, v, v + 1, mo::release, mo::relaxed)) {
      }
    } else {
      while (!w.compare_exchange_weak(v, v + 1, mo::release, mo::relaxed)) {
      }
    }
  }
  void check() override { model::check(w.raw() == 1, "one increment"); }
};

explore_result search(bool hinted, bool prune_retries, bool dpor = true) {
  checker c;
  run_options o;
  o.memory = memory_model::c11;
  o.prune_failed_retries = prune_retries;
  dpor_source p;
  dfs_source q(dfs_source::unbounded);
  schedule_source& d = dpor ? static_cast<schedule_source&>(p) : q;
  return c.explore(program_factory([hinted] { return std::make_unique<one_increment>(hinted); }), d,
                   1000, o);
}

TEST(RetrySpurious, AHintedWeakCasIsOfferedNoSpuriousFailure) {
  // Hinted, both reductions on: the success only.
  for (const explore_result& h : {search(true, true), search(true, true, false)}) {
    ASSERT_TRUE(h.complete && !h.found()) << h.failure.report();
    EXPECT_EQ(h.executions, 1u);
    EXPECT_EQ(h.pruned, 0u);
  }
  // Unhinted, or the retry reduction off: the spurious failure is
  // explored, and its repeat cut as a stutter.
  for (const explore_result& e : {search(false, true), search(true, false)}) {
    ASSERT_TRUE(e.complete && !e.found()) << e.failure.report();
    EXPECT_EQ(e.executions, 2u);
    EXPECT_EQ(e.pruned, 1u);
  }
}

}  // namespace
}  // namespace lastref::model
