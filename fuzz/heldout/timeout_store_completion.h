// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — timeout_store_completion: a compact completion (one
// word: done count, a complete_all bit and a registered-sleepers count, futex
// on the word) whose timed wait unregisters on timeout with a load and a
// separate store. DELIBERATELY WRONG; NOT part of the zoo
// (fuzz/heldout/README.md).
//
// What is wrong: when wait_for() times out it reads the word and stores it
// back minus its sleeper registration. A complete() or complete_all() that
// lands between the load and the store is overwritten: the completion is
// lost, and a later wait() that it guaranteed to return sleeps forever. The
// kernel's do_wait_for_common() leaves the wait queue under the queue's lock
// (__remove_wait_queue with x->wait.lock held), so a completer either
// finishes before or after it; basic_completion unregisters with a
// compare-exchange that also consumes.
//
// Real bug class: a cancellation / timeout path that undoes its registration
// with a plain read-modify-write ("x->state = x->state & ~WAITING") on a word
// other threads update atomically.
//
// The woken path and every other operation are correct: complete() adds 1
// (release) and wakes all sleepers if any are registered; a waiter registers,
// re-checks, and sleeps in futex_wait on the value it saw.
//
// Interface: lastref::basic_completion's (complete, complete_all, wait,
// wait_for, try_wait, reinit). Memory ordering: release on complete /
// complete_all, acquire on every consume; the timeout path's load and store
// are relaxed. Unlike the zoo, the window is not marked with
// Platform::preemption_point().

#include <atomic>
#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class timeout_store_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;
  static constexpr std::uint32_t count_mask = 0x007F'FFFFu;
  static constexpr std::uint32_t all = 0x0080'0000u;
  static constexpr std::uint32_t sleeper = 0x0100'0000u;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  timeout_store_completion() : word_(0u) {}
  timeout_store_completion(const timeout_store_completion&) = delete;
  timeout_store_completion& operator=(const timeout_store_completion&) = delete;

  void complete() {
    std::uint32_t old = word_.load(std::memory_order_relaxed);
    while (!word_.compare_exchange_weak(old, (old & count_mask) == count_mask ? old : old + 1u,
                                        std::memory_order_release, std::memory_order_relaxed)) {
    }
    if (old >= sleeper) Platform::futex_wake_all(word_);
  }
  void complete_all() {
    if (word_.fetch_or(all, std::memory_order_release) >= sleeper) Platform::futex_wake_all(word_);
  }

  void wait() { (void)wait_impl(nullptr); }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    const auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }
  [[nodiscard]] bool try_wait() { return consume(0u); }
  void reinit() { word_.fetch_and(~(count_mask | all), std::memory_order_relaxed); }

 private:
  // Takes one completion (none with complete_all) and drops `registration`
  // from the sleepers in the same step; false when there is none.
  bool consume(std::uint32_t registration) {
    std::uint32_t v = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((v & all) == 0u && (v & count_mask) == 0u) return false;
      const std::uint32_t next = ((v & all) ? v : v - 1u) - registration;
      if (word_.compare_exchange_weak(v, next, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
  }

  bool wait_impl(const typename clock::time_point* deadline) {
    if (consume(0u)) return true;
    word_.fetch_add(sleeper, std::memory_order_seq_cst);
    for (;;) {
      if (consume(sleeper)) return true;
      const std::uint32_t seen = word_.load(std::memory_order_acquire);
      if ((seen & (count_mask | all)) != 0u) continue;
      if (deadline == nullptr) {
        Platform::futex_wait(word_, seen);
      } else if (!Platform::futex_wait_until(word_, seen, *deadline)) {
        const std::uint32_t v = word_.load(std::memory_order_relaxed);
        word_.store(v - sleeper, std::memory_order_relaxed);  // BUG: loses a racing complete
        return false;
      }
    }
  }

  atomic<std::uint32_t> word_;  // bits 0-22 done count, 23 complete_all, 24-31 sleepers
};

}  // namespace lastref::heldout
