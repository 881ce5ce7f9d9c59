// SPDX-License-Identifier: MIT
#pragma once
// lastref::basic_completion — Linux struct completion
// (include/linux/completion.h, kernel/sched/completion.c) over a Platform,
// lock-free, with futex blocking.
//
// Contract: a `done` counter. complete() adds one (saturating), and wakes one
// waiter; complete_all() makes done "all" and wakes every waiter — all later
// waits succeed until reinit(). wait() consumes one completion (none when
// done is "all"), blocking until one is available; wait_for/wait_until give
// up at a deadline (a completion present when the deadline is noticed still
// counts); try_wait() never blocks; done() tells whether a wait would
// succeed now. reinit() is for reuse when nobody waits or completes.
//
// Lifetime rule (the hard rule): a waiter may free the completion as soon as
// its wait returns, so after the RMW that can let a waiter return,
// complete()/complete_all() touch the completion only through
// Platform::futex_wake_*, which never dereferences the word. This holds by
// construction: the whole state is ONE 32-bit futex word,
//
//     bits 31..24  waiters: threads registered to sleep (saturating: 255 is
//                  sticky until destruction and means "maybe some")
//     bits 23..0   done: 0..0xFFFFFE completions; 0xFFFFFF = all
//
// and complete()'s single successful CAS (complete_all's fetch_or) both
// publishes `done` and returns the waiter count it overwrote; whether to call
// futex_wake is decided from that returned value alone. A waiter registers
// (waiters+1) in the word before sleeping and sleeps only on the exact value
// it saw, so a complete that happens after its registration sees waiters>0
// and wakes, and one that happens before changes the word so the futex_wait
// returns at once. A waiter consumes done and unregisters in ONE CAS, after
// which it never touches the word again.
//
// Differences from the kernel: "all" is 0xFFFFFF instead of UINT_MAX, and
// complete() saturates at 0xFFFFFE instead of letting done++ reach UINT_MAX
// (which would turn 2^32-1 completes into a complete_all): at most 2^24-2
// completions can be pending, and further complete() calls are dropped. complete() wakes
// one sleeper, like the kernel's swake_up_locked; if that sleeper loses the
// completion to a thread that did not sleep, it goes back to sleep, which is
// still one consumer per completion.
//
// Spin phase: before registering to sleep, a wait polls the word up to
// Platform::wait_spin_iterations times, one Platform::spin_pause() before
// each poll, then up to Platform::wait_yield_iterations times, one
// Platform::spin_yield() before each (detail/spin.h: both default to 0;
// std_platform: 16 and 0, see there why), and consumes a completion it sees
// with the same CAS as the fast path. Polls are pure reads, so the hard
// rule is untouched (complete() does exactly what it did; only the waiter
// reads more), and a waiter that is still spinning when complete() lands is
// not registered, so complete() sees no waiter and skips the futex_wake
// syscall too. A timed wait whose deadline has already passed does not
// spin; otherwise the spin is bounded by the counts, not by the deadline,
// so a timed wait may overrun its deadline by one spin phase (about a
// microsecond), as it may by any scheduling delay.
//
// Memory ordering: complete/complete_all are release RMWs and every
// successful consume is an acquire (CAS on success, or the acquire load that
// saw "all"; spin polls are acquire loads for that reason), so everything
// before complete() happens-before the return of the wait that consumed it.
// Registration/unregistration publish nothing (they only need the word's
// modification order, which every RMW on one location respects), but their
// CASes are acquire anyway because the value a failed one returns may show
// "all", which the waiter then trusts. reinit() is relaxed: it is legal
// only when no one waits or completes concurrently, so the caller's own
// synchronisation orders it.
//
// Model checking: the CAS loops (complete, try_wait, the slow path) mark
// their CAS with detail::retry_cas_weak (detail/retry.h): each restarts from
// the value a failed CAS returns and counts nothing, so the model may run
// the CAS right after the read it confirms (fuzz/model/README.md). So does
// the fast path's consuming CAS (retry_cas_strong) when there is no spin
// phase: a failure hands the value it returned to the slow path, which
// takes every check a fresh read of that value would (done, "all", then
// registering). The
// slow path's futex waits are re-check waits (detail/recheck_wait.h): after
// any return the loop loads the word, and reading the value it waited for
// it waits for it again, from the same place with the same deadline; so the
// model may run that load right after a wait that returned at once. The
// word is declared RMW-only (detail/rmw_only.h: every write is an RMW),
// which lets the model do so under c11 too. The loads whose value a retry
// CAS confirms are hinted loads (detail::retry_load), each with the
// predicate of the values after which that CAS is the thread's next
// operation (cas_after_*: complete() always; try_wait, the fast path and
// the slow path's re-check as their branches go); the model checks the
// predicates, and under c11 does not explore reads of older stores with
// such values (the CAS would fail, or succeed as after the latest store:
// fuzz/model/README.md, "Retry loads"). The re-check before the deadline
// and the fast path with a sticky count also name the values after which
// the thread sleeps on the value read (wait_after_*), whose older stores
// the model skips too (the wait compares the newest value).
//
// Observing the word: the done field and the count of registered sleepers
// are not part of this API (the kernel's struct completion has neither);
// tests and harnesses read them with lastref::testing::completion_count /
// completion_waiters (lastref/testing/completion_probe.h).

#include <chrono>
#include <cstdint>

#include "detail/recheck_wait.h"
#include "detail/retry.h"
#include "detail/rmw_only.h"
#include "detail/spin.h"
#include "platform.h"

namespace lastref {
namespace testing {
class completion_probe;
}

template <class Platform = std_platform>
class basic_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_mask = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_all = done_mask;      // complete_all
  static constexpr std::uint32_t done_max = done_all - 1u;  // complete saturates here
  static constexpr std::uint32_t waiter_one = 0x0100'0000u;
  static constexpr std::uint32_t waiters_mask = 0xFF00'0000u;  // also "sticky"

  // The word takes only RMWs (reinit() is a fetch_and): detail/rmw_only.h.
  basic_completion() : word_(0u) { detail::declare_rmw_only<Platform>(word_); }
  basic_completion(const basic_completion&) = delete;
  basic_completion& operator=(const basic_completion&) = delete;

  void complete() {
    // Every value read goes to the retry CAS (detail::retry_load).
    std::uint32_t old = detail::retry_load<Platform, &cas_always>(word_, std::memory_order_relaxed);
    std::uint32_t next;
    do {
      // Saturated or "all": rewrite the same value; the RMW still releases.
      next = (old & done_mask) >= done_max ? old : old + 1u;
    } while (!detail::retry_cas_weak<Platform>(word_, old, next, std::memory_order_release,
                                               std::memory_order_relaxed));
    // Only `old` decides; the completion may already be freed here.
    if ((old & waiters_mask) != 0u) Platform::futex_wake_one(word_);
  }

  void complete_all() {
    std::uint32_t old = word_.fetch_or(done_all, std::memory_order_release);
    if ((old & waiters_mask) != 0u) Platform::futex_wake_all(word_);
  }

  // Polls before sleeping (the spin phase, see the header comment).
  static constexpr unsigned spin_iterations = detail::wait_spin_iterations<Platform>;
  static constexpr unsigned yield_iterations = detail::wait_yield_iterations<Platform>;

  void wait() {
    std::uint32_t v;
    if (try_consume_fast(v) || spin_then_consume(v)) return;
    wait_slow(v, nullptr);
  }

  // True if a completion was consumed, false on timeout.
  bool wait_until(typename clock::time_point deadline) {
    std::uint32_t v;
    if (try_consume_fast(v)) return true;
    return wait_timed(v, deadline);
  }

  // wait_for(duration::max()) waits forever: the deadline saturates instead
  // of overflowing into the past.
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    // The deadline first: a clock read between a failed fast path and the
    // slow path's registering CAS would break the fast path's retry-load
    // contract (detail::retry_load), and the model would then explore its
    // reads of older stores (fuzz/model/README.md, "Retry loads").
    const typename clock::time_point deadline = deadline_after(timeout);
    std::uint32_t v;
    if (try_consume_fast(v)) return true;
    return wait_timed(v, deadline);
  }

  // try_wait_for_completion(): consume one completion if there is one.
  [[nodiscard]] bool try_wait() {
    std::uint32_t v =
        detail::retry_load<Platform, &cas_after_try_wait>(word_, std::memory_order_acquire);
    for (;;) {
      std::uint32_t d = v & done_mask;
      if (d == 0u) return false;
      if (d == done_all) return true;  // the acquire load that saw it synchronises
      if (detail::retry_cas_weak<Platform>(word_, v, v - 1u, std::memory_order_acquire,
                                           std::memory_order_acquire))
        return true;
    }
  }

  // completion_done(): would a wait succeed without blocking?
  [[nodiscard]] bool done() const {
    return (word_.load(std::memory_order_acquire) & done_mask) != 0u;
  }

  // reinit_completion(): done = 0; the waiter count is kept (sticky or not).
  void reinit() { word_.fetch_and(waiters_mask, std::memory_order_relaxed); }

 private:
  // Tests and harnesses read the done field and the registered sleepers
  // through lastref/testing/completion_probe.h, not through members here.
  friend class testing::completion_probe;

  static constexpr std::uint32_t waiters_of(std::uint32_t v) noexcept { return v & waiters_mask; }
  static constexpr std::uint32_t registered(std::uint32_t v) noexcept {
    return waiters_of(v) == waiters_mask ? v : v + waiter_one;
  }
  static constexpr std::uint32_t unregistered(std::uint32_t v) noexcept {
    return waiters_of(v) == waiters_mask ? v : v - waiter_one;
  }
  // The value after consuming one completion from v (done != 0).
  static constexpr std::uint32_t consumed(std::uint32_t v) noexcept {
    return (v & done_mask) == done_all ? v : v - 1u;
  }
  static constexpr bool sticky(std::uint32_t v) noexcept { return waiters_of(v) == waiters_mask; }

  // Which values a hinted load (detail::retry_load) may return with the
  // confirming retry CAS as the thread's next operation: the model checks
  // it, and under c11 skips reads of older stores with such values.
  static constexpr bool cas_always(std::uint32_t) noexcept { return true; }
  // try_wait: returns on 0 and on "all", else consumes.
  static constexpr bool cas_after_try_wait(std::uint32_t v) noexcept {
    return (v & done_mask) != 0u && (v & done_mask) != done_all;
  }
  // The fast path: returns on "all", consumes otherwise; on 0 the slow path,
  // which every wait enters at once, registers, unless the count is
  // sticky, when it sleeps at once.
  static constexpr bool cas_after_fast(std::uint32_t v) noexcept {
    const std::uint32_t d = v & done_mask;
    if (d == 0u) return !sticky(v);
    return d != done_all;
  }
  // The slow path's re-check, registered: consumes and unregisters in one
  // CAS unless that changes nothing ("all", sticky); on 0 it sleeps again,
  // or, TimedOut, unregisters (unless sticky) and gives up.
  template <bool TimedOut>
  static constexpr bool cas_after_recheck(std::uint32_t v) noexcept {
    const std::uint32_t d = v & done_mask;
    if (d == 0u) return TimedOut && !sticky(v);
    return !(d == done_all && sticky(v));
  }
  // And which values send the thread to sleep on them, with this load as
  // the wait's re-check (the model skips older stores with such values
  // too): the fast path's 0 when the count is sticky (wait_slow sleeps at
  // once), the re-check's 0 before the deadline. The contract wants the
  // loop to keep nothing of a value whose wait returned at once; the slow
  // path keeps is_registered, set before the fast path's wait, which
  // changes nothing here: a sticky count stays sticky until destruction
  // (reinit keeps it), and registered/unregistered leave it as it is.
  static constexpr bool wait_after_fast(std::uint32_t v) noexcept {
    return (v & done_mask) == 0u && sticky(v);
  }
  static constexpr bool wait_after_recheck(std::uint32_t v) noexcept {
    return (v & done_mask) == 0u;
  }

  template <class Rep, class Period>
  static typename clock::time_point deadline_after(
      const std::chrono::duration<Rep, Period>& timeout) {
    using long_seconds = std::chrono::duration<long double>;
    auto now = Platform::now();
    if (timeout <= timeout.zero()) return now;
    if (long_seconds(timeout) >= long_seconds(clock::time_point::max() - now))
      return clock::time_point::max();
    return now + std::chrono::ceil<typename clock::duration>(timeout);
  }

  // On failure `v` is the last value read, which the slow path starts from
  // instead of loading again: one read fewer on the way to sleep, and one
  // less place for a model checker to put a read that decides nothing. A
  // failed CAS's value is handed on, so its failure order is acquire (the
  // slow path trusts an "all" it sees).
  // Every caller goes to the slow path at once on failure (wait_for reads
  // the clock before), so a failure's value feeds the registering CAS.
  bool try_consume_fast(std::uint32_t& v) {
    if constexpr (spin_iterations + yield_iterations == 0u)
      v = detail::retry_load<Platform, &cas_after_fast, &wait_after_fast>(
          word_, std::memory_order_acquire);
    else  // the spin polls come between a failure and the slow path
      v = word_.load(std::memory_order_acquire);
    std::uint32_t d = v & done_mask;
    if (d == 0u) return false;
    if (d == done_all) return true;
    // Without a spin phase a failure goes straight to the slow path from
    // the value returned: the retry contract (detail/retry.h) holds. With
    // one, the spin polls read again first, so the CAS is a plain one.
    if constexpr (spin_iterations + yield_iterations == 0u)
      return detail::retry_cas_strong<Platform>(word_, v, v - 1u, std::memory_order_acquire,
                                                std::memory_order_acquire);
    else
      return word_.compare_exchange_strong(v, v - 1u, std::memory_order_acquire,
                                           std::memory_order_acquire);
  }

  // The spin phase: polls only (try_wait is one acquire load, plus the
  // consuming CAS when it sees a completion); never registers, never writes
  // the word otherwise. On failure `v` is the last value polled.
  bool spin_then_consume(std::uint32_t& v) {
    if constexpr (spin_iterations + yield_iterations == 0u) {
      (void)v;
      return false;
    } else {
      for (unsigned i = 0; i < spin_iterations; ++i) {
        detail::spin_pause<Platform>();
        if (try_wait()) return true;
      }
      for (unsigned i = 0; i < yield_iterations; ++i) {
        detail::spin_yield<Platform>();
        if (try_wait()) return true;
      }
      v = word_.load(std::memory_order_acquire);
      return false;
    }
  }

  bool wait_timed(std::uint32_t v, typename clock::time_point deadline) {
    if constexpr (spin_iterations + yield_iterations != 0u) {
      if (Platform::now() < deadline && spin_then_consume(v)) return true;
    }
    return wait_slow(v, &deadline);
  }

  // Blocking path from `v`, the caller's last (acquire) read of the word;
  // deadline == nullptr waits forever. Returns false only on timeout with
  // no completion available.
  [[gnu::noinline]] bool wait_slow(std::uint32_t v, const typename clock::time_point* deadline) {
    bool is_registered = false;
    bool timed_out = false;
    for (;;) {
      if ((v & done_mask) != 0u) {
        std::uint32_t next = consumed(v);
        if (is_registered) next = unregistered(next);
        if (next == v) return true;  // "all", never registered: the acquire load suffices
        if (detail::retry_cas_weak<Platform>(word_, v, next, std::memory_order_acquire,
                                             std::memory_order_acquire))
          return true;
        continue;
      }
      if (timed_out) {
        // No completion at the deadline: unregister and give up.
        std::uint32_t next = is_registered ? unregistered(v) : v;
        if (next == v || detail::retry_cas_weak<Platform>(word_, v, next, std::memory_order_acquire,
                                                          std::memory_order_acquire))
          return false;
        continue;
      }
      if (!is_registered) {
        std::uint32_t next = registered(v);
        if (next != v && !detail::retry_cas_weak<Platform>(
                             word_, v, next, std::memory_order_acquire, std::memory_order_acquire))
          continue;
        is_registered = true;
        v = next;
      }
      // A re-check wait (detail/recheck_wait.h): reading v again brings
      // the loop back here with the same state.
      if (deadline == nullptr) {
        detail::recheck_futex_wait<Platform>(word_, v);
      } else if (!detail::recheck_futex_wait_until<Platform>(word_, v, *deadline)) {
        timed_out = true;  // re-check once: a completion at the deadline counts
      }
      // Registered here (the first pass registers before it waits).
      v = timed_out ? detail::retry_load<Platform, &cas_after_recheck<true>>(
                          word_, std::memory_order_acquire)
                    : detail::retry_load<Platform, &cas_after_recheck<false>, &wait_after_recheck>(
                          word_, std::memory_order_acquire);
    }
  }

  // The futex word (layout above). Written only by RMWs: complete and
  // complete_all (release), consume incl. try_wait (acquire),
  // register/unregister (acquire, see "Memory ordering"), reinit (relaxed).
  atomic<std::uint32_t> word_;
};

using completion = basic_completion<>;

}  // namespace lastref
