// SPDX-License-Identifier: MIT
// Held-out round 6 (fuzz/model/tests/heldout6/README.md): bug/fix pairs
// around futex waits — hinted re-check waits (lastref/detail/recheck_wait.h),
// resumes after a wake, wake-up stutters — written against the public
// contracts before reading how the model implements the reductions. Each
// bug is searched by unbounded DPOR under sc and c11 with
// run_options::prune_stutters on and off; each fix must be proven under
// both settings. The expectations (found or missed, failure kind) are the
// README's, written before the first run.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <lastref/completion.h>
#include <lastref/detail/recheck_wait.h>
#include <lastref/detail/retry.h>
#include <lastref/model/model.h>

#include "heldout_pairs.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using word = P::atomic<std::uint32_t>;

// P1: after the re-check loop the waiter assumes the change was the
// completion and CASes from whatever it read; reading 2 (a thief took the
// result between the completion and the re-check) it CASes 2 -> 2 and
// takes the result a second time.
struct any_change_is_ours : program {
  bool bug;
  word w{0};  // 0 pending, 1 completed, 2 taken
  int taken = 0;
  explicit any_change_is_ours(bool b) : bug(b) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 1) {  // completer
      w.store(1, mo::release);
      P::futex_wake_all(w);
      return;
    }
    if (t == 2) {  // thief: one try
      std::uint32_t v = w.load(mo::acquire);
      if (v == 1 && w.compare_exchange_strong(v, 2, mo::acquire, mo::acquire)) ++taken;
      return;
    }
    std::uint32_t v = w.load(mo::acquire);
    if (v == 0) {
      do {
        lastref::detail::recheck_futex_wait<P>(w, 0);
        v = w.load(mo::acquire);
      } while (v == 0);
      if (bug) {  // "it changed, so it is ours"
        if (w.compare_exchange_strong(v, 2, mo::acquire, mo::acquire)) ++taken;
        return;
      }
    }
    if (v == 1 && w.compare_exchange_strong(v, 2, mo::acquire, mo::acquire)) ++taken;
  }
  void check() override { model::check(taken == 1, "the result is taken exactly once"); }
};

// P2: a pulse (set, wake everyone, reset) on a word the waiter waits on:
// the word goes 0 -> 1 -> 0 and a waiter that re-checks after the reset
// sleeps again, for good. The fix bumps a generation instead.
struct pulse_level : program {
  bool bug;
  word w{0};
  explicit pulse_level(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      if (bug) {
        w.store(1, mo::release);
        P::futex_wake_all(w);
        w.store(0, mo::relaxed);
      } else {
        w.fetch_add(1, mo::release);
        P::futex_wake_all(w);
      }
      return;
    }
    std::uint32_t v = w.load(mo::acquire);
    while (v == 0) {
      lastref::detail::recheck_futex_wait<P>(w, 0);
      v = w.load(mo::acquire);
    }
  }
};

// P3: completion-like word (bit 0 done, bit 1 a waiter registered); the
// completer decides whether to wake from a load taken before it sets done.
struct stale_wake_decision : program {
  static constexpr std::uint32_t done = 1, reg = 2;
  bool bug;
  word w{0};
  explicit stale_wake_decision(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      if (bug) {
        const bool sleepers = (w.load(mo::relaxed) & reg) != 0;
        w.fetch_or(done, mo::release);
        if (sleepers) P::futex_wake_all(w);
      } else if ((w.fetch_or(done, mo::release) & reg) != 0) {
        P::futex_wake_all(w);
      }
      return;
    }
    std::uint32_t v = w.fetch_or(reg, mo::acq_rel) | reg;
    while ((v & done) == 0) {
      lastref::detail::recheck_futex_wait<P>(w, v);
      v = w.load(mo::acquire);
    }
  }
};

// P4: a futex condition variable; the signaller signals under the mutex,
// so the woken waiter's first step (the lock) can block. The bug reads the
// sequence after unlocking: a signal in between is lost.
struct condvar_seq_after_unlock : program {
  bool bug;
  P::mutex m;
  P::cell<int> pred{0};
  word seq{0};
  explicit condvar_seq_after_unlock(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      m.lock();
      pred.write(1);
      seq.fetch_add(1, mo::relaxed);
      P::futex_wake_one(seq);
      m.unlock();
      return;
    }
    m.lock();
    while (pred.read() == 0) {
      std::uint32_t s = 0;
      if (bug) {
        m.unlock();
        s = seq.load(mo::relaxed);
      } else {
        s = seq.load(mo::relaxed);
        m.unlock();
      }
      P::futex_wait(seq, s);
      m.lock();
    }
    m.unlock();
  }
};

// P5: a hand-off to a timed waiter; the bug's timeout path drops a
// completion that was handed to it after the deadline fired.
struct timeout_loses_handoff : program {
  static constexpr std::uint32_t token = 1, reg = 2, handed = 4;
  bool bug;
  word w{0};
  int got = 0;
  explicit timeout_loses_handoff(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {  // completer
      std::uint32_t v = w.load(mo::relaxed);
      std::uint32_t next = 0;
      do {
        next = (v & reg) != 0 ? ((v & ~reg) | handed) : (v | token);
      } while (!lastref::detail::retry_cas_weak<P>(w, v, next, mo::acq_rel, mo::relaxed));
      if ((v & reg) != 0) P::futex_wake_one(w);
      return;
    }
    std::uint32_t v = w.fetch_or(reg, mo::acq_rel);
    if ((v & token) != 0) {  // completed before we registered
      w.fetch_and(~(token | reg), mo::acquire);
      got = 1;
      return;
    }
    v |= reg;
    const auto deadline = P::now() + std::chrono::milliseconds(1);
    while ((v & handed) == 0) {
      if (!lastref::detail::recheck_futex_wait_until<P>(w, v, deadline)) {
        const std::uint32_t old = w.fetch_and(~reg, mo::acq_rel);  // unregister
        if (!bug && (old & handed) != 0) got = 1;                  // handed at the deadline
        return;
      }
      v = w.load(mo::acquire);
    }
    got = 1;
  }
  void check() override {
    model::check(got == 1 || (w.raw() & token) != 0, "the completion is consumed or pending");
  }
};

// P6: futex wake/wait are no synchronisation: a relaxed publication of the
// word lets the woken (or polling) waiter read the data's old value (c11).
struct relaxed_publish : program {
  bool bug;
  P::atomic<int> data{0};
  word w{0};
  explicit relaxed_publish(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      data.store(42, mo::relaxed);
      w.store(1, bug ? mo::relaxed : mo::release);
      P::futex_wake_all(w);
      return;
    }
    const mo load_order = bug ? mo::relaxed : mo::acquire;
    std::uint32_t v = w.load(load_order);
    while (v == 0) {
      lastref::detail::recheck_futex_wait<P>(w, 0);
      v = w.load(load_order);
    }
    model::check(data.load(mo::relaxed) == 42, "the published data is seen");
  }
};

// P7 (breaks the wake-up stutter's assumption on purpose): the wait loop
// counts wake-ups that find the word unchanged and gives up after two.
// `hinted`: the wait is a re-check wait (the word is monotonic, so an early
// return never reads 0 and only wake-ups are counted).
struct counts_wakeups : program {
  bool bug;
  bool hinted;
  word w{0};
  bool gave_up = false;
  counts_wakeups(bool b, bool h) : bug(b), hinted(h) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.store(1, mo::release);
      P::futex_wake_all(w);
      return;
    }
    int empty = 0;
    std::uint32_t v = w.load(mo::acquire);
    while (v == 0) {
      if (empty == 2) {  // "the futex keeps returning for nothing"
        gave_up = true;
        return;
      }
      if (hinted)
        lastref::detail::recheck_futex_wait<P>(w, 0);
      else
        P::futex_wait(w, 0);
      v = w.load(mo::acquire);
      if (bug && v == 0) ++empty;
    }
  }
  void check() override { model::check(!gave_up, "a waiter without deadline never gives up"); }
};
struct counts_wakeups_plain : counts_wakeups {
  explicit counts_wakeups_plain(bool b) : counts_wakeups(b, false) {}
};
struct counts_wakeups_hinted : counts_wakeups {
  explicit counts_wakeups_hinted(bool b) : counts_wakeups(b, true) {}
};

// P8 (breaks the re-check contract on purpose): reading the value it waited
// for after a return, the loop gives up instead of waiting again; with no
// spurious wake-ups only an ABA (0 -> 1 -> 0) between an early return and
// the re-check gets it there.
struct aba_gives_up : program {
  bool bug;
  word w{0};
  bool gave_up = false;
  explicit aba_gives_up(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.store(1, mo::relaxed);  // busy
      w.store(0, mo::relaxed);  // idle again
      w.store(2, mo::release);  // done
      P::futex_wake_all(w);
      return;
    }
    std::uint32_t v = w.load(mo::acquire);
    while (v != 2) {
      const std::uint32_t prev = v;
      lastref::detail::recheck_futex_wait<P>(w, prev);
      v = w.load(mo::acquire);
      if (bug && v == prev) {  // "returned but nothing changed: an error"
        gave_up = true;
        return;
      }
    }
  }
  void check() override { model::check(!gave_up, "the waiter never gives up"); }
};

// P9 (added after the first run): a futex condition variable whose waiter
// tests its condition with `if` instead of `while`: after one wake it
// returns with nothing although the queue is not closed, when a barger took
// the token between the wake and the waiter's lock. The producer signals
// after unlocking; no spurious wake-ups (max_spurious = 0), so only a real
// wake (or a wait that returns at once) gets the waiter out.
struct condvar_if_not_while : program {
  bool bug;
  P::mutex m;
  P::cell<int> tokens{0};
  P::cell<int> closed{0};
  word seq{0};
  bool took = false, saw_closed = false;
  explicit condvar_if_not_while(bool b) : bug(b) {}
  int threads() const override { return 3; }
  void signal(P::cell<int>& field, bool all) {
    m.lock();
    field.write(field.read() + 1);
    seq.fetch_add(1, mo::relaxed);
    m.unlock();
    if (all)
      P::futex_wake_all(seq);
    else
      P::futex_wake_one(seq);
  }
  void run(int t) override {
    if (t == 1) {  // producer: one token, then close
      signal(tokens, false);
      signal(closed, true);
      return;
    }
    if (t == 2) {  // barger
      m.lock();
      if (tokens.read() > 0) tokens.write(tokens.read() - 1);
      m.unlock();
      return;
    }
    m.lock();
    auto empty = [&] { return tokens.read() == 0 && closed.read() == 0; };
    for (bool first = true; empty() && (first || !bug); first = false) {
      const std::uint32_t s = seq.load(mo::relaxed);
      m.unlock();
      P::futex_wait(seq, s);
      m.lock();
    }
    if (tokens.read() > 0) {
      tokens.write(tokens.read() - 1);
      took = true;
    } else {
      saw_closed = closed.read() != 0;
    }
    m.unlock();
  }
  void check() override {
    model::check(took || saw_closed, "the waiter got a token or saw the queue closed");
  }
};

// P9b (probe, bug only): P9's resume path alone. The waiter sleeps on a word
// nobody changes, with a deadline, so its wait returns true only when a
// wake woke it; the invariant fails only then, when the barger took the
// token between that wake and the waiter's lock.
struct woken_then_barged : program {
  P::mutex m;
  P::cell<int> tokens{0};
  P::cell<int> closed{0};
  word sleep_on{0};
  bool woken = false, took = false, saw_closed = false;
  explicit woken_then_barged(bool) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 1) {
      m.lock();
      tokens.write(1);
      m.unlock();
      P::futex_wake_one(sleep_on);
      m.lock();
      closed.write(1);
      m.unlock();
      P::futex_wake_all(sleep_on);
      return;
    }
    if (t == 2) {
      m.lock();
      if (tokens.read() > 0) tokens.write(tokens.read() - 1);
      m.unlock();
      return;
    }
    m.lock();
    if (tokens.read() == 0 && closed.read() == 0) {
      m.unlock();
      woken = P::futex_wait_until(sleep_on, 0, P::now() + std::chrono::milliseconds(1));
      m.lock();
    }
    if (tokens.read() > 0) {
      tokens.write(tokens.read() - 1);
      took = true;
    } else {
      saw_closed = closed.read() != 0;
    }
    m.unlock();
  }
  void check() override {
    model::check(!woken || took || saw_closed, "woken: the waiter got a token or saw it closed");
  }
};

// P10 (added after the results): a waiter whose wait_for timed out frees
// the request while the completer may still complete it. The fix claims
// through a word that outlives the request (as a table slot would): the
// completer touches the request only after claiming it, and a timed-out
// waiter frees it only if its cancel won, else waits for the completion.
struct timeout_frees_request : program {
  struct request {
    basic_completion<P> done;
  };
  bool bug;
  request* r = nullptr;
  P::atomic<int> claim{0};  // 0 open, 1 claimed by the completer, 2 cancelled
  explicit timeout_frees_request(bool b) : bug(b) {}
  int threads() const override { return 2; }
  void setup() override { r = P::make<request>(); }
  void run(int t) override {
    if (t == 1) {
      int open = 0;
      if (!bug && !claim.compare_exchange_strong(open, 1, mo::acq_rel, mo::acquire)) return;
      r->done.complete();
      return;
    }
    if (!r->done.wait_for(std::chrono::milliseconds(1))) {
      int open = 0;
      if (!bug && !claim.compare_exchange_strong(open, 2, mo::acq_rel, mo::acquire))
        r->done.wait();  // claimed: the completion is coming
    }
    P::destroy(r);
  }
};

// P11 (added after the results): reinit() racing a waiter erases the
// completion it was about to consume. The fix reinits only after the
// waiter acknowledged.
struct reinit_races_waiter : program {
  bool bug;
  basic_completion<P> c, ack;
  explicit reinit_races_waiter(bool b) : bug(b) {}
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      c.complete();
    } else if (t == 1) {
      c.wait();
      ack.complete();
    } else {
      if (!bug) ack.wait();
      c.reinit();
    }
  }
};

using heldout::caveat;
using heldout::found;
using heldout::none;
using heldout::outcome;
using heldout::show;

// Pruning off: prune_stutters (this round's reductions).
outcome run(const program_factory& f, memory_model m, bool prune, std::uint8_t max_spurious) {
  run_options o;
  o.memory = m;
  o.prune_stutters = prune;
  o.max_spurious = max_spurious;
  return heldout::run_search(f, o, 200'000, "HELDOUT6_TRACE");
}

template <class Prog>
void check_pair(const char* pair, heldout::expect sc, heldout::expect c11,
                std::uint8_t max_spurious = 1) {
  heldout::check_pair_with<Prog>(pair, sc, c11,
                                 [&](const program_factory& f, memory_model m, bool prune) {
                                   return run(f, m, prune, max_spurious);
                                 });
}

TEST(HeldOut6, ChangeAfterTheWaitTakenForTheCompletion) {
  check_pair<any_change_is_ours>("P1 any_change_is_ours", found(failure_kind::invariant),
                                 found(failure_kind::invariant));
}

TEST(HeldOut6, PulseThatResetsTheWordLosesTheWaiter) {
  check_pair<pulse_level>("P2 pulse_level", found(failure_kind::deadlock),
                          found(failure_kind::deadlock));
}

TEST(HeldOut6, WakeDecidedBeforeTheWaiterRegisters) {
  check_pair<stale_wake_decision>("P3 stale_wake_decision", found(failure_kind::deadlock),
                                  found(failure_kind::deadlock));
}

TEST(HeldOut6, CondvarSequenceReadAfterUnlock) {
  check_pair<condvar_seq_after_unlock>("P4 condvar_seq_after_unlock", found(failure_kind::deadlock),
                                       found(failure_kind::deadlock));
}

TEST(HeldOut6, TimeoutDropsAHandOff) {
  check_pair<timeout_loses_handoff>("P5 timeout_loses_handoff", found(failure_kind::invariant),
                                    found(failure_kind::invariant));
}

TEST(HeldOut6, RelaxedPublicationBeforeAWakeIsStaleUnderC11Only) {
  check_pair<relaxed_publish>("P6 relaxed_publish", none, found(failure_kind::invariant));
}

TEST(HeldOut6, CountingWakeUpsIsTheDocumentedCaveat) {
  check_pair<counts_wakeups_plain>("P7a counts_wakeups plain", caveat(failure_kind::invariant),
                                   found(failure_kind::invariant), 2);
  check_pair<counts_wakeups_hinted>("P7b counts_wakeups hinted", caveat(failure_kind::invariant),
                                    found(failure_kind::invariant), 2);
}

TEST(HeldOut6, AbaGiveUpBreaksTheRecheckContract) {
  check_pair<aba_gives_up>("P8 aba_gives_up", caveat(failure_kind::invariant),
                           found(failure_kind::invariant), 0);
}

TEST(HeldOut6, CondvarIfInsteadOfWhileWithABarger) {
  check_pair<condvar_if_not_while>("P9 condvar_if_not_while", found(failure_kind::invariant),
                                   found(failure_kind::invariant), 0);
}

TEST(HeldOut6, TimedOutWaiterFreesTheRequest) {
  const heldout::expect e{true, true, failure_kind::use_after_free, failure_kind::data_race};
  check_pair<timeout_frees_request>("P10 timeout_frees_request", e, e);
}

TEST(HeldOut6, ReinitRacingAWaiter) {
  check_pair<reinit_races_waiter>("P11 reinit_races_waiter", found(failure_kind::deadlock),
                                  found(failure_kind::deadlock));
}

TEST(HeldOut6, ProbeBargerBetweenTheWakeAndTheWokenWaitersLock) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    for (bool prune : {true, false}) {
      SCOPED_TRACE(::testing::Message() << memory_model_name(m) << " prune " << prune);
      const outcome x = run(factory<woken_then_barged>(true), m, prune, 0);
      std::printf("P9b woken_then_barged %s prune %d: %s\n", memory_model_name(m), prune,
                  show(x).c_str());
      EXPECT_TRUE(x.found);
      EXPECT_EQ(x.kind, failure_kind::invariant) << show(x);
    }
  }
}

}  // namespace
}  // namespace lastref::model
