// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: every member is there, but the word is a
// std::atomic handed to P::futex_wait, which compiles over std_platform
// only; the conformance suite's hostile platform (and the model) have
// their own atomic<T>.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace reject {
template <class P>
struct std_atomic_completion {
  std_atomic_completion() = default;
  std_atomic_completion(const std_atomic_completion&) = delete;
  void complete() {
    w.fetch_add(1);
    P::futex_wake_one(w);
  }
  void complete_all() { complete(); }
  void wait() {
    while (w.load() == 0) P::futex_wait(w, 0);
    w.fetch_sub(1);
  }
  bool wait_for(std::chrono::milliseconds) { return try_wait(); }
  bool try_wait() { return w.load() != 0; }
  bool done() const { return w.load() != 0; }
  void reinit() { w.store(0); }
  std::atomic<std::uint32_t> w{0};
};
}  // namespace reject
