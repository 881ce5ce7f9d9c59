// SPDX-License-Identifier: MIT
#pragma once
// byo_completions::timeout_steals_completion — a counted completion whose
// timed wait, after timing out, takes one last look and consumes a
// completion that arrived at the deadline, yet still reports the timeout:
// the caller believes it timed out, the completion is gone, and another
// waiter for it sleeps forever. Written as a held-out BYO primitive; the
// fuzzer missed it in 20000 inputs (8 schedules each), the real-thread
// conformance case CompletionAtDeadlineCounts and the model case
// TimedWaitAccountsForTheCompletion find it.
//
// Lifetime rule: none beyond a completion's. Memory ordering: complete()
// releases, taking a completion acquires.
#include <chrono>
#include <cstdint>
namespace byo_completions {
template <class P>
class timeout_steals_completion {
  typename P::template atomic<std::uint32_t> done_{0};
  static constexpr std::uint32_t all = 0xffffffffu;
  bool take() {
    std::uint32_t d = done_.load(std::memory_order_acquire);
    while (d != 0) {
      if (d == all) return true;
      if (done_.compare_exchange_weak(d, d - 1, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
    return false;
  }

 public:
  timeout_steals_completion() = default;
  timeout_steals_completion(const timeout_steals_completion&) = delete;
  void complete() {
    std::uint32_t d = done_.load(std::memory_order_relaxed);
    while (d != all && !done_.compare_exchange_weak(d, d + 1, std::memory_order_release,
                                                    std::memory_order_relaxed)) {
    }
    P::futex_wake_one(done_);
  }
  void complete_all() {
    done_.store(all, std::memory_order_release);
    P::futex_wake_all(done_);
  }
  void wait() {
    while (!take()) P::futex_wait(done_, 0);
  }
  bool wait_for(std::chrono::milliseconds t) {
    const auto deadline = P::now() + t;
    while (!take()) {
      if (!P::futex_wait_until(done_, 0, deadline)) {
        (void)take();  // BUG: consumes a completion, then reports the timeout
        return false;
      }
    }
    return true;
  }
  bool try_wait() { return take(); }
  bool done() const { return done_.load(std::memory_order_acquire) != 0; }
  void reinit() { done_.store(0, std::memory_order_relaxed); }
};
}  // namespace byo_completions
