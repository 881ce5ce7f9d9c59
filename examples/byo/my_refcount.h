// SPDX-License-Identifier: MIT
#pragma once
// A user's refcount, written against lastref's platform policy (this is the
// README's "Test your own refcount" example, verbatim below the pragma).
#include <atomic>

namespace my {
template <class P>  // P: lastref::std_platform in production, the model when fuzzed
class refcount {
  typename P::template atomic<int> n_;

 public:
  explicit refcount(int n = 1) : n_(n) {}
  refcount(const refcount&) = delete;
  int read() const { return n_.load(std::memory_order_relaxed); }
  void set(int n) { n_.store(n, std::memory_order_relaxed); }
  void inc() { n_.fetch_add(1, std::memory_order_relaxed); }
  bool inc_not_zero() {
    int v = n_.load(std::memory_order_relaxed);
    while (v != 0 && !n_.compare_exchange_weak(v, v + 1, std::memory_order_relaxed)) {
    }
    return v != 0;
  }
  bool dec_and_test() {
    if (n_.fetch_sub(1, std::memory_order_release) != 1) return false;
    (void)n_.load(std::memory_order_acquire);  // see every holder's writes
    return true;
  }
};
}  // namespace my
