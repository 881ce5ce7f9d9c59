// SPDX-License-Identifier: MIT
#pragma once
// zoo item 8 — counted_complete_all_completion: a completion whose
// complete_all() hands out one completion per thread it sees waiting, and
// whose waiters decrement `done` as for complete(). DELIBERATELY WRONG.
//
// What is wrong: complete_all() must make the completion *stay* done: every
// wait until reinit() succeeds, so its waiters must not consume anything.
// The kernel marks it with done = UINT_MAX and its waiters skip the decrement
// (do_wait_for_common: `if (x->done != UINT_MAX) x->done--`);
// lastref::basic_completion has done_all the same way. Here complete_all()
// adds as many completions as there are registered waiters (at least one) and
// every waiter takes one: the waiters present at that moment return, but a
// waiter that arrives later — or one that had checked `done` and was about to
// register — finds done == 0 and blocks forever (the model reports a
// deadlock).
//
// Real bug class: "complete_all" written as "complete() once per current
// waiter" (or a broadcast flag that the first waiter clears), and the
// kernel's own history of complete_all(): older kernels added UINT_MAX/2 to
// done and waiters kept decrementing it, so "all" meant "the next 2^31
// waits"; today done = UINT_MAX is sticky and waiters skip the decrement.
//
// Interface: identical to lastref::basic_completion. Lifetime rule: as
// basic_completion (one futex word; nothing touched after the RMW but wakes).
//
// Memory ordering: as basic_completion — complete/complete_all are release
// RMWs, consumes are acquire; the bug is what complete_all() means.

#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class counted_complete_all_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_mask = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_max = done_mask - 1u;
  static constexpr std::uint32_t waiter_one = 0x0100'0000u;
  static constexpr std::uint32_t waiters_mask = 0xFF00'0000u;

  counted_complete_all_completion() : word_(0u) {}
  counted_complete_all_completion(const counted_complete_all_completion&) = delete;
  counted_complete_all_completion& operator=(const counted_complete_all_completion&) = delete;

  void complete() { add(1u, false); }

  // BUG: grants max(1, registered waiters) completions instead of "all".
  void complete_all() { add(0u, true); }

  void wait() { (void)wait_impl(nullptr); }
  bool wait_until(typename clock::time_point deadline) { return wait_impl(&deadline); }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (try_wait()) return true;
    auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }

  [[nodiscard]] bool try_wait() {
    // Acquire: a consumed completion carries the completer's writes.
    std::uint32_t v = word_.load(std::memory_order_acquire);
    for (;;) {
      if ((v & done_mask) == 0u) return false;
      if (word_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
  }

  [[nodiscard]] bool done() const {
    return (word_.load(std::memory_order_acquire) & done_mask) != 0u;
  }
  [[nodiscard]] std::uint32_t count() const {
    return word_.load(std::memory_order_acquire) & done_mask;
  }
  [[nodiscard]] std::uint32_t waiters() const {
    return (word_.load(std::memory_order_relaxed) & waiters_mask) >> 24;
  }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() { word_.fetch_and(waiters_mask, std::memory_order_relaxed); }

 private:
  void add(std::uint32_t n, bool per_waiter) {
    std::uint32_t old = word_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      std::uint32_t grant = n;
      if (per_waiter) {
        grant = (old & waiters_mask) >> 24;
        if (grant == 0u) grant = 1u;
      }
      const std::uint32_t d = old & done_mask;
      const std::uint32_t nd = d + grant > done_max ? done_max : d + grant;
      next = (old & waiters_mask) | nd;
      // Release: the completer's writes happen-before the consuming waits.
    } while (!word_.compare_exchange_weak(old, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    if ((old & waiters_mask) != 0u) Platform::futex_wake_all(word_);
  }

  // Registers, sleeps on the exact value seen, consumes and unregisters in
  // one CAS — basic_completion's protocol, without "all".
  bool wait_impl(const typename clock::time_point* deadline) {
    std::uint32_t v = word_.load(std::memory_order_acquire);
    bool registered = false;
    bool timed_out = false;
    for (;;) {
      if ((v & done_mask) != 0u) {
        const std::uint32_t next = (v - 1u) - (registered ? waiter_one : 0u);
        // Acquire: the consume synchronises with the completer.
        if (word_.compare_exchange_weak(v, next, std::memory_order_acquire,
                                        std::memory_order_acquire))
          return true;
        continue;
      }
      if (timed_out) {
        if (!registered) return false;
        // Acquire: a failed CAS's value may carry a completion we then take.
        if (word_.compare_exchange_weak(v, v - waiter_one, std::memory_order_acquire,
                                        std::memory_order_acquire))
          return false;
        continue;
      }
      if (!registered) {
        // Acquire: as above; registering itself publishes nothing.
        if (!word_.compare_exchange_weak(v, v + waiter_one, std::memory_order_acquire,
                                         std::memory_order_acquire))
          continue;
        registered = true;
        v += waiter_one;
      }
      if (deadline == nullptr) {
        Platform::futex_wait(word_, v);
      } else if (!Platform::futex_wait_until(word_, v, *deadline)) {
        timed_out = true;
      }
      v = word_.load(std::memory_order_acquire);
    }
  }

  // Futex word: bits 31..24 registered waiters, 23..0 completions. Written by
  // release RMWs (complete, complete_all), consumed by acquire CASes.
  atomic<std::uint32_t> word_;
};

}  // namespace lastref::zoo
