// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — unlocked_fast_put_kref: a kref whose put_lock() /
// put_mutex() (refcount_dec_and_lock) takes a lock-free fast path "when the
// count is not 1" as a read followed by a separate decrement. DELIBERATELY
// WRONG; NOT part of the zoo (fuzz/heldout/README.md).
//
// What is wrong: two holders of the last two references both read 2, both
// take the fast path and both decrement: the count reaches 0 and nobody runs
// the release (the object leaks with its lookup-table entry still pointing at
// it; the scenario's end-of-run check sees the release run zero times). The
// kernel's refcount_dec_not_one() (lib/refcount.c) makes the fast path one
// compare-exchange loop that refuses to decrement from 1; basic_kref's
// put_lock does the same.
//
// Real bug class: hand-rolled atomic_dec_and_lock() fast paths that test and
// decrement separately ("if (atomic_read(&r) > 1) { atomic_dec(&r); return; }").
//
// Interface: lastref::basic_kref's. Memory ordering: as basic_kref except the
// fast-path decrement (release, as a put's). Unlike the zoo, the window is not
// marked with Platform::preemption_point().

#include <atomic>
#include <utility>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class unlocked_fast_put_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  unlocked_fast_put_kref() : refs_(1) {}
  unlocked_fast_put_kref(const unlocked_fast_put_kref&) = delete;
  unlocked_fast_put_kref& operator=(const unlocked_fast_put_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] bool get_unless_zero() {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 0) return false;
    } while (!refs_.compare_exchange_weak(old, old + 1, std::memory_order_acquire,
                                          std::memory_order_relaxed));
    return true;
  }

  template <class Release>
  bool put(Release&& release) {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    return put_lock(std::forward<Release>(release), lock);
  }

  template <class Release, class Lockable>
  bool put_lock(Release&& release, Lockable& lock) {
    if (refs_.load(std::memory_order_relaxed) != 1) {
      refs_.fetch_sub(1, std::memory_order_release);  // BUG: may be the last reference by now
      return false;
    }
    lock.lock();
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
      lock.unlock();
      return false;
    }
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  atomic<int> refs_;
};

}  // namespace lastref::heldout
