// SPDX-License-Identifier: MIT
#pragma once
// zoo item 7 — lost_wakeup_completion: a completion whose waiter checks
// `done`, then goes to sleep on whatever the word holds by then, instead of
// sleeping on the value it checked. DELIBERATELY WRONG.
//
// What is wrong: going to sleep must be conditional on the very state the
// waiter checked, atomically with the check — FUTEX_WAIT's `expected`
// argument (or, in the kernel, set_current_state() before testing the
// condition, under the wait-queue lock). This waiter checks done == 0, then
// re-reads the word and sleeps on that fresh value. A complete() that lands
// between the check and the re-read changes the word and wakes nobody (the
// waiter is not asleep yet); the waiter then sleeps on the new value, which
// nobody will change again: it never wakes (lost wake-up; the model reports
// a deadlock when every other thread has finished). The window is marked
// with Platform::preemption_point().
//
// Real bug class: the classic lost wake-up — testing a condition and then
// sleeping without re-testing it atomically with going to sleep: calling
// schedule() after checking the condition but before set_current_state(),
// the ordering include/linux/sched.h's set_current_state() comment and
// Documentation/memory-barriers.txt ("SLEEP AND WAKE-UP FUNCTIONS") warn
// about; in user space, a futex wait whose expected value was loaded after
// the check (Drepper, "Futexes Are Tricky", 2011).
//
// Interface: identical to lastref::basic_completion. Lifetime rule: as
// basic_completion (complete() touches nothing after its RMW but the wake).
//
// Memory ordering: complete/complete_all are release RMWs and every
// successful consume is an acquire, as in basic_completion; the bug is the
// sleeping protocol, not the ordering.

#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class lost_wakeup_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_all = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_max = done_all - 1u;

  lost_wakeup_completion() : done_(0u) {}
  lost_wakeup_completion(const lost_wakeup_completion&) = delete;
  lost_wakeup_completion& operator=(const lost_wakeup_completion&) = delete;

  void complete() {
    std::uint32_t old = done_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      next = old >= done_max ? old : old + 1u;
      // Release: what the completer did happens-before the consuming wait.
    } while (!done_.compare_exchange_weak(old, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    Platform::futex_wake_one(done_);
  }

  void complete_all() {
    // Release: as complete().
    done_.exchange(done_all, std::memory_order_release);
    Platform::futex_wake_all(done_);
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
  bool wait_impl(const typename clock::time_point* deadline) {
    for (;;) {
      if (try_wait()) return true;  // the check: done was 0
      Platform::preemption_point();
      // BUG: sleeps on the word's value *now*, not on the 0 it checked; a
      // complete() in between is missed and nobody wakes this thread again.
      // Relaxed: only the value to sleep on, nothing is consumed here.
      const std::uint32_t now = done_.load(std::memory_order_relaxed);
      if (deadline == nullptr) {
        Platform::futex_wait(done_, now);
      } else if (!Platform::futex_wait_until(done_, now, *deadline)) {
        return try_wait();
      }
    }
  }

  // Futex word: 0..done_max completions, done_all = complete_all. Written by
  // release RMWs (complete), consumed by acquire CASes, reinit relaxed.
  atomic<std::uint32_t> done_;
};

}  // namespace lastref::zoo
