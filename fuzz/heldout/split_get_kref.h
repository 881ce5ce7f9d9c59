// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — split_get_kref: a kref whose get() (taking another
// reference while already holding one) is an atomic load followed by an
// atomic store of the value plus one. DELIBERATELY WRONG; NOT part of the zoo
// (fuzz/heldout/README.md).
//
// What is wrong: two holders that get() at the same time both read n and
// both store n + 1: one reference is lost. The count then reaches 0 one put
// early, the release frees the object while a holder still has a reference,
// and that holder's last put decrements freed memory (a use after free). The
// kernel's kref_get() is refcount_inc(), one atomic increment
// (include/linux/kref.h, include/linux/refcount.h); basic_kref::get does the
// same.
//
// Real bug class: an increment written as "x.store(x.load() + 1)" on
// atomics (each access atomic, the update not), as in hand-rolled reference
// counts that use READ_ONCE / WRITE_ONCE instead of atomic_inc.
//
// Interface: lastref::basic_kref's. Memory ordering: as basic_kref (relaxed
// increments, acq_rel decrements, acquire on a successful get_unless_zero).
// Every other operation is correct. Unlike the zoo, the window is not marked
// with Platform::preemption_point().

#include <atomic>
#include <utility>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class split_get_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  split_get_kref() : refs_(1) {}
  split_get_kref(const split_get_kref&) = delete;
  split_get_kref& operator=(const split_get_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }
  void get() {
    refs_.store(refs_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // BUG
  }

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
    int old = refs_.load(std::memory_order_relaxed);
    while (old != 1) {  // refcount_dec_not_one
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
