// SPDX-License-Identifier: MIT
// Await loops (spin.h) under the partial-order-reducing explorer: spin
// waits are proven without a loop bound, an unreleased loop is a liveness
// failure, and the completion's bounded spin phase is explored in full.

#include <lastref/model/spin.h>

#include <gtest/gtest.h>
#include <lastref/completion.h>

#include <chrono>
#include <string>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// The proofs run under sc and under c11 (where a stalled iteration that
// read a stale value is followed by one that reads the latest stores:
// eventual visibility, spin.h).
search_result prove(const program_factory& f, std::uint64_t max_executions = 200'000,
                    std::uint8_t max_spurious = 1, memory_model m = memory_model::sc) {
  run_options o;
  o.max_spurious = max_spurious;
  o.memory = m;
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

const char* name(memory_model m) { return m == memory_model::sc ? "sc" : "c11"; }

TEST(Await, SpinCompletionProvenWithoutLoopBound) {
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (int w : {1, 3}) {
      const search_result r = prove(factory<spin_completion>(w, false), 200'000, 1, m);
      EXPECT_TRUE(r.cert.proof()) << name(m) << " " << w << ": " << r.cert.summary() << "\n"
                                  << r.failure.report();
      std::printf("spin_completion, %d waiter(s), %s: %s\n", w, name(m), r.cert.summary().c_str());
    }
}

TEST(Await, SpinCompletionRelaxedDoneIsARace) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    const search_result r = prove(factory<spin_completion>(1, true), 200'000, 1, m);
    ASSERT_TRUE(r.cert.found) << name(m) << ": " << r.cert.summary();
    EXPECT_EQ(r.failure.kind, failure_kind::data_race) << r.failure.report();
  }
}

// Nobody sets the flag (the other thread writes a different location, with
// older stores of the flag's location to read: none).
struct never_released_c11 : program {
  P::atomic<int> flag{0}, other{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      while (flag.load(mo::relaxed) == 0) await_iteration();
    } else {
      other.store(1, mo::relaxed);
      flag.store(0, mo::relaxed);  // a store the waiter may read, still 0
    }
  }
};

// c11: the waiter may read the initial 0 after the flag was set, with
// nothing else left to run; that is not a liveness failure (the store
// becomes visible), and the search still proves the protocol. A flag that is
// never set is still reported under c11.
struct late_flag : program {
  P::atomic<int> flag{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      flag.store(1, mo::relaxed);
    } else {
      while (flag.load(mo::relaxed) == 0) await_iteration();
    }
  }
};

TEST(Await, StaleReadIsNotALivenessFailureUnderC11) {
  const search_result r = prove(factory<late_flag>(), 200'000, 1, memory_model::c11);
  EXPECT_TRUE(r.cert.proof()) << r.cert.summary() << "\n" << r.failure.report();
  const search_result never = prove(factory<never_released_c11>(), 200'000, 1, memory_model::c11);
  ASSERT_TRUE(never.cert.found) << never.cert.summary();
  EXPECT_NE(never.failure.message.find("await loop never released"), std::string::npos)
      << never.failure.report();
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
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    for (int t : {2, 3}) {
      const search_result r = prove(factory<spinlock_counter>(t, false), 200'000, 1, m);
      EXPECT_TRUE(r.cert.proof()) << name(m) << " " << t << ": " << r.cert.summary() << "\n"
                                  << r.failure.report();
      std::printf("spinlock counter, %d threads, %s: %s\n", t, name(m), r.cert.summary().c_str());
    }
    const search_result b = prove(factory<spinlock_counter>(3, true), 200'000, 1, m);
    ASSERT_TRUE(b.cert.found) << name(m) << ": " << b.cert.summary();
    EXPECT_EQ(b.failure.kind, failure_kind::data_race) << b.failure.report();
  }
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
  // Under c11 too: 285,043 executions, ~15 s in the dev build (not CI-sized).
  for (memory_model m : {memory_model::sc}) {
    const search_result r = prove(factory<spinning_completion>(true, false), 300'000, 0, m);
    EXPECT_TRUE(r.cert.proof()) << name(m) << ": " << r.cert.summary() << "\n"
                                << r.failure.report();
    std::printf("spinning completion (complete_all), 2 waiters, %s: %s\n", name(m),
                r.cert.summary().c_str());
  }
}

}  // namespace
}  // namespace lastref::model
