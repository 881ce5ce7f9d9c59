// SPDX-License-Identifier: MIT
// The completion conformance suite's blocking cases under the model checker:
// the real-thread suite (primitives/tests/completion_test.cc) runs each of
// them on the one schedule the machine happens to produce, so a race in
// complete_all() that the fuzzer finds in seconds passes there. Here each
// case is a model program run for `schedules` random (sticky) and as many
// PCT (depth 3) schedules, under the default memory model (c11), with the
// model's oracles (deadlock / lost wake-up, use-after-free, data race) and
// the case's own checks.
//
// Built into a user's <name>_conformance by lastref_add_primitive (when the
// model is part of the lastref build: not under TSan) with
// LASTREF_CONFORMANCE_COMPLETION=<class template> and
// LASTREF_CONFORMANCE_HEADER=<header>; without them it runs lastref's own
// completion.
//
// Cases (Linux semantics, kernel/sched/completion.c and
// Documentation/scheduler/completion.rst):
//   CompleteAllWakesAllAndStaysDone  two waiters, each waits twice; one
//       complete_all(): every wait returns (done stays "all" until reinit).
//   EachCompleteReleasesOneWait      two waiters, two complete()s from two
//       threads: both waits return, none is lost.
//   WaiterFreesAfterWait             the waiter frees the completion as soon
//       as its wait returns, while complete() may still be running (the
//       on-stack completion pattern): no access after the free.
//   TryWaitTakesOneCompletion        complete() once, two try_wait()ers:
//       exactly one succeeds.
//   TimedWaitAccountsForTheCompletion  complete() against wait_for(1 ms),
//       the model choosing whether the timeout fires: true and nothing
//       left, or false and the completion still there.
//
// Lifetime rule: each execution's objects are made and destroyed in the
// model allocator (platform::make/destroy).
//
// Memory ordering: the completion's own; the programs add none (cells are
// plain data, checked for races by the model).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <lastref/model/model.h>

#include "lastref/completion.h"
#ifdef LASTREF_CONFORMANCE_HEADER
#include LASTREF_CONFORMANCE_HEADER
#endif

namespace {

using P = lastref::model::platform;
#ifdef LASTREF_CONFORMANCE_COMPLETION
using C = LASTREF_CONFORMANCE_COMPLETION<P>;
#else
using C = lastref::basic_completion<P>;
#endif

// Random and PCT schedules per case; each execution is a few dozen steps.
constexpr std::uint64_t schedules = 300;

// Runs `Program` for `schedules` random and `schedules` PCT schedules; the
// first failure's report (violation, trace, replay token) is the message.
template <class Program>
void explore_both() {
  lastref::model::checker c;
  const lastref::model::program_factory f = lastref::model::factory<Program>();
  lastref::model::random_source rnd(1);
  const auto r = c.explore(f, rnd, schedules, {});
  ASSERT_FALSE(r.found()) << "random schedule " << r.executions << " of " << schedules << ":\n"
                          << r.failure.report();
  EXPECT_EQ(r.executions, schedules);
  lastref::model::pct_source pct(1, 3);
  const auto q = c.explore(f, pct, schedules, {});
  ASSERT_FALSE(q.found()) << "PCT schedule " << q.executions << " of " << schedules << ":\n"
                          << q.failure.report();
  EXPECT_EQ(q.executions, schedules);
}

struct complete_all_program : lastref::model::program {
  C* c = nullptr;
  int threads() const override { return 3; }
  void setup() override {
    c = P::make<C>();
    lastref::model::label(c, "completion");
  }
  void run(int t) override {
    if (t == 0) {
      c->complete_all();
    } else {
      c->wait();
      c->wait();  // complete_all stays done: a second wait returns too
    }
  }
  void check() override { P::destroy(c); }
};

struct each_complete_program : lastref::model::program {
  C* c = nullptr;
  int threads() const override { return 4; }
  void setup() override {
    c = P::make<C>();
    lastref::model::label(c, "completion");
  }
  void run(int t) override {
    if (t < 2)
      c->complete();
    else
      c->wait();
  }
  void check() override { P::destroy(c); }
};

struct waiter_frees_program : lastref::model::program {
  struct box {
    C done;
    P::cell<int> payload;
  };
  box* b = nullptr;
  int threads() const override { return 2; }
  void setup() override {
    b = P::make<box>();
    lastref::model::label(&b->done, "completion (freed by the waiter)");
  }
  void run(int t) override {
    if (t == 0) {
      b->payload.write(1);
      b->done.complete();  // must not touch b once the waiter can return
    } else {
      b->done.wait();
      lastref::model::check(b->payload.read() == 1, "the waiter saw the completer's write");
      P::destroy(b);
    }
  }
};

struct try_wait_program : lastref::model::program {
  C* c = nullptr;
  P::cell<int> taken[2];
  int threads() const override { return 3; }
  void setup() override { c = P::make<C>(); }
  void run(int t) override {
    if (t == 0)
      c->complete();
    else
      taken[t - 1].write(c->try_wait() ? 1 : 0);
  }
  void check() override {
    lastref::model::check(taken[0].read() + taken[1].read() <= 1,
                          "one complete() was taken by two try_wait()s");
    P::destroy(c);
  }
};

// A timed wait either takes the completion and says so, or times out and
// leaves it: whichever it reports, exactly one completion is accounted for
// (the model decides whether the timeout fires).
struct timed_wait_program : lastref::model::program {
  C* c = nullptr;
  P::cell<int> got;
  int threads() const override { return 2; }
  void setup() override {
    c = P::make<C>();
    lastref::model::label(c, "completion");
  }
  void run(int t) override {
    if (t == 0)
      c->complete();
    else
      got.write(c->wait_for(std::chrono::milliseconds(1)) ? 1 : 0);
  }
  void check() override {
    const int left = c->try_wait() ? 1 : 0;
    lastref::model::check(got.read() + left == 1,
                          "wait_for's answer and the completions left disagree: a complete() was "
                          "lost (taken by a wait_for that reported a timeout) or made up");
    P::destroy(c);
  }
};

TEST(completion_model, CompleteAllWakesAllAndStaysDone) { explore_both<complete_all_program>(); }
TEST(completion_model, EachCompleteReleasesOneWait) { explore_both<each_complete_program>(); }
TEST(completion_model, WaiterFreesAfterWait) { explore_both<waiter_frees_program>(); }
TEST(completion_model, TryWaitTakesOneCompletion) { explore_both<try_wait_program>(); }
TEST(completion_model, TimedWaitAccountsForTheCompletion) { explore_both<timed_wait_program>(); }

}  // namespace
