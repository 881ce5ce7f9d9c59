// SPDX-License-Identifier: MIT
// Retry loads that sleep (lastref/detail/retry.h, retry_load<P, CasFollows,
// WaitFollows>; fuzz/model/README.md, "Retry loads", waits): for a value
// v with WaitFollows(v) the thread's next operation is a futex wait on
// the word for v and the one after that wait this load again, and under
// c11, on a word declared RMW-only, in an exhaustive explore with
// prune_failed_retries, reads of older stores with such values are
// skipped. Checked here:
//   - the contract is checked: every kind of breach is a failure (another
//     operation instead of the wait, a wait for another value or on
//     another word, a CAS, the thread's end, and after the wait another
//     operation, a weaker load, the thread's end), under sc and c11;
//   - the skip acts and loses nothing on a wait loop: fewer executions
//     than the same loop without WaitFollows, the outcomes of DPOR with
//     every pruning off (and of unbounded DFS with pruning);
//   - only values the predicate accepts are skipped: an older value
//     outside both predicates is still read (a version that skipped every
//     older store of a hinted load fails this; checked by hand).
// The random comparison is fuzz/model/tests/wait_follows_review_test.cc.
// CI size: well under a second in the dev build.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <lastref/detail/recheck_wait.h>
#include <lastref/detail/retry.h>
#include <lastref/detail/rmw_only.h>
#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::outcomes;
using totals = testing::explore_totals;

constexpr bool cas_never(std::uint32_t) noexcept { return false; }
constexpr bool wait_if_even(std::uint32_t v) noexcept { return v % 2u == 0u; }

// Every pruning on (the defaults) or off (the reference).
using testing::explore_all_pruning;

// Thread 1 adds 2 and wakes; thread 0 reads an even value (a wait is due)
// and then breaks the contract in one of these ways.
struct wait_breach : program {
  enum shape {
    other_op,       // a load of another word instead of the wait
    other_value,    // a wait for another value
    other_word,     // a wait on another word
    cas_instead,    // a retry CAS instead of the wait
    end_before,     // the thread ends instead of waiting
    other_after,    // after the wait, another operation before the load
    weaker_reload,  // after the wait, a relaxed load (the hinted one is acquire)
    end_after,      // after the wait, the thread ends
  };
  shape sh;
  P::atomic<std::uint32_t> w{0}, x{0};
  explicit wait_breach(shape s) : sh(s) { lastref::detail::declare_rmw_only<P>(w); }
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.fetch_add(2u, mo::release);
      P::futex_wake_all(w);
      return;
    }
    std::uint32_t v = lastref::detail::retry_load<P, &cas_never, &wait_if_even>(w, mo::acquire);
    // A deadline, so that no schedule ends in a deadlock before the breach.
    const auto deadline = P::now() + std::chrono::milliseconds(1);
    switch (sh) {
      case other_op:
        (void)x.load(mo::relaxed);
        return;
      case other_value:
        (void)lastref::detail::recheck_futex_wait_until<P>(w, v + 1u, deadline);
        return;
      case other_word:
        (void)lastref::detail::recheck_futex_wait_until<P>(x, v, deadline);
        return;
      case cas_instead:
        (void)lastref::detail::retry_cas_weak<P>(w, v, v + 1u, mo::acquire, mo::acquire);
        return;
      case end_before:
        return;
      default:
        break;
    }
    (void)lastref::detail::recheck_futex_wait_until<P>(w, v, deadline);
    if (sh == other_after) (void)x.load(mo::acquire);
    if (sh == end_after) return;
    (void)w.load(sh == weaker_reload ? mo::relaxed : mo::acquire);
  }
};

TEST(WaitFollows, ContractBreachesAreFailures) {
  using s = wait_breach::shape;
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (s sh : {s::other_op, s::other_value, s::other_word, s::cas_instead, s::end_before,
                 s::other_after, s::weaker_reload, s::end_after}) {
      SCOPED_TRACE(::testing::Message() << (m == memory_model::sc ? "sc " : "c11 ") << sh);
      checker c;
      dpor_source d;
      run_options o;
      o.memory = m;
      const explore_result e = c.explore(factory<wait_breach>(sh), d, 100'000, o);
      ASSERT_TRUE(e.found());
      EXPECT_EQ(e.failure.kind, failure_kind::invariant);
      EXPECT_NE(e.failure.message.find("hinted retry load"), std::string::npos)
          << e.failure.message;
    }
}

// A wait loop kept to the contract is no breach (the same program shape).
struct kept_wait : program {
  outcomes* out;
  P::atomic<std::uint32_t> w{0};
  std::uint32_t seen = 0;
  bool in_time = true;
  explicit kept_wait(outcomes* o) : out(o) { lastref::detail::declare_rmw_only<P>(w); }
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.fetch_add(2u, mo::release);
      w.fetch_add(1u, mo::release);
      P::futex_wake_all(w);
      return;
    }
    const auto deadline = P::now() + std::chrono::milliseconds(1);
    std::uint32_t v = lastref::detail::retry_load<P, &cas_never, &wait_if_even>(w, mo::acquire);
    while (wait_if_even(v)) {
      // After the deadline the re-check promises no wait (it gives up).
      in_time = lastref::detail::recheck_futex_wait_until<P>(w, v, deadline);
      v = in_time ? lastref::detail::retry_load<P, &cas_never, &wait_if_even>(w, mo::acquire)
                  : lastref::detail::retry_load<P, &cas_never>(w, mo::acquire);
      if (!in_time) break;
    }
    seen = v;
  }
  void check() override {
    if (out != nullptr) out->insert(std::to_string(seen) + (in_time ? "" : " late"));
  }
};

TEST(WaitFollows, AKeptContractIsNoFailure) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    outcomes got;
    dpor_source d;
    const totals t = explore_all_pruning(factory<kept_wait>(&got), d, &got, m, true, 100'000);
    EXPECT_TRUE(t.complete) << (m == memory_model::sc ? "sc" : "c11");
    EXPECT_TRUE(got.count("3")) << testing::show(got);
  }
}

// An adder (+2, a wake after) and a setter (+1, a wake) against a
// waiter that sleeps while the word is even. Declared WaitFollows or not.
template <bool Declared>
struct evens : program {
  static constexpr bool (*wait_test)(std::uint32_t) noexcept = Declared ? &wait_if_even
                                                                        : &cas_never;
  outcomes* out;
  P::atomic<std::uint32_t> w{0};
  P::atomic<std::uint32_t> y{0};
  std::uint32_t seen = 0, saw_y = 0;
  explicit evens(outcomes* o) : out(o) { lastref::detail::declare_rmw_only<P>(w); }
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 2) {
      w.fetch_add(2u, mo::release);
      P::futex_wake_one(w);
      return;
    }
    if (t == 1) {
      y.store(1, mo::relaxed);
      w.fetch_add(1u, mo::release);
      P::futex_wake_all(w);
      return;
    }
    std::uint32_t v = lastref::detail::retry_load<P, &cas_never, wait_test>(w, mo::acquire);
    while (wait_if_even(v)) {
      lastref::detail::recheck_futex_wait<P>(w, v);
      v = lastref::detail::retry_load<P, &cas_never, wait_test>(w, mo::acquire);
    }
    seen = v;
    saw_y = y.load(mo::relaxed);
  }
  void check() override {
    out->insert(std::to_string(seen) + ":" + std::to_string(saw_y) + " " + std::to_string(w.raw()));
  }
};

TEST(WaitFollows, TheSkipActsAndLosesNothing) {
  // The reference: DPOR with every pruning off (unbounded DFS without
  // pruning takes seconds here; DFS with pruning is compared below).
  outcomes ref, plain, hinted, hinted_dfs;
  dpor_source r;
  ASSERT_TRUE(
      explore_all_pruning(factory<evens<false>>(&ref), r, &ref, memory_model::c11, false, 2'000'000)
          .complete);
  dpor_source a, b;
  const totals p = explore_all_pruning(factory<evens<false>>(&plain), a, &plain, memory_model::c11,
                                       true, 2'000'000);
  const totals h = explore_all_pruning(factory<evens<true>>(&hinted), b, &hinted, memory_model::c11,
                                       true, 2'000'000);
  dfs_source f(dfs_source::unbounded);
  ASSERT_TRUE(explore_all_pruning(factory<evens<true>>(&hinted_dfs), f, &hinted_dfs,
                                  memory_model::c11, true, 2'000'000)
                  .complete);
  ASSERT_TRUE(p.complete && h.complete);
  EXPECT_EQ(plain, ref) << testing::show(plain) << " vs " << testing::show(ref);
  EXPECT_EQ(hinted, ref) << testing::show(hinted) << " vs " << testing::show(ref);
  EXPECT_EQ(hinted_dfs, ref) << testing::show(hinted_dfs) << " vs " << testing::show(ref);
  EXPECT_LT(h.executions, p.executions);
  std::printf("evens c11 dpor: with WaitFollows %llu executions, without %llu\n",
              static_cast<unsigned long long>(h.executions),
              static_cast<unsigned long long>(p.executions));
}

// Only values the predicates accept are skipped: the waiter reading an
// older odd value (the word went 0 -> 1 -> 2 before y was set) returns at
// once, an outcome no interleaving gives (y set implies the word is 2), and
// the search must still reach it under c11.
struct stale_odd : program {
  outcomes* out;
  P::atomic<std::uint32_t> w{0};
  P::atomic<int> y{0};
  int a = -1;
  std::uint32_t v = 99;
  explicit stale_odd(outcomes* o) : out(o) { lastref::detail::declare_rmw_only<P>(w); }
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.fetch_add(1u, mo::relaxed);
      w.fetch_add(1u, mo::relaxed);
      y.store(1, mo::relaxed);
      P::futex_wake_all(w);
      return;
    }
    a = y.load(mo::relaxed);
    const auto deadline = P::now() + std::chrono::milliseconds(1);
    v = lastref::detail::retry_load<P, &cas_never, &wait_if_even>(w, mo::relaxed);
    while (wait_if_even(v)) {
      const bool in_time = lastref::detail::recheck_futex_wait_until<P>(w, v, deadline);
      v = in_time ? lastref::detail::retry_load<P, &cas_never, &wait_if_even>(w, mo::relaxed)
                  : lastref::detail::retry_load<P, &cas_never>(w, mo::relaxed);
      if (!in_time) break;
    }
  }
  void check() override { out->insert(std::to_string(a) + ":" + std::to_string(v)); }
};

TEST(WaitFollows, OlderValuesOutsideThePredicatesAreRead) {
  outcomes ref, red;
  dpor_source r, d;
  ASSERT_TRUE(
      explore_all_pruning(factory<stale_odd>(&ref), r, &ref, memory_model::c11, false, 100'000)
          .complete);
  ASSERT_TRUE(
      explore_all_pruning(factory<stale_odd>(&red), d, &red, memory_model::c11, true, 100'000)
          .complete);
  EXPECT_TRUE(ref.count("1:1")) << testing::show(ref);
  EXPECT_EQ(red, ref) << testing::show(red) << " vs " << testing::show(ref);
}

}  // namespace
}  // namespace lastref::model
