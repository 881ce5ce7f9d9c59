// SPDX-License-Identifier: MIT
// completion unit tests, which double as the conformance suite of a user's
// completion (implementations.h). Linux semantics, run on every type
// satisfying completion_primitive (concepts.h): wait after complete, counted
// completes, complete vs complete_all with several sleeping waiters (and
// every later wait after complete_all), try_wait/done, timeouts (including a
// completion that arrives at the deadline and timeouts too large to add to
// the clock), reinit when quiet, and the hard rule (a waiter frees the
// completion as soon as wait returns; run under ASan, also over the hostile
// platform). lastref's own extras (the done count and registered sleepers,
// read through lastref/testing/completion_probe.h for lastref's completion
// and through count()/waiters() members for a type that has them;
// done_all/done_max, wait_until, the spin phase) are checked where a type has
// them and skipped where it does not, never weakened.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hostile_platform.h"
#include "implementations.h"
#include "lastref/completion.h"
#include "lastref/testing/completion_probe.h"

namespace lastref::test {
namespace {

using namespace std::chrono_literals;
using lastref::testing::completion_count;
using lastref::testing::completion_waiters;

// Spins (yielding) until pred holds; bounded so a bug fails instead of hanging.
template <class Pred>
bool eventually(Pred pred, long bound = 20'000'000) {
  for (long i = 0; i < bound; ++i) {
    if (pred()) return true;
    std::this_thread::yield();
  }
  return pred();
}

// lastref's extras beyond completion_primitive. A test that needs one is
// skipped (or that part of it is) for a type without it.
// The observable state: the done field and the registered sleepers.
template <class C>
concept counted_completion = requires(const C& c) {
  { completion_count(c) } -> std::convertible_to<std::uint32_t>;
  { completion_waiters(c) } -> std::convertible_to<std::uint32_t>;
  { C::done_all } -> std::convertible_to<std::uint32_t>;
  { C::done_max } -> std::convertible_to<std::uint32_t>;
};
// lastref's completion offers them through the testing probe only: its
// public API is the kernel's, with no test-only members.
template <class C>
concept has_probe_members = requires(const C& c) {
  c.count();
  c.waiters();
};
static_assert(counted_completion<completion> && !has_probe_members<completion>);
// An absolute deadline on the type's clock.
template <class C>
concept deadline_completion = requires(C& c) {
  typename C::clock;
  { c.wait_until(C::clock::now()) } -> std::same_as<bool>;
};
// The platform-sized spin phase before sleeping.
template <class C>
concept spinning_completion = counted_completion<C> && deadline_completion<C> && requires {
  { C::spin_iterations } -> std::convertible_to<unsigned>;
  { C::yield_iterations } -> std::convertible_to<unsigned>;
};
#define LASTREF_SKIP_WITHOUT(concept_name) \
  GTEST_SKIP() << "lastref-only extra (completion_test.cc: " #concept_name ")"

// Counts the waits that reached the platform's blocking call, so a threaded
// test can let its waiters fall asleep before completing, for any type.
struct sleep_counting_platform : std_platform {
  static inline std::atomic<unsigned> sleeps{0};
  static void futex_wait(atomic<std::uint32_t>& w, std::uint32_t expected) {
    sleeps.fetch_add(1);
    std_platform::futex_wait(w, expected);
  }
  static bool futex_wait_until(atomic<std::uint32_t>& w, std::uint32_t expected,
                               clock::time_point deadline) {
    sleeps.fetch_add(1);
    return std_platform::futex_wait_until(w, expected, deadline);
  }
};
template <class C>
using sleeping_t = rebind_platform_t<C, sleep_counting_platform>;

// Lets n waiters of c (a sleeping_t) fall asleep. Exact where the type
// counts its waiters; otherwise from the platform's count of blocking calls,
// with a small bound: a type that spins instead of sleeping is not wrong,
// its sleeping path is just not what gets tested. False: a counted waiter
// never registered.
template <class C>
bool await_sleepers(const C& c, unsigned n) {
  if constexpr (counted_completion<C>) {
    return eventually([&] { return completion_waiters(c) == n; });
  } else {
    (void)c;
    eventually([&] { return sleep_counting_platform::sleeps.load() >= n; }, 200'000);
    return true;
  }
}

template <class C>
class completion_test : public ::testing::Test {};
TYPED_TEST_SUITE(completion_test, completion_implementations);

TYPED_TEST(completion_test, InitiallyNotDone) {
  TypeParam c;
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  EXPECT_FALSE(c.wait_for(0ms));
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(c), 0u);
    EXPECT_EQ(completion_waiters(c), 0u);
  }
}

TYPED_TEST(completion_test, CompleteIsCounted) {
  TypeParam c;
  c.complete();
  c.complete();
  c.complete();
  EXPECT_TRUE(c.done());
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(c), 3u);
  }
  EXPECT_TRUE(c.try_wait());
  c.wait();
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(c.wait_for(1h));  // a completion is there: no wait
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  EXPECT_FALSE(c.wait_for(0ms));
}

TYPED_TEST(completion_test, CompleteAllStaysDoneUntilReinit) {
  TypeParam c;
  c.complete();
  c.complete_all();
  for (int i = 0; i < 5; ++i) {
    // ASSERT: a type that forgot "all" would block in the wait below.
    ASSERT_TRUE(c.done()) << "complete_all() must stay done until reinit()";
    EXPECT_TRUE(c.try_wait());
    c.wait();
    EXPECT_TRUE(c.wait_for(0ms));
  }
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(c), TypeParam::done_all);
  }
  c.complete();  // no effect on "all"
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(c), TypeParam::done_all);
  }
  EXPECT_TRUE(c.try_wait());
  EXPECT_TRUE(c.try_wait());
  EXPECT_TRUE(c.done());
  c.reinit();
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  c.complete();  // one completion again, not "all"
  EXPECT_TRUE(c.try_wait());
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
}

TYPED_TEST(completion_test, CompleteSaturates) {
  if constexpr (!counted_completion<TypeParam>) {
    LASTREF_SKIP_WITHOUT(counted_completion);
  } else {
    TypeParam c;
    for (std::uint32_t i = 0; i < TypeParam::done_max; ++i) c.complete();
    EXPECT_EQ(completion_count(c), TypeParam::done_max);
    c.complete();  // saturated: does not become "all"
    EXPECT_EQ(completion_count(c), TypeParam::done_max);
    EXPECT_TRUE(c.try_wait());
    EXPECT_EQ(completion_count(c), TypeParam::done_max - 1);
  }
}

// reinit_completion(): legal when nobody waits or completes; pending
// completions (or "all") are forgotten and the completion works as new.
TYPED_TEST(completion_test, ReinitWhenQuietStartsOver) {
  TypeParam c;
  c.complete();
  c.complete();
  c.reinit();
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  EXPECT_FALSE(c.wait_for(0ms));
  constexpr int rounds = 50;
  for (int round = 0; round < rounds; ++round) {
    std::thread waiter([&] { c.wait(); });
    c.complete_all();
    waiter.join();
    EXPECT_TRUE(c.done());
    c.reinit();  // quiet: the waiter was joined
    EXPECT_FALSE(c.done());
    std::thread completer([&] { c.complete(); });
    c.wait();
    completer.join();
    EXPECT_FALSE(c.done());
    if constexpr (counted_completion<TypeParam>) {
      EXPECT_EQ(completion_count(c), 0u);
    }
  }
}

TYPED_TEST(completion_test, WaitForTimesOutAndUnregisters) {
  TypeParam c;
  EXPECT_FALSE(c.wait_for(2ms));
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.wait_for(-1s));  // in the past: no wait
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_waiters(c), 0u);
  }
  if constexpr (deadline_completion<TypeParam>) {
    EXPECT_FALSE(c.wait_until(TypeParam::clock::now() - 1s));
    if constexpr (counted_completion<TypeParam>) {
      EXPECT_EQ(completion_waiters(c), 0u);
    }
  }
  // The timed-out waits left nothing behind: the next completion is there
  // for exactly one wait.
  c.complete();
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(c.wait_for(-1s));  // already done: no wait
  EXPECT_FALSE(c.done());
  if constexpr (deadline_completion<TypeParam>) {
    c.complete();
    EXPECT_TRUE(c.wait_until(TypeParam::clock::now() - 1s));  // already done: no wait
    EXPECT_FALSE(c.done());
  }
}

TYPED_TEST(completion_test, CompleteWakesExactlyOne) {
  using C = sleeping_t<TypeParam>;
  constexpr int waiters = 3;
  sleep_counting_platform::sleeps = 0;
  C c;
  std::atomic<int> woken{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < waiters; ++i)
    ts.emplace_back([&] {
      c.wait();
      woken.fetch_add(1);
    });
  ASSERT_TRUE(await_sleepers(c, waiters));
  c.complete();
  ASSERT_TRUE(eventually([&] { return woken.load() == 1; }));
  EXPECT_FALSE(c.done());  // the one completion was consumed...
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_count(c), 0u);
    // ...so the others stay asleep and registered.
    ASSERT_TRUE(eventually([&] { return completion_waiters(c) == waiters - 1; }));
  }
  EXPECT_EQ(woken.load(), 1);
  c.complete();
  ASSERT_TRUE(eventually([&] { return woken.load() == 2; }));
  c.complete();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woken.load(), waiters);
  // Every return consumed one completion: none is left over.
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_waiters(c), 0u);
    EXPECT_EQ(completion_count(c), 0u);
  }
}

// complete_all releases every sleeping waiter, and every later wait.
TYPED_TEST(completion_test, CompleteAllWakesAll) {
  using C = sleeping_t<TypeParam>;
  constexpr int waiters = 4;
  sleep_counting_platform::sleeps = 0;
  C c;
  std::atomic<int> woken{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < waiters; ++i)
    ts.emplace_back([&, i] {
      if (i % 2 == 0)
        c.wait();
      else
        EXPECT_TRUE(c.wait_for(1h));
      woken.fetch_add(1);
    });
  ASSERT_TRUE(await_sleepers(c, waiters));
  c.complete_all();
  if (!eventually([&] { return woken.load() == waiters; }, 5'000'000)) {
    ADD_FAILURE() << "complete_all() left " << waiters - woken.load() << " waiter(s) asleep";
    // Wake the rest one by one, so that a broken type fails here instead of
    // hanging in join() until the test's timeout.
    for (int i = 0; i < waiters; ++i) c.complete();
    if (!eventually([&] { return woken.load() == waiters; }, 5'000'000)) {
      std::fprintf(stderr, "complete_all() and %d complete() calls left waiters asleep\n", waiters);
      std::abort();  // a failure, not a hang: the threads cannot be joined
    }
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(woken.load(), waiters);
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_waiters(c), 0u);
  }
  ASSERT_TRUE(c.done()) << "complete_all() must stay done until reinit()";
  for (int i = 0; i < 3; ++i) {
    // try_wait first, so that a type that lost "done" fails instead of
    // blocking in wait() below.
    ASSERT_TRUE(c.try_wait()) << "complete_all() must stay done until reinit()";
    c.wait();
    EXPECT_TRUE(c.wait_for(0ms));
  }
  ASSERT_TRUE(c.try_wait()) << "complete_all() must stay done until reinit()";
  std::thread late([&] { c.wait(); });
  late.join();
  EXPECT_TRUE(c.done());
}

TYPED_TEST(completion_test, TimedWaiterGetsCompletion) {
  using C = sleeping_t<TypeParam>;
  sleep_counting_platform::sleeps = 0;
  C c;
  std::atomic<bool> got{false};
  std::thread t([&] { got = c.wait_for(60s); });
  ASSERT_TRUE(await_sleepers(c, 1));
  c.complete();
  t.join();
  EXPECT_TRUE(got.load());
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_waiters(c), 0u);
  }
  EXPECT_FALSE(c.done());
}

// duration::max() (and anything past time_point::max()) means "forever":
// the deadline saturates instead of overflowing into the past, which would
// make the wait give up at once and report a timeout nobody waited for.
TYPED_TEST(completion_test, HugeTimeoutWaitsForTheCompletion) {
  using C = sleeping_t<TypeParam>;
  for (std::chrono::milliseconds timeout :
       {std::chrono::milliseconds::max(),
        std::chrono::milliseconds(std::chrono::hours(24 * 365 * 300))}) {
    sleep_counting_platform::sleeps = 0;
    C c;
    std::atomic<bool> got{false};
    std::thread t([&] { got = c.wait_for(timeout); });
    ASSERT_TRUE(await_sleepers(c, 1));
    c.complete();
    t.join();
    EXPECT_TRUE(got.load());
  }
  TypeParam c;
  EXPECT_FALSE(c.wait_for(std::chrono::milliseconds::min()));  // in the past: no wait
}

TYPED_TEST(completion_test, CompletePublishesData) {
  constexpr int rounds = 500;
  for (int round = 0; round < rounds; ++round) {
    TypeParam c;
    int data = 0;
    std::thread t([&] {
      data = round + 1;
      c.complete();
    });
    c.wait();
    EXPECT_EQ(data, round + 1);
    t.join();
  }
}

// The hard rule: the waiter deletes the completion the moment wait returns.
// Under ASan, any access by complete() after its publishing RMW (other than
// the futex wake, which does not dereference) is a heap-use-after-free.
TYPED_TEST(completion_test, WaiterFreesImmediately) {
  using C = sleeping_t<TypeParam>;
  constexpr int rounds = 1000;
  for (int round = 0; round < rounds; ++round) {
    sleep_counting_platform::sleeps = 0;
    auto* c = new C;
    bool all = (round % 2) != 0;
    std::thread waiter([c] {
      c->wait();
      delete c;
    });
    if (round % 3 == 0) await_sleepers(*c, 1);  // also the sleeping path
    if (all)
      c->complete_all();
    else
      c->complete();
    waiter.join();
  }
}

// The same against a spinning waiter and a completer that pauses after each
// RMW: any access after the publishing RMW lands on freed memory.
TYPED_TEST(completion_test, HostileWaiterFreesImmediately) {
  using hostile = rebind_platform_t<TypeParam, hostile_platform>;
  constexpr int rounds = 200;
  for (int round = 0; round < rounds; ++round) {
    auto* c = new hostile;
    std::thread waiter([c, round] {
      if (round % 3 == 0) {
        while (!c->wait_for(std::chrono::hours(1))) {
        }
      } else {
        c->wait();
      }
      delete c;
    });
    if (round % 2 == 0)
      c->complete();
    else
      c->complete_all();
    waiter.join();
  }
}

TYPED_TEST(completion_test, CompleterThreadWaiterFrees) {
  constexpr int rounds = 1000;
  for (int round = 0; round < rounds; ++round) {
    auto* c = new TypeParam;
    std::thread completer([c] { c->complete(); });
    if (round % 2 == 0) {
      c->wait();
    } else {
      while (!c->wait_for(1s)) {
      }
    }
    delete c;
    completer.join();
  }
}

TYPED_TEST(completion_test, ThreadsProducersConsumers) {
  constexpr int producers = 2;
  constexpr int consumers = 2;
  constexpr int per_thread = 2000;
  TypeParam c;
  std::atomic<int> consumed{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < consumers; ++i)
    ts.emplace_back([&] {
      for (int n = 0; n < per_thread; ++n) {
        if (n % 3 == 0) {
          while (!c.wait_for(1ms)) {
          }
        } else if (n % 3 == 1) {
          while (!c.try_wait()) std::this_thread::yield();
        } else {
          c.wait();
        }
        consumed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (int i = 0; i < producers; ++i)
    ts.emplace_back([&] {
      for (int n = 0; n < per_thread; ++n) c.complete();
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(consumed.load(), consumers * per_thread);
  EXPECT_FALSE(c.done());
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(c), 0u);
    EXPECT_EQ(completion_waiters(c), 0u);
  }
}

// A completion that lands exactly at the deadline counts: this platform's
// timed futex wait always times out, after running a hook that completes.
// From then on its clock reads time_point::max(), so a type that rechecks
// the time rather than the futex's answer also sees the deadline passed.
struct deadline_platform : std_platform {
  static inline std::function<void()> at_deadline;
  static inline bool expired = false;
  static clock::time_point now() { return expired ? clock::time_point::max() : clock::now(); }
  static bool futex_wait_until(atomic<std::uint32_t>&, std::uint32_t, clock::time_point) {
    expired = true;
    if (at_deadline) at_deadline();
    return false;
  }
};

TYPED_TEST(completion_test, CompletionAtDeadlineCounts) {
  using C = rebind_platform_t<TypeParam, deadline_platform>;
  C c;
  int hooks = 0;
  deadline_platform::expired = false;
  deadline_platform::at_deadline = [&] {
    ++hooks;
    c.complete();
  };
  EXPECT_TRUE(c.wait_for(1h));
  EXPECT_EQ(hooks, 1);
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_waiters(c), 0u);
  }
  EXPECT_FALSE(c.done());
  deadline_platform::expired = false;
  deadline_platform::at_deadline = [&] { ++hooks; };
  EXPECT_FALSE(c.wait_for(1h));
  EXPECT_EQ(hooks, 2);
  if constexpr (counted_completion<C>) {
    EXPECT_EQ(completion_waiters(c), 0u);
  }
  EXPECT_FALSE(c.done());
  deadline_platform::expired = false;
  deadline_platform::at_deadline = nullptr;
}

// The spin phase, observed through a platform that counts its pauses and
// futex waits and can run a hook at either (no timing involved).
struct spin_counting_platform : std_platform {
  // [[maybe_unused]]: read only by lastref's own types (spinning_completion).
  [[maybe_unused]] static constexpr unsigned wait_spin_iterations = 5;
  [[maybe_unused]] static constexpr unsigned wait_yield_iterations = 3;
  static inline unsigned pauses = 0;
  static inline unsigned yields = 0;
  static inline unsigned futex_waits = 0;
  static inline unsigned pauses_before_first_futex_wait = 0;
  static inline unsigned yields_before_first_futex_wait = 0;
  static inline std::function<void()> at_pause;  // after counting the pause or yield
  static inline std::function<void()> at_futex_wait;

  static void reset() {
    pauses = yields = futex_waits = 0;
    pauses_before_first_futex_wait = yields_before_first_futex_wait = 0;
    at_pause = at_futex_wait = nullptr;
  }
  static void spin_pause() {
    EXPECT_EQ(yields, 0u) << "all pauses come before the yields";
    ++pauses;
    if (at_pause) at_pause();
  }
  static void spin_yield() {
    ++yields;
    if (at_pause) at_pause();
  }
  static void futex_wait(atomic<std::uint32_t>&, std::uint32_t) {
    if (futex_waits++ == 0) {
      pauses_before_first_futex_wait = pauses;
      yields_before_first_futex_wait = yields;
    }
    if (at_futex_wait) at_futex_wait();
  }
  static bool futex_wait_until(atomic<std::uint32_t>& w, std::uint32_t expected,
                               clock::time_point deadline) {
    futex_wait(w, expected);
    return now() < deadline;
  }
};

// A platform without the spin members waits exactly as before: no spin.
struct no_spin_members_platform {
  template <class T>
  using atomic = std::atomic<T>;
  template <class T>
  using cell = std_platform::cell<T>;
  using mutex = std::mutex;
  using clock = std_platform::clock;
  static clock::time_point now() { return clock::now(); }
  static void futex_wait(atomic<std::uint32_t>& w, std::uint32_t e) {
    std_platform::futex_wait(w, e);
  }
  static bool futex_wait_until(atomic<std::uint32_t>& w, std::uint32_t e, clock::time_point d) {
    return std_platform::futex_wait_until(w, e, d);
  }
  static void futex_wake_one(atomic<std::uint32_t>& w) { std_platform::futex_wake_one(w); }
  static void futex_wake_all(atomic<std::uint32_t>& w) { std_platform::futex_wake_all(w); }
};

TYPED_TEST(completion_test, SpinCountIsAPlatformProperty) {
  if constexpr (!spinning_completion<TypeParam>) {
    LASTREF_SKIP_WITHOUT(spinning_completion);
  } else {
    EXPECT_EQ(TypeParam::spin_iterations, std_platform::wait_spin_iterations);
    EXPECT_EQ(TypeParam::yield_iterations, std_platform::wait_yield_iterations);
    EXPECT_GT(TypeParam::spin_iterations, 0u);
    EXPECT_EQ((rebind_platform_t<TypeParam, spin_counting_platform>::spin_iterations), 5u);
    EXPECT_EQ((rebind_platform_t<TypeParam, spin_counting_platform>::yield_iterations), 3u);
    EXPECT_EQ((rebind_platform_t<TypeParam, no_spin_members_platform>::spin_iterations), 0u);
    EXPECT_EQ((rebind_platform_t<TypeParam, no_spin_members_platform>::yield_iterations), 0u);
    // Still a working completion.
    rebind_platform_t<TypeParam, no_spin_members_platform> c;
    c.complete();
    c.wait();
    EXPECT_FALSE(c.wait_for(1ms));
  }
}

// A completion that lands while the waiter spins is consumed from the spin:
// the waiter never registers and never sleeps.
TYPED_TEST(completion_test, SpinReturnsWhenCompletedDuringSpin) {
  if constexpr (!spinning_completion<TypeParam>) {
    LASTREF_SKIP_WITHOUT(spinning_completion);
  } else {
    using C = rebind_platform_t<TypeParam, spin_counting_platform>;
    for (bool all : {false, true}) {
      spin_counting_platform::reset();
      C c;
      spin_counting_platform::at_pause = [&] {
        if (spin_counting_platform::pauses == 3) all ? c.complete_all() : c.complete();
      };
      // Without a spin phase the waiter would get here: end the wait so the
      // expectations below fail instead of the test hanging.
      spin_counting_platform::at_futex_wait = [&] { c.complete(); };
      c.wait();
      EXPECT_EQ(spin_counting_platform::pauses, 3u);
      EXPECT_EQ(spin_counting_platform::futex_waits, 0u);
      EXPECT_EQ(completion_waiters(c), 0u);
      EXPECT_EQ(completion_count(c), all ? C::done_all : 0u);
    }
    spin_counting_platform::reset();
    C c;
    spin_counting_platform::at_pause = [&] {
      if (spin_counting_platform::pauses == 2) c.complete();
    };
    spin_counting_platform::at_futex_wait = [&] { c.complete(); };
    EXPECT_TRUE(c.wait_for(1h));
    EXPECT_EQ(spin_counting_platform::pauses, 2u);
    EXPECT_EQ(spin_counting_platform::yields, 0u);
    EXPECT_EQ(spin_counting_platform::futex_waits, 0u);
    EXPECT_EQ(completion_count(c), 0u);
    // ...and during the yield phase.
    spin_counting_platform::reset();
    spin_counting_platform::at_pause = [&] {
      if (spin_counting_platform::yields == 2) c.complete();
    };
    spin_counting_platform::at_futex_wait = [&] { c.complete(); };
    c.wait();
    EXPECT_EQ(spin_counting_platform::pauses, 5u);
    EXPECT_EQ(spin_counting_platform::yields, 2u);
    EXPECT_EQ(spin_counting_platform::futex_waits, 0u);
    EXPECT_EQ(completion_count(c), 0u);
    spin_counting_platform::reset();
  }
}

// The spin is bounded: exactly wait_spin_iterations pauses and
// wait_yield_iterations yields, then the waiter registers and sleeps; a wake
// then finds it registered.
TYPED_TEST(completion_test, SpinIsBoundedThenSleeps) {
  if constexpr (!spinning_completion<TypeParam>) {
    LASTREF_SKIP_WITHOUT(spinning_completion);
  } else {
    using C = rebind_platform_t<TypeParam, spin_counting_platform>;
    spin_counting_platform::reset();
    C c;
    spin_counting_platform::at_futex_wait = [&] {
      EXPECT_EQ(completion_waiters(c), 1u);
      c.complete();
    };
    c.wait();
    EXPECT_EQ(spin_counting_platform::pauses_before_first_futex_wait, 5u);
    EXPECT_EQ(spin_counting_platform::yields_before_first_futex_wait, 3u);
    EXPECT_EQ(spin_counting_platform::pauses, 5u);
    EXPECT_EQ(spin_counting_platform::yields, 3u);
    EXPECT_EQ(spin_counting_platform::futex_waits, 1u);
    EXPECT_EQ(completion_waiters(c), 0u);
    EXPECT_EQ(completion_count(c), 0u);
    spin_counting_platform::reset();
  }
}

// Timed waits spin at most once, still time out, and do not spin at all
// when the deadline has already passed.
TYPED_TEST(completion_test, TimedWaitsSpinThenTimeOut) {
  if constexpr (!spinning_completion<TypeParam>) {
    LASTREF_SKIP_WITHOUT(spinning_completion);
  } else {
    using C = rebind_platform_t<TypeParam, spin_counting_platform>;
    spin_counting_platform::reset();
    C c;
    EXPECT_FALSE(c.wait_for(2ms));
    EXPECT_EQ(spin_counting_platform::pauses, 5u);
    EXPECT_EQ(spin_counting_platform::yields, 3u);
    EXPECT_GE(spin_counting_platform::futex_waits, 1u);
    EXPECT_EQ(completion_waiters(c), 0u);
    spin_counting_platform::reset();
    EXPECT_FALSE(c.wait_until(C::clock::now() - 1s));
    EXPECT_FALSE(c.wait_for(0ms));
    EXPECT_FALSE(c.wait_for(-5ms));
    EXPECT_EQ(spin_counting_platform::pauses, 0u);
    EXPECT_EQ(spin_counting_platform::yields, 0u);
    EXPECT_EQ(completion_waiters(c), 0u);
    spin_counting_platform::reset();
  }
}

// Real threads, real spin: a completer that answers at once is usually
// caught by the spin, one that answers late finds the waiter asleep; both
// must return exactly once per completion and leave no waiter registered.
TYPED_TEST(completion_test, SpinAndSleepHandOffs) {
  constexpr int rounds = 2000;
  TypeParam ping, pong;
  std::thread t([&] {
    for (int i = 0; i < rounds; ++i) {
      ping.wait();
      if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
      pong.complete();
    }
  });
  for (int i = 0; i < rounds; ++i) {
    ping.complete();
    pong.wait();
  }
  t.join();
  EXPECT_FALSE(ping.done());
  EXPECT_FALSE(pong.done());
  if constexpr (counted_completion<TypeParam>) {
    EXPECT_EQ(completion_count(ping), 0u);
    EXPECT_EQ(completion_count(pong), 0u);
    EXPECT_EQ(completion_waiters(ping), 0u);
    EXPECT_EQ(completion_waiters(pong), 0u);
  }
}

}  // namespace
}  // namespace lastref::test
