#pragma once
// zoo item 16 — split_sticky_completion: a completion that keeps "complete_all
// happened" in a flag beside the done counter, and whose waiter reads the
// counter, then the flag, both relaxed. DELIBERATELY WRONG (the `_fixed` twin
// reads the counter with acquire).
//
// What is wrong: complete_all() sets the sticky flag and *then* bumps the
// counter with a release RMW — the writer side of message passing (MP). A
// waiter that sees the counter's new value must also see the flag, and then
// leaves the counter alone so every later waiter passes too. But the waiter
// reads the counter relaxed: nothing orders its later read of the flag, which
// may return the stale `false` (the MP outcome). The waiter then consumes
// the single count complete_all added, and the next waiter sleeps forever
// (the model reports a deadlock). Under sequential consistency the flag is
// always seen, so the model's sc mode cannot show this bug; c11 can.
//
// Real bug class: message passing with an unordered reader — a flag or
// pointer published with a release (smp_wmb()/rcu_assign_pointer()) and
// read without the pairing acquire (smp_rmb(), smp_load_acquire(),
// rcu_dereference()); Documentation/memory-barriers.txt, "SMP BARRIER
// PAIRING": "a write barrier should always be paired with a read barrier".
//
// Interface: identical to lastref::basic_completion. Lifetime rule: as
// waitqueue_active_completion.h (complete_all touches the completion after
// the RMW that lets a waiter return: the zoo set keeps completions alive).
//
// Memory ordering: complete() and complete_all() are release RMWs on the
// counter; the flag is a release store before complete_all's RMW, read with
// acquire; consuming CASes acquire. The waiter's first read of the counter
// is relaxed (the bug: nothing orders the flag read after it); `Fixed` makes
// it acquire.

#include <chrono>
#include <cstdint>

#include "primitives/platform.h"

namespace lastref::zoo {

template <class Platform, bool Fixed>
class basic_split_sticky_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_max = 0x00FF'FFFEu;

  basic_split_sticky_completion() = default;
  basic_split_sticky_completion(const basic_split_sticky_completion&) = delete;
  basic_split_sticky_completion& operator=(const basic_split_sticky_completion&) = delete;

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
    all_.store(1u, std::memory_order_release);       // the data...
    done_.fetch_add(1u, std::memory_order_release);  // ...published by the count
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
    // BUG (unless Fixed): relaxed, so the flag read below is unordered.
    std::uint32_t v = done_.load(Fixed ? std::memory_order_acquire : std::memory_order_relaxed);
    for (;;) {
      if (v == 0u) return false;
      // Sticky: consume nothing. Acquire: seeing the flag synchronises with
      // complete_all (what the completer did happens-before this return).
      if (all_.load(std::memory_order_acquire) != 0u) return true;
      // Acquire: a completion consumed here carries the completer's writes.
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
  }

  [[nodiscard]] bool done() const {
    return all_.load(std::memory_order_acquire) != 0u ||
           done_.load(std::memory_order_acquire) != 0u;
  }
  [[nodiscard]] std::uint32_t count() const { return done_.load(std::memory_order_acquire); }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() {
    all_.store(0u, std::memory_order_relaxed);
    done_.store(0u, std::memory_order_relaxed);
  }

 private:
  bool wait_impl(const typename clock::time_point* deadline) {
    for (;;) {
      if (try_wait()) return true;
      // Sleeps on the 0 it saw: a complete in between changes the word.
      if (deadline == nullptr) {
        Platform::futex_wait(done_, 0u);
      } else if (!Platform::futex_wait_until(done_, 0u, *deadline)) {
        return try_wait();
      }
    }
  }

  atomic<std::uint32_t> done_{0u};  // futex word: pending completions
  atomic<std::uint32_t> all_{0u};   // complete_all happened (sticky)
};

template <class Platform = std_platform>
using split_sticky_completion = basic_split_sticky_completion<Platform, false>;
// The fixed twin: the counter is read with acquire.
template <class Platform = std_platform>
using split_sticky_completion_fixed = basic_split_sticky_completion<Platform, true>;

}  // namespace lastref::zoo
