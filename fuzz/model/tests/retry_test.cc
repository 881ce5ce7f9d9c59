// SPDX-License-Identifier: MIT
// Retry loops (lastref/detail/retry.h, run_options::prune_failed_retries):
// an execution in which a hinted retry CAS that confirms its thread's last
// read fails (other than spuriously) is pruned as redundant. Checked here:
//   - soundness: on random programs of read–compute–CAS retry loops beside
//     plain loads, stores, RMWs, unhinted CASes and a cell, DPOR with
//     pruning reaches exactly the outcomes and failures of unbounded DFS
//     without it, under sc and c11;
//   - it prunes only what the contract allows: a loop that counts its
//     retries (breaking the contract) shows a non-zero count only with
//     pruning off, and an unhinted CAS's failure path is always explored;
//   - a hint that does not confirm the last read (another word, or a
//     value the thread did not read) prunes nothing.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <lastref/detail/retry.h>
#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::outcomes;

// testing::explore_all with the retry reduction on or off; stutter pruning
// is off (stutter_test.cc checks it), so only the retry reduction differs.
template <class Source>
testing::explore_totals run_with(const program_factory& f, Source& src, outcomes* sink,
                                 memory_model m, bool prune, std::uint64_t* pruned = nullptr,
                                 std::uint8_t spurious_cas = 1, std::uint64_t cap = 2'000'000) {
  run_options o;
  o.max_spurious_cas = spurious_cas;
  o.memory = m;
  o.prune_failed_retries = prune;
  o.prune_stutters = false;
  const testing::explore_totals s = testing::explore_all(f, src, sink, o, cap);
  if (pruned != nullptr) *pruned = s.pruned;
  return s;
}

// 2-3 threads of 1-3 operations on two atomics and a cell. `update` is a
// retry loop (load; compute; hinted weak CAS) whose function depends on the
// value (doubling plus a constant, or "add unless zero", which leaves the
// loop without a CAS); `plain_cas` is an unhinted strong CAS whose result
// decides what the thread writes next.
struct retry_program : program {
  enum kind : std::uint8_t {
    load,
    store,
    rmw,
    update,
    update_not_zero,
    plain_cas,
    cell_wr,
    cell_rd
  };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  std::vector<step> prog[3];
  P::atomic<int> x[2];
  P::cell<int> c{0};
  int reads[3][3] = {};

  retry_program(outcomes* o, std::uint64_t seed) : out(o) {
    n = testing::draw_steps(seed, prog, {8, 2, 3, 2, 1});
  }
  int threads() const override { return n; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      P::atomic<int>& a = x[s.loc];
      switch (s.k) {
        case load:
          v = a.load(mo::acquire);
          break;
        case store:
          a.store(s.val, mo::release);
          break;
        case rmw:
          v = a.fetch_add(s.val, mo::acq_rel);
          break;
        case update: {
          int old = a.load(mo::relaxed);
          while (!lastref::detail::retry_cas_weak<P>(a, old, old * 2 + s.val, mo::acq_rel,
                                                     mo::relaxed)) {
          }
          v = old;
          break;
        }
        case update_not_zero: {
          int old = a.load(mo::acquire);
          do {
            if (old == 0) break;
          } while (
              !lastref::detail::retry_cas_weak<P>(a, old, old + s.val, mo::acquire, mo::acquire));
          v = old;
          break;
        }
        case plain_cas: {
          int e = a.load(mo::relaxed);
          const bool ok = a.compare_exchange_strong(e, e + 4, mo::acq_rel, mo::relaxed);
          if (!ok) c.write(e);  // the failure path has its own effect
          v = ok ? 10 : e;
          break;
        }
        case cell_wr:
          c.write(s.val);
          break;
        case cell_rd:
          v = c.read();
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
    out->insert(s);
  }
};

TEST(RetryPruning, RandomRetryProgramsMatchDfsWithoutPruning) {
  std::uint64_t pruned_runs = 0, dpor_total = 0, dfs_total = 0;
  int compared = 0;
  // LASTREF_RETRY_SEEDS=N runs N seeds per model (a soak; CI runs 60).
  const char* env = std::getenv("LASTREF_RETRY_SEEDS");
  const std::uint64_t seeds = env != nullptr ? std::strtoull(env, nullptr, 10) : 60;
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      SCOPED_TRACE(::testing::Message()
                   << "seed " << seed << (m == memory_model::sc ? " sc" : " c11"));
      outcomes full, reduced;
      dfs_source dfs(dfs_source::unbounded);
      const auto sf =
          run_with(factory<retry_program>(&full, seed), dfs, &full, m, false, nullptr, 1, 20'000);
      if (!sf.complete) continue;
      dpor_source d;
      std::uint64_t pruned = 0;
      const auto sd =
          run_with(factory<retry_program>(&reduced, seed), d, &reduced, m, true, &pruned);
      EXPECT_TRUE(sd.complete);
      EXPECT_FALSE(d.diverged());
      // After a failure only "a failure was found" is compared (has_failure).
      if (testing::has_failure(sf.seen))
        EXPECT_TRUE(testing::has_failure(sd.seen));
      else
        EXPECT_EQ(sd.seen, sf.seen);
      pruned_runs += pruned;
      dpor_total += sd.executions;
      dfs_total += sf.executions;
      ++compared;
    }
  }
  EXPECT_GE(compared, 100);
  EXPECT_GT(pruned_runs, 0u);  // the programs do exercise the pruning
  std::printf("retry programs: %d compared; dpor+pruning %llu executions (%llu pruned), dfs %llu\n",
              compared, static_cast<unsigned long long>(dpor_total),
              static_cast<unsigned long long>(pruned_runs),
              static_cast<unsigned long long>(dfs_total));
}

// Two threads increment one word with a retry loop; the first also counts
// its failed CASes, which the contract forbids. With pruning the count is
// always 0 (every failing execution was pruned); without it, 1 is reached.
// (Spurious failures are off here: they are explored either way.)
struct counting_loop : program {
  outcomes* out;
  P::atomic<int> x{0};
  int failures = 0;
  explicit counting_loop(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    int old = x.load(mo::relaxed);
    while (!lastref::detail::retry_cas_weak<P>(x, old, old + 1, mo::relaxed, mo::relaxed))
      if (t == 0) ++failures;
  }
  void check() override { out->insert("failures=" + std::to_string(failures)); }
};

TEST(RetryPruning, ACountingLoopShowsItsRetriesOnlyWithPruningOff) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    outcomes on, off;
    dfs_source a(dfs_source::unbounded), b(dfs_source::unbounded);
    std::uint64_t pruned = 0;
    ASSERT_TRUE(run_with(factory<counting_loop>(&on), a, &on, m, true, &pruned, 0).complete);
    ASSERT_TRUE(run_with(factory<counting_loop>(&off), b, &off, m, false, nullptr, 0).complete);
    EXPECT_EQ(on, (outcomes{"failures=0"}));
    EXPECT_TRUE(off.count("failures=1")) << "without pruning the failed CAS is explored";
    // sc: the CAS runs right after its read and cannot fail; c11: it fails
    // after a read of the older store, and that execution is pruned.
    if (m == memory_model::c11) {
      EXPECT_GT(pruned, 0u);
    }
  }
}

// The same loop with the plain compare_exchange (no hint): its failures are
// explored with pruning on.
struct unhinted_loop : program {
  outcomes* out;
  P::atomic<int> x{0};
  int failures = 0;
  explicit unhinted_loop(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    int old = x.load(mo::relaxed);
    while (!x.compare_exchange_weak(old, old + 1, mo::relaxed, mo::relaxed))
      if (t == 0) ++failures;
  }
  void check() override { out->insert("failures=" + std::to_string(failures)); }
};

// A hint whose CAS does not confirm the thread's last read: the expected
// value was not read (a guess), or the last read was of another word.
struct unconfirmed_hint : program {
  outcomes* out;
  P::atomic<int> x{0}, y{0};
  int failures = 0;
  explicit unconfirmed_hint(outcomes* o) : out(o) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      x.fetch_add(1, mo::relaxed);
      return;
    }
    int guess = 0;  // not read from x
    if (!lastref::detail::retry_cas_strong<P>(x, guess, 5, mo::relaxed, mo::relaxed)) failures += 1;
    int old = x.load(mo::relaxed);
    (void)y.load(mo::relaxed);  // the last read is of y
    if (!lastref::detail::retry_cas_strong<P>(x, old, old + 5, mo::relaxed, mo::relaxed))
      failures += 10;
  }
  void check() override { out->insert("failures=" + std::to_string(failures)); }
};

TEST(RetryPruning, OnlyAHintedCasThatConfirmsItsReadIsPruned) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    outcomes u, h;
    dpor_source a, b;
    std::uint64_t pruned_u = 0, pruned_h = 0;
    ASSERT_TRUE(run_with(factory<unhinted_loop>(&u), a, &u, m, true, &pruned_u).complete);
    ASSERT_TRUE(run_with(factory<unconfirmed_hint>(&h), b, &h, m, true, &pruned_h).complete);
    EXPECT_TRUE(u.count("failures=1"));
    EXPECT_EQ(pruned_u, 0u);
    EXPECT_TRUE(h.count("failures=1")) << "the guessed CAS fails once thread 1 ran first";
    EXPECT_TRUE(h.count("failures=10"))
        << "the CAS after a read of y fails if thread 1 ran between";
    EXPECT_EQ(pruned_h, 0u);
  }
}

}  // namespace
}  // namespace lastref::model
