// SPDX-License-Identifier: MIT
// Every oracle fires on a small broken program and is silent on its fix.
// Broken programs are searched exhaustively (DFS) or with many random
// schedules; fixed ones must pass a complete DFS (or the same random run).

#include <gtest/gtest.h>
#include <lastref/completion.h>
#include <lastref/module.h>
#include <lastref/refcount.h>

#include <chrono>
#include <stdexcept>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// Exhaustive search with `bound` preemptions; expects it to complete.
explore_result dfs(const program_factory& f, int bound = 2, run_options o = {}) {
  checker c;
  dfs_source d(bound);
  return c.explore(f, d, 2'000'000, o);
}

explore_result random_search(const program_factory& f, std::uint64_t n = 2000, run_options o = {}) {
  checker c;
  random_source r(42);
  return c.explore(f, r, n, o);
}

void expect_fires(const explore_result& e, failure_kind k) {
  ASSERT_TRUE(e.found()) << "oracle " << failure_name(k) << " did not fire in " << e.executions
                         << " executions";
  EXPECT_EQ(e.failure.kind, k) << e.failure.report();
  EXPECT_FALSE(e.failure.nondeterministic) << e.failure.report();
  EXPECT_FALSE(e.failure.trace.empty());
  EXPECT_EQ(e.failure.token.rfind("lastref-replay:v2:c11:", 0), 0u);  // c11 is the default model
}

void expect_silent(const explore_result& e, bool must_complete = true) {
  EXPECT_FALSE(e.found()) << e.failure.report();
  if (must_complete) {
    EXPECT_TRUE(e.complete) << "search incomplete after " << e.executions;
  }
}

// ---------------------------------------------------------------- deadlock / lost wake-up

// The waiter sleeps on a word the waker never changes: if the wake comes
// before the sleep it is lost. Fixed: sleep on the flag itself.
struct lost_wakeup : program {
  P::atomic<std::uint32_t> flag{0};
  P::atomic<std::uint32_t> other{0};
  bool fixed;
  explicit lost_wakeup(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      flag.store(1, mo::release);
      P::futex_wake_all(fixed ? flag : other);
    } else {
      while (flag.load(mo::acquire) == 0) {
        if (fixed)
          P::futex_wait(flag, 0);
        else
          P::futex_wait(other, 0);
      }
    }
  }
};

TEST(Oracle, DeadlockFiresOnLostWakeup) {
  auto e = dfs(factory<lost_wakeup>(false));
  expect_fires(e, failure_kind::deadlock);
  EXPECT_NE(e.failure.message.find("lost wake-up"), std::string::npos);
}
TEST(Oracle, DeadlockSilentWhenWaitingOnTheFlag) { expect_silent(dfs(factory<lost_wakeup>(true))); }

// Two mutexes in opposite orders: the classic ABBA deadlock.
struct abba : program {
  P::mutex a, b;
  bool fixed;
  explicit abba(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void run(int t) override {
    P::mutex& first = (t == 0 || fixed) ? a : b;
    P::mutex& second = (t == 0 || fixed) ? b : a;
    first.lock();
    second.lock();
    second.unlock();
    first.unlock();
  }
};

TEST(Oracle, DeadlockFiresOnLockOrderInversion) {
  expect_fires(dfs(factory<abba>(false)), failure_kind::deadlock);
}
TEST(Oracle, DeadlockSilentOnConsistentLockOrder) { expect_silent(dfs(factory<abba>(true))); }

// ---------------------------------------------------------------- step budget

// Spins until another thread sets a flag; the broken variant never sets it.
struct spinner : program {
  P::atomic<int> flag{0};
  bool fixed;
  explicit spinner(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      while (flag.load(mo::acquire) == 0) P::preemption_point();
    } else if (fixed) {
      flag.store(1, mo::release);
    }
  }
};

TEST(Oracle, StepBudgetFiresOnLivelock) {
  run_options o;
  o.max_steps = 500;
  expect_fires(random_search(factory<spinner>(false), 10, o), failure_kind::step_budget);
}
TEST(Oracle, StepBudgetSilentWhenTheFlagIsSet) {
  run_options o;
  o.max_steps = 5000;
  expect_silent(random_search(factory<spinner>(true), 2000, o), false);
}

// ---------------------------------------------------------------- use after free

struct box {
  P::atomic<int> x{0};
  P::atomic<std::uint32_t> done{0};
};

// T0 frees the box; T1 still loads from it. Fixed: T0 waits for T1's done.
struct uaf : program {
  box* b = nullptr;
  P::atomic<std::uint32_t> t1_done{0};
  bool fixed;
  explicit uaf(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void setup() override {
    b = P::make<box>();
    label(b, "box");
  }
  void run(int t) override {
    if (t == 0) {
      if (fixed)
        while (t1_done.load(mo::acquire) == 0) P::futex_wait(t1_done, 0);
      P::destroy(b);
    } else {
      (void)b->x.load(mo::relaxed);
      t1_done.store(1, mo::release);
      P::futex_wake_one(t1_done);
    }
  }
};

TEST(Oracle, UseAfterFreeFiresAndNamesTheFreeingStep) {
  auto e = dfs(factory<uaf>(false));
  expect_fires(e, failure_kind::use_after_free);
  EXPECT_NE(e.failure.message.find("freed at step"), std::string::npos) << e.failure.message;
  EXPECT_NE(e.failure.message.find("box"), std::string::npos) << e.failure.message;
}
TEST(Oracle, UseAfterFreeSilentWhenTheFreeWaits) { expect_silent(dfs(factory<uaf>(true))); }

// The completion hard rule: a waiter may free the completion as soon as
// wait() returns; complete()'s futex wake on the freed word is allowed.
struct free_after_wait : program {
  basic_completion<P>* c = nullptr;
  int threads() const override { return 2; }
  void setup() override { c = P::make<basic_completion<P>>(); }
  void run(int t) override {
    if (t == 0) {
      c->complete();
    } else {
      c->wait();
      P::destroy(c);
    }
  }
};

TEST(Oracle, FutexWakeOnFreedWordIsAllowed) { expect_silent(dfs(factory<free_after_wait>(), 3)); }

// ---------------------------------------------------------------- double / invalid free

// Each thread drops a reference; the broken test frees on "at most 2 were
// left" instead of "I dropped the last one", so both threads free.
struct double_free : program {
  box* b = nullptr;
  P::atomic<int> refs{2};
  bool fixed;
  explicit double_free(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void setup() override { b = P::make<box>(); }
  void run(int) override {
    const int old = refs.fetch_sub(1, mo::acq_rel);
    if (fixed ? old == 1 : old <= 2) P::destroy(b);
  }
};

TEST(Oracle, DoubleFreeFires) {
  auto e = dfs(factory<double_free>(false));
  expect_fires(e, failure_kind::double_free);
  EXPECT_NE(e.failure.message.find("already destroyed at step"), std::string::npos);
}
TEST(Oracle, DoubleFreeSilentWithAnAtomicDecrement) {
  expect_silent(dfs(factory<double_free>(true)));
}

// Freeing an interior pointer: not a block the model allocator handed out.
struct invalid_free : program {
  int threads() const override { return 1; }
  void run(int) override {
    struct pair {
      box a, b;
    };
    pair* p = P::make<pair>();
    P::destroy(&p->b);
  }
};

TEST(Oracle, InvalidFreeFiresOnMemoryNotFromTheModelAllocator) {
  expect_fires(dfs(factory<invalid_free>()), failure_kind::invalid_free);
}

// ---------------------------------------------------------------- data races

struct shared {
  P::cell<int> data{0};
  P::mutex m;
};

// Two writers; the fixed one takes the mutex.
struct ww_race : program {
  shared s;
  bool fixed;
  explicit ww_race(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void setup() override { label(&s.data, "s.data"); }
  void run(int t) override {
    if (fixed) s.m.lock();
    s.data.write(s.data.read() + t + 1);
    if (fixed) s.m.unlock();
  }
  void check() override { model::check(!fixed || s.data.read() == 3, "both increments happened"); }
};

TEST(Oracle, DataRaceFiresOnUnlockedWritesAndNamesBothAccesses) {
  auto e = dfs(factory<ww_race>(false));
  expect_fires(e, failure_kind::data_race);
  EXPECT_NE(e.failure.message.find("s.data"), std::string::npos) << e.failure.message;
  EXPECT_NE(e.failure.message.find("T0"), std::string::npos) << e.failure.message;
  EXPECT_NE(e.failure.message.find("T1"), std::string::npos) << e.failure.message;
}
TEST(Oracle, DataRaceSilentUnderAMutex) { expect_silent(dfs(factory<ww_race>(true))); }

// The put that frees after its decrement: each holder writes the object,
// then drops its reference; the last one frees it. Only the orders decide.
enum class put_order { relaxed, release_only, acq_rel, fences };

struct object_with_data {
  P::cell<int> data[2];
  P::atomic<int> refs{2};
};

struct refcounted_free : program {
  object_with_data* o = nullptr;
  put_order order;
  explicit refcounted_free(put_order p) : order(p) {}
  int threads() const override { return 2; }
  void setup() override { o = P::make<object_with_data>(); }
  void run(int t) override {
    o->data[t].write(t);
    bool last = false;
    switch (order) {
      case put_order::relaxed:
        last = o->refs.fetch_sub(1, mo::relaxed) == 1;
        break;
      case put_order::release_only:
        last = o->refs.fetch_sub(1, mo::release) == 1;
        break;
      case put_order::acq_rel:
        last = o->refs.fetch_sub(1, mo::acq_rel) == 1;
        break;
      case put_order::fences:
        P::fence(mo::release);
        last = o->refs.fetch_sub(1, mo::relaxed) == 1;
        if (last) P::fence(mo::acquire);
        break;
    }
    if (last) P::destroy(o);
  }
};

TEST(Oracle, DataRaceCatchesRelaxedPut) {
  expect_fires(dfs(factory<refcounted_free>(put_order::relaxed)), failure_kind::data_race);
}
TEST(Oracle, DataRaceCatchesPutWithoutAcquire) {
  auto e = dfs(factory<refcounted_free>(put_order::release_only));
  expect_fires(e, failure_kind::data_race);
  EXPECT_NE(e.failure.message.find("destroy"), std::string::npos) << e.failure.message;
}
TEST(Oracle, DataRaceSilentOnAcqRelPut) {
  expect_silent(dfs(factory<refcounted_free>(put_order::acq_rel), 3));
}
TEST(Oracle, DataRaceSilentOnRelaxedPutBetweenFences) {
  expect_silent(dfs(factory<refcounted_free>(put_order::fences), 3));
}

// Message passing: release/acquire synchronises, relaxed does not, and a
// (relaxed) RMW by a third thread continues T0's release sequence.
struct message_passing : program {
  P::cell<int> payload{0};
  P::atomic<int> flag{0};
  mo store_mo, load_mo;
  bool via_rmw;
  message_passing(mo s, mo l, bool rmw) : store_mo(s), load_mo(l), via_rmw(rmw) {}
  int threads() const override { return via_rmw ? 3 : 2; }
  void run(int t) override {
    if (t == 0) {
      payload.write(1);
      flag.store(1, store_mo);
    } else if (t == 1) {
      if (flag.load(load_mo) == (via_rmw ? 2 : 1)) (void)payload.read();
    } else {
      int v = 1;
      (void)flag.compare_exchange_strong(v, 2, mo::relaxed, mo::relaxed);
    }
  }
};

TEST(Oracle, DataRaceFiresOnRelaxedMessagePassing) {
  expect_fires(dfs(factory<message_passing>(mo::relaxed, mo::acquire, false)),
               failure_kind::data_race);
  expect_fires(dfs(factory<message_passing>(mo::release, mo::relaxed, false)),
               failure_kind::data_race);
}
TEST(Oracle, DataRaceSilentOnReleaseAcquire) {
  expect_silent(dfs(factory<message_passing>(mo::release, mo::acquire, false), 3));
}
TEST(Oracle, ReleaseSequenceContinuesThroughRmw) {
  expect_silent(dfs(factory<message_passing>(mo::release, mo::acquire, true), 3));
  expect_fires(dfs(factory<message_passing>(mo::relaxed, mo::acquire, true), 3),
               failure_kind::data_race);
}

// ---------------------------------------------------------------- refcount reports

// Three puts on a refcount of 2 (broken) underflow; two (fixed) do not.
struct refcount_underflow : program {
  basic_refcount<P> r{2};
  bool fixed;
  explicit refcount_underflow(bool f) : fixed(f) {}
  int threads() const override { return fixed ? 2 : 3; }
  void run(int) override { (void)r.dec_and_test(); }
};

TEST(Oracle, RefcountReportIsAFailure) {
  auto e = dfs(factory<refcount_underflow>(false));
  expect_fires(e, failure_kind::refcount);
  EXPECT_NE(e.failure.message.find("underflow; use-after-free"), std::string::npos)
      << e.failure.message;
}
TEST(Oracle, RefcountSilentWhenBalanced) { expect_silent(dfs(factory<refcount_underflow>(true))); }

// ---------------------------------------------------------------- unloaded module text

// A module "kthread" (T0) signals the unloader from inside module text. The
// broken one returns through its residency scope after complete(); the fixed
// one uses complete_and_exit (kthread_complete_and_exit), which ends its
// residency first and never returns into the text.
struct kthread_exit_prog : program {
  basic_module<P>* mod = nullptr;
  basic_completion<P> done;
  bool fixed;
  explicit kthread_exit_prog(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void setup() override {
    mod = P::make<basic_module<P>>("kmod", std::function<void()>{}, unload_policy::immediate);
    label(mod, "kmod");
    mod->mark_live();
  }
  void run(int t) override {
    if (t == 0) {
      typename basic_module<P>::residency_scope scope(*mod);
      if (fixed) complete_and_exit(done, scope);
      done.complete();
    } else {
      done.wait();
      model::check(mod->unload() == unload_result::ok, "unload succeeds");
    }
  }
};

TEST(Oracle, UnloadedTextFiresOnReturnIntoUnmappedText) {
  auto e = dfs(factory<kthread_exit_prog>(false));
  expect_fires(e, failure_kind::unloaded_text);
  EXPECT_NE(e.failure.message.find("kmod"), std::string::npos) << e.failure.message;
  EXPECT_NE(e.failure.message.find("T0"), std::string::npos) << e.failure.message;
  EXPECT_NE(e.failure.message.find("unmapped at step"), std::string::npos) << e.failure.message;
}
TEST(Oracle, UnloadedTextSilentWithCompleteAndExit) {
  expect_silent(dfs(factory<kthread_exit_prog>(true), 3));
}

// Same with the module pin: module_put_and_exit vs put-then-return.
struct module_put_prog : program {
  basic_module<P>* mod = nullptr;
  bool fixed;
  explicit module_put_prog(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void setup() override {
    mod = P::make<basic_module<P>>("kmod", std::function<void()>{}, unload_policy::immediate);
    label(mod, "kmod");
    mod->mark_live();
    model::check(mod->try_get(), "pin");
  }
  void run(int t) override {
    if (t == 0) {
      typename basic_module<P>::residency_scope scope(*mod);
      if (fixed) module_put_and_exit(*mod, scope);
      mod->put();
    } else {
      while (mod->unload() == unload_result::would_block) P::preemption_point();
    }
  }
};

TEST(Oracle, UnloadedTextFiresOnPutThenReturn) {
  expect_fires(random_search(factory<module_put_prog>(false), 5000), failure_kind::unloaded_text);
}
TEST(Oracle, UnloadedTextSilentWithModulePutAndExit) {
  expect_silent(random_search(factory<module_put_prog>(true), 5000), false);
}

// Entering text that is already gone is reported too.
struct enter_gone : program {
  int text = 0;
  int threads() const override { return 1; }
  void run(int) override {
    P::text_unmap(&text);
    P::text_enter(&text);
    P::text_leave(&text);
  }
};

TEST(Oracle, UnloadedTextFiresOnEnteringUnmappedText) {
  expect_fires(dfs(factory<enter_gone>()), failure_kind::unloaded_text);
}

// ---------------------------------------------------------------- invariants

struct exactly_once_prog : program {
  exactly_once once{"release"};
  P::atomic<int> refs{2};
  bool fixed;
  explicit exactly_once_prog(bool f) : fixed(f) {}
  int threads() const override { return 2; }
  void run(int) override {
    // Broken: "last" decided from a separate load, so both may release.
    const bool last = fixed ? refs.fetch_sub(1, mo::acq_rel) == 1
                            : (refs.fetch_sub(1, mo::acq_rel), refs.load(mo::acquire) == 0);
    if (last) once.hit();
  }
  void check() override { once.expect_once(); }
};

TEST(Oracle, InvariantFiresWhenReleaseRunsTwice) {
  auto e = dfs(factory<exactly_once_prog>(false));
  expect_fires(e, failure_kind::invariant);
  EXPECT_NE(e.failure.message.find("release ran more than once"), std::string::npos)
      << e.failure.message;
}
TEST(Oracle, InvariantSilentWhenReleaseRunsOnce) {
  expect_silent(dfs(factory<exactly_once_prog>(true)));
}

struct final_check : program {
  P::atomic<int> n{0};
  int threads() const override { return 2; }
  void run(int) override { n.store(n.load(mo::relaxed) + 1, mo::relaxed); }  // lost update
  void check() override { model::check(n.load(mo::relaxed) == 2, "no increment lost"); }
};

TEST(Oracle, InvariantInFinalCheck) {
  auto e = dfs(factory<final_check>());
  expect_fires(e, failure_kind::invariant);
  EXPECT_NE(e.failure.message.find("no increment lost"), std::string::npos);
}

struct throws : program {
  int threads() const override { return 1; }
  void run(int) override { throw std::runtime_error("boom"); }
};

struct throws_in_setup : program {
  int threads() const override { return 1; }
  void setup() override { throw std::runtime_error("boom"); }
  void run(int) override {}
};

TEST(Oracle, EscapingExceptionIsAFailure) {
  expect_fires(dfs(factory<throws>()), failure_kind::exception);
  expect_fires(dfs(factory<throws_in_setup>()), failure_kind::exception);
}

}  // namespace
}  // namespace lastref::model
