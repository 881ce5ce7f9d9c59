// SPDX-License-Identifier: MIT
// Held-out round 5 (fuzz/model/tests/heldout5/README.md): bug/fix pairs
// around hinted retry CASes (lastref/detail/retry.h), written before reading
// how the model implements the reduction. Each bug is searched by unbounded
// DPOR under sc and c11 with run_options::prune_failed_retries on and off;
// each fix must be proven under both settings. The expectations (found or
// missed, failure kind) are the README's, written before the first run.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <lastref/detail/retry.h>
#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

// P1: "last" decided from a load taken before the hinted loop (the loop has
// its own load, which its CAS confirms). Two holders of a count of 2 can
// both read 2 first: nobody frees.
struct stale_last : program {
  bool bug;
  P::atomic<int> rc{2};
  int frees = 0;
  explicit stale_last(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int) override {
    const int before = rc.load(mo::acquire);
    int old = rc.load(mo::relaxed);
    while (!lastref::detail::retry_cas_weak<P>(rc, old, old - 1, mo::acq_rel, mo::relaxed)) {
    }
    if ((bug ? before : old) == 1) ++frees;
  }
  void check() override { model::check(frees == 1, "the last put frees exactly once"); }
};

// P2: a waiter registers with a hinted CAS loop and sleeps on the
// registration word; the bug keeps "done" in another word, so the
// completer's wake can come before the wait and the wait then sleeps on a
// value nobody changes. The fix puts "done" in bit 0 of the same word.
struct lost_wake : program {
  bool bug;
  P::atomic<std::uint32_t> w{0};
  P::atomic<int> done{0};  // the bug's separate flag
  explicit lost_wake(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (bug) {
      if (t == 0) {
        std::uint32_t old = w.load(mo::relaxed);
        while (!lastref::detail::retry_cas_weak<P>(w, old, old + 1, mo::acq_rel, mo::relaxed)) {
        }
        if (done.load(mo::acquire) == 0) P::futex_wait(w, old + 1);
      } else {
        done.store(1, mo::release);
        if (w.load(mo::acquire) != 0) P::futex_wake_all(w);
      }
      return;
    }
    if (t == 0) {
      std::uint32_t old = w.load(mo::acquire);
      do {
        if ((old & 1u) != 0) return;
      } while (!lastref::detail::retry_cas_weak<P>(w, old, old + 2, mo::acq_rel, mo::acquire));
      P::futex_wait(w, old + 2);
    } else {
      if ((w.fetch_or(1u, mo::acq_rel) >> 1) != 0) P::futex_wake_all(w);
    }
  }
};

// P3: kref put whose hinted dec loop succeeds relaxed; each holder wrote
// its own cell, the last one reads both and frees.
struct relaxed_put : program {
  struct obj {
    P::cell<int> d[2]{P::cell<int>{0}, P::cell<int>{0}};
    P::atomic<int> rc{2};
  };
  bool bug;
  obj* o = nullptr;
  explicit relaxed_put(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void setup() override { o = P::make<obj>(); }
  void run(int t) override {
    o->d[t].write(t + 1);
    int old = o->rc.load(mo::relaxed);
    while (!lastref::detail::retry_cas_weak<P>(o->rc, old, old - 1, bug ? mo::relaxed : mo::acq_rel,
                                               mo::relaxed)) {
    }
    if (old == 1) {
      model::check(o->d[0].read() + o->d[1].read() == 3, "both holders' writes seen");
      P::destroy(o);
    }
  }
};

// P4: the loop's first read is acquire; the CAS's failure (and success)
// order is relaxed. Only a failed CAS leaves the thread with the published
// value read relaxed, and then the cell read races with its write.
struct acquire_first_read_only : program {
  bool bug;
  P::atomic<int> x{0};
  P::cell<int> c{0};
  explicit acquire_first_read_only(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      c.write(42);
      x.store(1, mo::release);
      return;
    }
    int old = x.load(mo::acquire);
    while (!lastref::detail::retry_cas_weak<P>(x, old, old + 10, mo::relaxed,
                                               bug ? mo::relaxed : mo::acquire)) {
    }
    if (old == 1) model::check(c.read() == 42, "published value seen");
  }
};

// P5 (breaks the contract on purpose: counts its retries): gives up after
// one failed CAS and falls back to a plain store, losing an update.
struct counts_retries : program {
  bool bug;
  P::atomic<int> x{0};
  explicit counts_retries(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int) override {
    int old = x.load(mo::relaxed);
    if (bug) {
      const int want = old + 1;  // from the first read: stale once the CAS failed
      if (!lastref::detail::retry_cas_strong<P>(x, old, want, mo::relaxed, mo::relaxed))
        x.store(want, mo::relaxed);
      return;
    }
    while (!lastref::detail::retry_cas_strong<P>(x, old, old + 1, mo::relaxed, mo::relaxed)) {
    }
  }
  void check() override { model::check(x.raw() == 2, "no increment lost"); }
};

// P6 (breaks the contract: the retry path skips the zero check the
// fresh-read path makes): get-unless-zero against the last put. The count
// word stays alive (as under RCU); the payload is freed by the last put.
struct retry_skips_zero_check : program {
  struct payload {
    P::cell<int> v{7};
  };
  bool bug;
  P::atomic<int> rc{1};
  P::atomic<payload*> p{nullptr};
  explicit retry_skips_zero_check(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void setup() override { p.store(P::make<payload>(), mo::relaxed); }
  void run(int t) override {
    if (t == 0) {  // the owner's put
      if (rc.fetch_sub(1, mo::acq_rel) == 1) P::destroy(p.load(mo::relaxed));
      return;
    }
    int old = rc.load(mo::acquire);
    if (bug) {
      if (old == 0) return;
      while (!lastref::detail::retry_cas_weak<P>(rc, old, old + 1, mo::acquire, mo::acquire)) {
      }
    } else {
      do {
        if (old == 0) return;
      } while (!lastref::detail::retry_cas_weak<P>(rc, old, old + 1, mo::acquire, mo::acquire));
    }
    (void)p.load(mo::relaxed)->v.read();  // holds a reference: the payload is live
    if (rc.fetch_sub(1, mo::acq_rel) == 1) P::destroy(p.load(mo::relaxed));
  }
};

// P7 (added after the first run, expectation in the README before it ran):
// the hinted loop starts from the value a fetch_or returned. That is the
// thread's last read of the word, so the hint's contract holds, but the
// word now has the bit set, so the first CAS fails with nobody
// interfering (a wasted iteration, not a bug). The bug is elsewhere: after
// the loop T0 publishes a cell with a release store; T1 writes the cell
// without checking the flag (fix: only once it acquired the flag). If the
// deterministic failure were pruned, every execution would be cut there.
struct rmw_then_loop : program {
  bool bug;
  P::atomic<int> w{0}, y{0};
  P::cell<int> c{0};
  explicit rmw_then_loop(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      if (bug || y.load(mo::acquire) == 1) c.write(2);
      return;
    }
    int old = w.fetch_or(1, mo::acq_rel);
    while (!lastref::detail::retry_cas_weak<P>(w, old, (old | 1) + 2, mo::acq_rel, mo::acquire)) {
    }
    c.write(1);
    y.store(1, mo::release);
  }
};

const char* name(memory_model m) { return m == memory_model::sc ? "sc" : "c11"; }

struct outcome {
  bool found;
  failure_kind kind;
  bool complete;
  std::uint64_t executions;
};

outcome run(const program_factory& f, memory_model m, bool prune, std::uint8_t max_spurious = 1) {
  run_options o;
  o.memory = m;
  o.prune_failed_retries = prune;
  o.max_spurious = max_spurious;
  o.trace_failures = std::getenv("HELDOUT5_TRACE") != nullptr;
  checker c;
  const search_result r = search(c, f, {.max_executions = 200'000}, o);
  if (o.trace_failures && r.cert.found) std::printf("%s\n", r.failure.report().c_str());
  return {r.cert.found, r.cert.found ? r.failure.kind : failure_kind::none, r.cert.complete,
          r.cert.executions};
}

std::string show(const outcome& x) {
  if (x.found) return std::string("found ") + failure_name(x.kind);
  return x.complete ? "proven" : "incomplete";
}

template <class Prog>
void check_pair(const char* pair, failure_kind kind, bool found_with_pruning,
                std::uint8_t max_spurious = 1) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    SCOPED_TRACE(::testing::Message() << pair << " " << name(m));
    const outcome on = run(factory<Prog>(true), m, true, max_spurious);
    const outcome off = run(factory<Prog>(true), m, false, max_spurious);
    const outcome fix_on = run(factory<Prog>(false), m, true, max_spurious);
    const outcome fix_off = run(factory<Prog>(false), m, false, max_spurious);
    std::printf("%s %s: bug on %s (%llu), off %s (%llu); fix on %s (%llu), off %s (%llu)\n", pair,
                name(m), show(on).c_str(), static_cast<unsigned long long>(on.executions),
                show(off).c_str(), static_cast<unsigned long long>(off.executions),
                show(fix_on).c_str(), static_cast<unsigned long long>(fix_on.executions),
                show(fix_off).c_str(), static_cast<unsigned long long>(fix_off.executions));
    EXPECT_TRUE(off.found);
    EXPECT_EQ(off.kind, kind);
    EXPECT_EQ(on.found, found_with_pruning);
    if (found_with_pruning) {
      EXPECT_EQ(on.kind, kind);
    } else {
      EXPECT_TRUE(on.complete) << "missed means proven: every schedule explored";
    }
    EXPECT_FALSE(fix_on.found) << failure_name(fix_on.kind);
    EXPECT_TRUE(fix_on.complete);
    EXPECT_FALSE(fix_off.found) << failure_name(fix_off.kind);
    EXPECT_TRUE(fix_off.complete);
  }
}

TEST(HeldOut5, StaleLastDecisionFoundWithPruning) {
  check_pair<stale_last>("P1 stale_last", failure_kind::invariant, true);
}

TEST(HeldOut5, LostWakeUpFoundWithPruning) {
  check_pair<lost_wake>("P2 lost_wake", failure_kind::deadlock, true, 0);
}

TEST(HeldOut5, RelaxedPutFoundWithPruning) {
  check_pair<relaxed_put>("P3 relaxed_put", failure_kind::data_race, true);
}

// DISAGREES with the expectation written first (README): I expected the
// reduction to hide this race (the CAS would run right after its acquire
// read under sc, and its failure after an older read would be pruned under
// c11). The checker finds it with the reduction on, and it is right to: it
// holds a hinted CAS only when the CAS's failure order is at least as strong
// as the read it confirms (fuzz/model/README.md, "Retry loops"), and here it
// is weaker (relaxed after acquire), so the failure is explored. retry.h's
// contract does not state that condition; the README does.
TEST(HeldOut5, AcquireOnFirstReadOnlyIsFoundBecauseTheWeakerFailureOrderIsNotHeld) {
  check_pair<acquire_first_read_only>("P4 acquire_first_read_only", failure_kind::data_race, true);
}

TEST(HeldOut5, CountingRetriesIsTheDocumentedCaveat) {
  check_pair<counts_retries>("P5 counts_retries", failure_kind::invariant, false);
}

TEST(HeldOut5, RetryPathSkippingTheZeroCheckBreaksTheContract) {
  check_pair<retry_skips_zero_check>("P6 retry_skips_zero_check", failure_kind::use_after_free,
                                     false);
}

TEST(HeldOut5, LoopStartingFromAnRmwsValueIsNotCut) {
  check_pair<rmw_then_loop>("P7 rmw_then_loop", failure_kind::data_race, true);
}

}  // namespace
}  // namespace lastref::model
