// SPDX-License-Identifier: MIT
#pragma once
// zoo item 15 — waitqueue_active_completion: a completion whose waiter
// registers ("I am about to sleep") and then checks `done`, while complete()
// sets `done` and then checks for registered waiters to decide whether to
// wake — with no full barrier on either side. DELIBERATELY WRONG (the
// `_fixed` twin below has the barriers).
//
// What is wrong: the two sides are a store-buffering (SB) pair on two
// different words: the waiter writes `waiters` then reads `done`; complete()
// writes `done` then reads `waiters`. Under sequential consistency one of
// them sees the other's write, so either the waiter does not sleep or the
// completer wakes it. Without a full barrier between each write and the
// following read (C++: a seq_cst fence; the kernel: smp_mb()), both reads
// may return the old values: the waiter sleeps, the completer sees no
// waiter and wakes nobody — a lost wake-up (the model reports a deadlock).
// Release/acquire does not help: SB is allowed under release/acquire. The
// model's sc mode cannot show this bug; its c11 mode can.
//
// Real bug class: waitqueue_active() without smp_mb() on both sides —
// include/linux/wait.h's comment on waitqueue_active() spells out this exact
// race ("CPU0 - waker: cond = true; smp_mb(); if (waitqueue_active(wq_head))
// wake_up(wq_head); CPU1 - waiter: add_wait_queue(); for (;;) { if (cond)
// break; schedule(); }") and why both barriers are needed; the kernel has
// fixed missing ones many times (e.g. the wq_has_sleeper() helper exists
// because of them).
//
// Interface: identical to lastref::basic_completion. Lifetime rule: NOT the
// hard rule — complete() reads `waiters` and bumps `seq` after the RMW that
// lets a waiter return (the kernel does both under the wait-queue lock), so
// the completion must outlive its completers: its zoo set has the hook
// `completions_outlive_completers`, and scenarios never put it on a
// waiter's stack.
//
// Memory ordering: done_ is released by complete and consumed with acquire,
// as in basic_completion; waiters_ is relaxed; seq_ (the futex word the
// waiter sleeps on) is bumped by a release RMW. The `Barriers` parameter
// adds the two seq_cst fences that make it correct.

#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform, bool Barriers>
class basic_waitqueue_active_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_all = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_max = done_all - 1u;

  basic_waitqueue_active_completion() = default;
  basic_waitqueue_active_completion(const basic_waitqueue_active_completion&) = delete;
  basic_waitqueue_active_completion& operator=(const basic_waitqueue_active_completion&) = delete;

  void complete() {
    std::uint32_t old = done_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      next = old >= done_max ? old : old + 1u;
      // Release: what the completer did happens-before the consuming wait.
    } while (!done_.compare_exchange_weak(old, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    wake(false);
  }

  void complete_all() {
    // Release: as complete().
    done_.exchange(done_all, std::memory_order_release);
    wake(true);
  }

  void wait() { (void)wait_impl(nullptr); }

  bool wait_until(typename clock::time_point deadline) { return wait_impl(&deadline); }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (try_wait()) return true;
    auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }

  [[nodiscard]] bool try_wait() {
    // Acquire: a completion consumed here carries the completer's writes.
    std::uint32_t v = done_.load(std::memory_order_acquire);
    for (;;) {
      if (v == 0u) return false;
      if (v == done_all) return true;
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
  }

  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire) != 0u; }
  [[nodiscard]] std::uint32_t count() const { return done_.load(std::memory_order_acquire); }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() { done_.store(0u, std::memory_order_relaxed); }

 private:
  // wake_up() guarded by waitqueue_active().
  void wake(bool all) {
    if constexpr (Barriers) Platform::fence(std::memory_order_seq_cst);  // smp_mb()
    // BUG (without Barriers): this relaxed read may miss a waiter that
    // registered before our write to done_ became visible to it.
    if (waiters_.load(std::memory_order_relaxed) == 0u) return;
    seq_.fetch_add(1u, std::memory_order_release);
    if (all)
      Platform::futex_wake_all(seq_);
    else
      Platform::futex_wake_one(seq_);
  }

  bool wait_impl(const typename clock::time_point* deadline) {
    for (;;) {
      if (try_wait()) return true;
      // prepare_to_wait(): note the wake-up sequence, then register.
      const std::uint32_t s = seq_.load(std::memory_order_acquire);
      waiters_.fetch_add(1u, std::memory_order_relaxed);
      if constexpr (Barriers) Platform::fence(std::memory_order_seq_cst);  // set_current_state()
      // BUG (without Barriers): this check may read a stale 0 although the
      // completer's done_ write came before its waiters_ check.
      const bool ok = try_wait();
      bool timed_out = false;
      if (!ok) {
        if (deadline == nullptr)
          Platform::futex_wait(seq_, s);
        else
          timed_out = !Platform::futex_wait_until(seq_, s, *deadline);
      }
      waiters_.fetch_sub(1u, std::memory_order_relaxed);
      if (ok) return true;
      if (timed_out) return try_wait();
    }
  }

  atomic<std::uint32_t> done_{0u};     // 0..done_max completions, done_all = complete_all
  atomic<std::uint32_t> waiters_{0u};  // registered sleepers (waitqueue_active)
  atomic<std::uint32_t> seq_{0u};      // futex word: bumped by every wake
};

template <class Platform = std_platform>
using waitqueue_active_completion = basic_waitqueue_active_completion<Platform, false>;
// The fixed twin: smp_mb() on both sides.
template <class Platform = std_platform>
using waitqueue_active_completion_fixed = basic_waitqueue_active_completion<Platform, true>;

}  // namespace lastref::zoo
