// SPDX-License-Identifier: MIT
// Await loops (spin.h) under the partial-order-reducing explorer: spin
// waits are proven without a loop bound, an unreleased loop is a liveness
// failure, and the completion's bounded spin phase is explored in full.

#include "fuzz/model/spin.h"

#include <gtest/gtest.h>
#include <lastref/completion.h>

#include <chrono>
#include <string>

#include "fuzz/model/model.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// Await-loop detection is sound under sc only: under c11 a released loop
// may read the stale value again (nothing in the model yet makes a write
// eventually visible to a spinning reader), which would be reported as
// never released. These proofs run under sc.
search_result prove(const program_factory& f, std::uint64_t max_executions = 200'000,
                    std::uint8_t max_spurious = 1) {
  run_options o;
  o.max_spurious = max_spurious;
  o.memory = memory_model::sc;
  checker c;
  return search(c, f, {.max_executions = max_executions}, o);
}

// GenMC's spin_completion.c / spin_completion3.c test programs:
// the completer writes the payload and sets done (release); each waiter
// spins until done (acquire) and checks the payload.
struct spin_completion : program {
  P::cell<int> payload{0};
  P::atomic<int> done{0};
  int waiters;
  bool relaxed;
  spin_completion(int w, bool r) : waiters(w), relaxed(r) {}
  int threads() const override { return waiters + 1; }
  void run(int t) override {
    if (t == waiters) {
      payload.write(42);
      done.store(1, relaxed ? mo::relaxed : mo::release);
    } else {
      while (done.load(relaxed ? mo::relaxed : mo::acquire) == 0) await_iteration();
      model::check(payload.read() == 42, "payload published before done");
    }
  }
};

TEST(Await, SpinCompletionProvenWithoutLoopBound) {
  for (int w : {1, 3}) {
    const search_result r = prove(factory<spin_completion>(w, false));
    EXPECT_TRUE(r.cert.proof()) << w << ": " << r.cert.summary() << "\n" << r.failure.report();
    std::printf("spin_completion, %d waiter(s): %s\n", w, r.cert.summary().c_str());
  }
}

TEST(Await, SpinCompletionRelaxedDoneIsARace) {
  const search_result r = prove(factory<spin_completion>(1, true));
  ASSERT_TRUE(r.cert.found) << r.cert.summary();
  EXPECT_EQ(r.failure.kind, failure_kind::data_race) << r.failure.report();
}

// Nobody ever sets the flag: the waiter can never leave its loop.
struct never_released : program {
  P::atomic<int> flag{0}, other{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      while (flag.load(mo::acquire) == 0) await_iteration();
    } else {
      other.store(1);
    }
  }
};

TEST(Await, UnreleasedLoopIsALivenessFailure) {
  const search_result r = prove(factory<never_released>());
  ASSERT_TRUE(r.cert.found) << r.cert.summary();
  EXPECT_EQ(r.failure.kind, failure_kind::invariant);
  EXPECT_NE(r.failure.message.find("await loop never released"), std::string::npos)
      << r.failure.report();
  EXPECT_FALSE(r.failure.nondeterministic);
  EXPECT_FALSE(r.failure.trace.empty());
}

// A test-and-test-and-set spinlock around a plain counter; `broken` lets
// the last thread skip the lock.
struct spinlock_counter : program {
  P::atomic<int> lock{0};
  P::cell<int> n{0};
  int threads_;
  bool broken;
  spinlock_counter(int t, bool b) : threads_(t), broken(b) {}
  int threads() const override { return threads_; }
  void run(int t) override {
    const bool use = !(broken && t == threads_ - 1);
    if (use)
      while (lock.exchange(1, mo::acquire) != 0)
        while (lock.load(mo::relaxed) != 0) await_iteration();
    n.write(n.read() + 1);
    if (use) lock.store(0, mo::release);
  }
  void check() override { model::check(n.read() == threads_, "no lost increment"); }
};

TEST(Await, SpinlockProvenAndBrokenOneFound) {
  for (int t : {2, 3}) {
    const search_result r = prove(factory<spinlock_counter>(t, false));
    EXPECT_TRUE(r.cert.proof()) << t << ": " << r.cert.summary() << "\n" << r.failure.report();
    std::printf("spinlock counter, %d threads: %s\n", t, r.cert.summary().c_str());
  }
  const search_result b = prove(factory<spinlock_counter>(3, true));
  ASSERT_TRUE(b.cert.found) << b.cert.summary();
  EXPECT_EQ(b.failure.kind, failure_kind::data_race) << b.failure.report();
}

// The real completion with its bounded spin phase on (2 polls here, a
// preemption point each; the real platform's 16 are benchmark-size): one
// completer (complete_all) and two waiters, every schedule, spurious
// wake-ups not offered (with them: 146,505 executions, ~5 s in the dev
// build; with one complete() per waiter the search exceeds 300,000
// executions: the CAS loops of complete and consume multiply).
struct spinning_completion : program {
  using SP = spinning_platform<2>;
  basic_completion<SP> done;
  P::cell<int> payload{0};
  bool all, timed;  // complete_all (else one complete per waiter); T1 uses wait_for
  spinning_completion(bool a, bool t) : all(a), timed(t) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 2) {
      payload.write(1);
      if (all) {
        done.complete_all();
      } else {
        done.complete();
        done.complete();
      }
    } else if (t == 1 && timed) {
      if (done.wait_for(std::chrono::milliseconds(5))) model::check(payload.read() == 1, "payload");
    } else {
      done.wait();
      model::check(payload.read() == 1, "payload");
    }
  }
};

TEST(Await, CompletionSpinPhaseProven) {
  const search_result r = prove(factory<spinning_completion>(true, false), 300'000, 0);
  EXPECT_TRUE(r.cert.proof()) << r.cert.summary() << "\n" << r.failure.report();
  std::printf("spinning completion (complete_all), 2 waiters: %s\n", r.cert.summary().c_str());
}

}  // namespace
}  // namespace lastref::model
