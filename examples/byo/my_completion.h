// SPDX-License-Identifier: MIT
#pragma once
// my::completion — a user's completion over lastref's platform policy: one
// futex word holding the number of pending completions (all_ = "complete
// all"). Simpler than lastref's (no waiter count, so every complete wakes),
// which is what a first version usually looks like.
//
// Lifetime rule: a waiter may free the completion as soon as its wait
// returns, so after the RMW that publishes a completion, complete() touches
// it only through P::futex_wake_all, which never dereferences the word.
//
// Memory ordering: complete/complete_all are release RMWs; every successful
// consume is an acquire (CAS or the acquire load that saw all_), so what the
// completer wrote before complete() is visible after the wait returns.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace my {

template <class P>
class completion {
  static constexpr std::uint32_t all_ = 0xFFFF'FFFFu;
  typename P::template atomic<std::uint32_t> word_{0u};  // pending completions, or all_

 public:
  completion() = default;
  completion(const completion&) = delete;
  completion& operator=(const completion&) = delete;

  void complete() {
    std::uint32_t v = word_.load(std::memory_order_relaxed);
    // Saturates below all_; the RMW still releases.
    while (!word_.compare_exchange_weak(v, v >= all_ - 1u ? v : v + 1u, std::memory_order_release,
                                        std::memory_order_relaxed)) {
    }
    P::futex_wake_all(word_);  // the word may be freed already: wake only
  }
  void complete_all() {
    word_.exchange(all_, std::memory_order_release);
    P::futex_wake_all(word_);
  }
  [[nodiscard]] bool try_wait() {
    std::uint32_t v = word_.load(std::memory_order_acquire);
    while (v != 0u) {
      if (v == all_) return true;
      if (word_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
    return false;
  }
  void wait() {
    while (!try_wait()) P::futex_wait(word_, 0u);
  }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    using time_point = typename P::clock::time_point;
    time_point deadline = P::now();
    // A timeout beyond the clock's range waits forever: adding it would
    // overflow into the past. Compared in the timeout's unit (at least as
    // coarse as the clock's), which cannot overflow either.
    const auto room = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
        time_point::max() - deadline);
    if (timeout >= room)
      deadline = time_point::max();
    else if (timeout > timeout.zero())
      deadline += std::chrono::duration_cast<typename P::clock::duration>(timeout);
    while (!try_wait()) {
      if (!P::futex_wait_until(word_, 0u, deadline)) return try_wait();
    }
    return true;
  }
  [[nodiscard]] bool done() const { return word_.load(std::memory_order_acquire) != 0u; }
  void reinit() { word_.store(0u, std::memory_order_relaxed); }
};

}  // namespace my
