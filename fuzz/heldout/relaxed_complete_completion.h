// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — relaxed_complete_completion: a compact completion (a
// done count plus a registered-waiters count, futex on the count) whose
// complete() publishes with a relaxed increment. DELIBERATELY WRONG; NOT part
// of the zoo (fuzz/heldout/README.md).
//
// What is wrong: complete() must be a release (the kernel's complete() takes
// the wait-queue lock, which orders the completer's writes before the
// waiter's return). Relaxed, a waiter that consumes the count does not
// synchronise with the completer: its reads of what the completer wrote
// before complete() race with those writes (a data race; on weak hardware it
// reads stale data).
//
// The waiting protocol itself is correct: a waiter registers, then re-checks
// the count inside futex_wait (which sleeps only while the count is still 0),
// and complete() wakes every registered waiter after its increment.
//
// Interface: lastref::basic_completion's (complete, complete_all, wait,
// wait_for, try_wait, reinit). Memory ordering: acquire on every consume;
// release on complete_all; relaxed (the bug) on complete.

#include <atomic>
#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class relaxed_complete_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;
  static constexpr std::uint32_t all = 0x8000'0000u;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  relaxed_complete_completion() : done_(0u), waiters_(0u) {}
  relaxed_complete_completion(const relaxed_complete_completion&) = delete;
  relaxed_complete_completion& operator=(const relaxed_complete_completion&) = delete;

  void complete() {
    done_.fetch_add(1u, std::memory_order_relaxed);  // BUG: must be release
    if (waiters_.load(std::memory_order_seq_cst) != 0u) Platform::futex_wake_all(done_);
  }
  void complete_all() {
    done_.fetch_or(all, std::memory_order_release);
    if (waiters_.load(std::memory_order_seq_cst) != 0u) Platform::futex_wake_all(done_);
  }

  void wait() { (void)wait_impl(nullptr); }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    const auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }
  [[nodiscard]] bool try_wait() {
    std::uint32_t v = done_.load(std::memory_order_acquire);
    while (v != 0u) {
      if ((v & all) != 0u) return true;
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
    return false;
  }
  void reinit() { done_.store(0u, std::memory_order_relaxed); }

 private:
  bool wait_impl(const typename clock::time_point* deadline) {
    if (try_wait()) return true;
    waiters_.fetch_add(1u, std::memory_order_seq_cst);
    bool got = false;
    for (;;) {
      if (try_wait()) {
        got = true;
        break;
      }
      if (deadline == nullptr) {
        Platform::futex_wait(done_, 0u);
      } else if (!Platform::futex_wait_until(done_, 0u, *deadline)) {
        got = try_wait();  // a completion at the deadline counts
        break;
      }
    }
    waiters_.fetch_sub(1u, std::memory_order_relaxed);
    return got;
  }

  atomic<std::uint32_t> done_;     // completions not yet consumed; `all` bit: complete_all
  atomic<std::uint32_t> waiters_;  // registered sleepers (complete wakes only if any)
};

}  // namespace lastref::heldout
