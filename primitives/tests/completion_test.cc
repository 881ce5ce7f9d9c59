// completion unit tests: complete vs complete_all with several waiters,
// saturation, try_wait/done, timeouts (including a completion that arrives
// at the deadline), reinit, the hard rule (a waiter frees the completion as
// soon as wait returns; run under ASan) and threaded smoke tests.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "hostile_platform.h"
#include "implementations.h"
#include "lastref/completion.h"

namespace lastref::test {
namespace {

using namespace std::chrono_literals;

// Spins (yielding) until pred holds; bounded so a bug fails instead of hanging.
template <class Pred>
bool eventually(Pred pred) {
  for (long i = 0; i < 20'000'000; ++i) {
    if (pred()) return true;
    std::this_thread::yield();
  }
  return pred();
}

template <class C>
class completion_test : public ::testing::Test {};
TYPED_TEST_SUITE(completion_test, completion_implementations);

TYPED_TEST(completion_test, InitiallyNotDone) {
  TypeParam c;
  EXPECT_FALSE(c.done());
  EXPECT_EQ(c.count(), 0u);
  EXPECT_FALSE(c.try_wait());
  EXPECT_EQ(c.waiters(), 0u);
}

TYPED_TEST(completion_test, CompleteIsCounted) {
  TypeParam c;
  c.complete();
  c.complete();
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.count(), 2u);
  EXPECT_TRUE(c.try_wait());
  c.wait();
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
}

TYPED_TEST(completion_test, CompleteAllStaysDoneUntilReinit) {
  TypeParam c;
  c.complete();
  c.complete_all();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(c.try_wait());
    c.wait();
    EXPECT_TRUE(c.wait_for(0ms));
  }
  EXPECT_EQ(c.count(), TypeParam::done_all);
  c.complete();  // no effect on "all"
  EXPECT_EQ(c.count(), TypeParam::done_all);
  c.reinit();
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.try_wait());
  c.complete();
  EXPECT_TRUE(c.try_wait());
  EXPECT_FALSE(c.done());
}

TYPED_TEST(completion_test, CompleteSaturates) {
  TypeParam c;
  for (std::uint32_t i = 0; i < TypeParam::done_max; ++i) c.complete();
  EXPECT_EQ(c.count(), TypeParam::done_max);
  c.complete();  // saturated: does not become "all"
  EXPECT_EQ(c.count(), TypeParam::done_max);
  EXPECT_TRUE(c.try_wait());
  EXPECT_EQ(c.count(), TypeParam::done_max - 1);
}

TYPED_TEST(completion_test, WaitForTimesOutAndUnregisters) {
  TypeParam c;
  EXPECT_FALSE(c.wait_for(2ms));
  EXPECT_EQ(c.waiters(), 0u);
  EXPECT_FALSE(c.done());
  EXPECT_FALSE(c.wait_until(TypeParam::clock::now() - 1s));
  EXPECT_EQ(c.waiters(), 0u);
  c.complete();
  EXPECT_TRUE(c.wait_until(TypeParam::clock::now() - 1s));  // already done: no wait
  EXPECT_FALSE(c.done());
}

TYPED_TEST(completion_test, CompleteWakesExactlyOne) {
  constexpr int waiters = 3;
  TypeParam c;
  std::atomic<int> woken{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < waiters; ++i)
    ts.emplace_back([&] {
      c.wait();
      woken.fetch_add(1);
    });
  ASSERT_TRUE(eventually([&] { return c.waiters() == waiters; }));
  c.complete();
  ASSERT_TRUE(eventually([&] { return woken.load() == 1; }));
  EXPECT_EQ(c.count(), 0u);  // the one completion was consumed...
  // ...so the others stay asleep and registered.
  ASSERT_TRUE(eventually([&] { return c.waiters() == waiters - 1; }));
  EXPECT_EQ(woken.load(), 1);
  c.complete();
  ASSERT_TRUE(eventually([&] { return woken.load() == 2; }));
  c.complete();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woken.load(), waiters);
  EXPECT_EQ(c.waiters(), 0u);
  EXPECT_EQ(c.count(), 0u);
}

TYPED_TEST(completion_test, CompleteAllWakesAll) {
  constexpr int waiters = 4;
  TypeParam c;
  std::atomic<int> woken{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < waiters; ++i)
    ts.emplace_back([&] {
      c.wait();
      woken.fetch_add(1);
    });
  ASSERT_TRUE(eventually([&] { return c.waiters() == waiters; }));
  c.complete_all();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woken.load(), waiters);
  EXPECT_EQ(c.waiters(), 0u);
  EXPECT_TRUE(c.done());
}

TYPED_TEST(completion_test, TimedWaiterGetsCompletion) {
  TypeParam c;
  std::atomic<bool> got{false};
  std::thread t([&] { got = c.wait_for(60s); });
  ASSERT_TRUE(eventually([&] { return c.waiters() == 1u; }));
  c.complete();
  t.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(c.waiters(), 0u);
  EXPECT_FALSE(c.done());
}

// duration::max() (and anything past time_point::max()) means "forever":
// the deadline saturates instead of overflowing into the past, which would
// make the wait give up at once and report a timeout nobody waited for.
TYPED_TEST(completion_test, HugeTimeoutWaitsForTheCompletion) {
  for (std::chrono::milliseconds timeout :
       {std::chrono::milliseconds::max(),
        std::chrono::milliseconds(std::chrono::hours(24 * 365 * 300))}) {
    TypeParam c;
    std::atomic<bool> got{false};
    std::thread t([&] { got = c.wait_for(timeout); });
    ASSERT_TRUE(eventually([&] { return c.waiters() == 1u; }));
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
  constexpr int rounds = 1000;
  for (int round = 0; round < rounds; ++round) {
    auto* c = new TypeParam;
    bool all = (round % 2) != 0;
    std::thread waiter([c] {
      c->wait();
      delete c;
    });
    if (round % 3 == 0) eventually([&] { return c->waiters() == 1u; });  // also the sleeping path
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
  EXPECT_EQ(c.count(), 0u);
  EXPECT_EQ(c.waiters(), 0u);
}

// A completion that lands exactly at the deadline counts: this platform's
// timed futex wait always times out, after running a hook that completes.
struct deadline_platform : std_platform {
  static inline std::function<void()> at_deadline;
  static bool futex_wait_until(atomic<std::uint32_t>&, std::uint32_t, clock::time_point) {
    if (at_deadline) at_deadline();
    return false;
  }
};

TYPED_TEST(completion_test, CompletionAtDeadlineCounts) {
  rebind_platform_t<TypeParam, deadline_platform> c;
  int hooks = 0;
  deadline_platform::at_deadline = [&] {
    ++hooks;
    c.complete();
  };
  EXPECT_TRUE(c.wait_for(1h));
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(c.waiters(), 0u);
  EXPECT_FALSE(c.done());
  deadline_platform::at_deadline = [&] { ++hooks; };
  EXPECT_FALSE(c.wait_for(1h));
  EXPECT_EQ(hooks, 2);
  EXPECT_EQ(c.waiters(), 0u);
  deadline_platform::at_deadline = nullptr;
}

}  // namespace
}  // namespace lastref::test
