// SPDX-License-Identifier: MIT
#pragma once
// zoo item 9 — touch_after_complete_completion: a completion whose complete()
// reads the completion's memory after the store that lets a waiter return.
// DELIBERATELY WRONG.
//
// What is wrong: `done` and the count of sleeping waiters live in two
// separate words. complete() first publishes `done` (which may let a waiter
// consume it and return) and only then reads `waiters_` to decide whether to
// futex_wake. A waiter that returns from wait() and frees the completion —
// legal: an on-stack completion goes out of scope, a heap one is deleted by
// its owner — frees memory that complete() is about to read. The window is
// marked with Platform::preemption_point(). lastref::basic_completion avoids
// it by keeping both in ONE futex word, so the publishing RMW also returns
// the waiter count, and by touching nothing but the wake afterwards.
//
// Real bug class: the waker touching a synchronisation object after the
// store that releases the waiter — glibc's sem_post reading the semaphore
// after the waiter may have destroyed it (sourceware bug 12674), and the
// reason the kernel's complete() does done++ and the wake-up under the
// completion's wait-queue lock, so that an on-stack completion outlives it.
//
// Interface: identical to lastref::basic_completion. Lifetime rule: the
// broken one above; otherwise as basic_completion.
//
// Memory ordering: complete/complete_all and the waiter's registration and
// check are seq_cst (a Dekker pair: either the completer sees the waiter
// registered, or the waiter sees done), and so is consumption, so apart
// from the touch after the store it is a correct completion.

#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class touch_after_complete_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_mask = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_all = done_mask;
  static constexpr std::uint32_t done_max = done_all - 1u;

  touch_after_complete_completion() = default;
  touch_after_complete_completion(const touch_after_complete_completion&) = delete;
  touch_after_complete_completion& operator=(const touch_after_complete_completion&) = delete;

  void complete() {
    std::uint32_t old = done_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      next = old >= done_max ? old : old + 1u;
    } while (!done_.compare_exchange_weak(old, next, std::memory_order_seq_cst,
                                          std::memory_order_relaxed));
    Platform::preemption_point();
    // BUG: a waiter may have consumed `done`, returned and freed *this.
    if (waiters_.load(std::memory_order_seq_cst) != 0u) Platform::futex_wake_one(done_);
  }

  void complete_all() {
    done_.exchange(done_all, std::memory_order_seq_cst);
    Platform::preemption_point();
    // BUG: as in complete().
    if (waiters_.load(std::memory_order_seq_cst) != 0u) Platform::futex_wake_all(done_);
  }

  void wait() {
    if (try_wait()) return;
    wait_slow(nullptr);
  }

  bool wait_until(typename clock::time_point deadline) {
    if (try_wait()) return true;
    return wait_slow(&deadline);
  }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (try_wait()) return true;
    auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_slow(&deadline);
  }

  // seq_cst: the waiter's half of the Dekker pair (see above); the consuming
  // CAS also acquires, so complete()'s writes happen-before the return.
  [[nodiscard]] bool try_wait() {
    std::uint32_t v = done_.load(std::memory_order_seq_cst);
    for (;;) {
      if (v == 0u) return false;
      if (v == done_all) return true;
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_seq_cst,
                                      std::memory_order_seq_cst))
        return true;
    }
  }

  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire) != 0u; }
  [[nodiscard]] std::uint32_t count() const { return done_.load(std::memory_order_acquire); }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() { done_.store(0u, std::memory_order_relaxed); }

 private:
  bool wait_slow(const typename clock::time_point* deadline) {
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
        got = try_wait();
        break;
      }
    }
    // Unregistering publishes nothing; the count only gates the wake.
    waiters_.fetch_sub(1u, std::memory_order_relaxed);
    return got;
  }

  // Futex word: completions, done_all = all. seq_cst publish, acquire consume.
  atomic<std::uint32_t> done_{0u};
  // Threads registered to sleep on done_; seq_cst (Dekker with done_).
  atomic<std::uint32_t> waiters_{0u};
};

}  // namespace lastref::zoo
