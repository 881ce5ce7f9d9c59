// SPDX-License-Identifier: MIT
#pragma once
// A second, independently written kref used to show the bring-your-own path:
// a plain counter with a CAS-loop get_unless_zero and a fence-based put.
//
// Contract: basic_kref's API (<lastref/kref.h>); no saturation or warnings.
// Lifetime rule: as kref: after the decrement to 0 only release touches it.
// Memory ordering: get is relaxed (the caller already holds a reference);
// puts are release, and the last one issues an acquire fence before release
// runs, so release sees every holder's writes (the classic pattern).
#include <atomic>

namespace lastref::fuzz::byo {

template <class P>
class cas_kref {
  template <class T>
  using atomic = typename P::template atomic<T>;

 public:
  cas_kref() : count_(1) {}
  cas_kref(const cas_kref&) = delete;
  cas_kref& operator=(const cas_kref&) = delete;

  [[nodiscard]] unsigned read() const {
    return static_cast<unsigned>(count_.load(std::memory_order_relaxed));
  }
  void get() { count_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] bool get_unless_zero() {
    int c = count_.load(std::memory_order_relaxed);
    do {
      if (c == 0) return false;
    } while (!count_.compare_exchange_weak(c, c + 1, std::memory_order_relaxed,
                                           std::memory_order_relaxed));
    return true;
  }
  template <class R>
  bool put(R&& release) {
    if (count_.fetch_sub(1, std::memory_order_release) != 1) return false;
    P::fence(std::memory_order_acquire);
    release(*this);
    return true;
  }
  // Take `lock` before the count can reach 0; release runs with it held.
  template <class R, class L>
  bool put_mutex(R&& release, L& lock) {
    int c = count_.load(std::memory_order_relaxed);
    while (c > 1) {
      if (count_.compare_exchange_weak(c, c - 1, std::memory_order_release,
                                       std::memory_order_relaxed))
        return false;
    }
    lock.lock();
    if (count_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
      lock.unlock();
      return false;
    }
    release(*this);
    return true;
  }

 private:
  atomic<int> count_;  // references; release/acquire as described above
};

}  // namespace lastref::fuzz::byo
