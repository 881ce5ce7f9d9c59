// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — racy_inc_not_zero_kref: a kref whose get_unless_zero()
// reads the count and then stores count+1 as two separate atomic operations.
// DELIBERATELY WRONG; NOT part of the zoo (fuzz/heldout/README.md).
//
// What is wrong: between the load (which saw a non-zero count) and the
// store, the last holder's put() can drop the count to 0 and start the
// release; the store then resurrects the object with a count of 1+1 that the
// release no longer looks at: the looker-up holds a reference to an object
// that is being freed (use-after-free when it touches or puts it).
//
// Real bug class: hand-rolled "if (atomic_read(&r) != 0) atomic_set(&r,
// atomic_read(&r) + 1)" in place of refcount_inc_not_zero()/atomic_inc_not_zero().
//
// Interface: lastref::basic_kref's. Memory ordering: as basic_kref except the
// non-atomic increment-from-nonzero.

#include <atomic>
#include <utility>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class racy_inc_not_zero_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  racy_inc_not_zero_kref() : refs_(1) {}
  racy_inc_not_zero_kref(const racy_inc_not_zero_kref&) = delete;
  racy_inc_not_zero_kref& operator=(const racy_inc_not_zero_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] bool get_unless_zero() {
    const int seen = refs_.load(std::memory_order_relaxed);
    if (seen == 0) return false;
    refs_.store(seen + 1, std::memory_order_relaxed);  // BUG: not one RMW
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
    // Correct refcount_dec_and_lock shape: decrement unless 1, else lock and
    // decrement under the lock.
    int old = refs_.load(std::memory_order_relaxed);
    while (old != 1) {
      if (refs_.compare_exchange_weak(old, old - 1, std::memory_order_release,
                                      std::memory_order_relaxed))
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
