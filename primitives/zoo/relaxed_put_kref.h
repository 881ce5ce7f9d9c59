// SPDX-License-Identifier: MIT
#pragma once
// zoo item 2 — relaxed_put_kref: a kref whose put() decrements with
// memory_order_relaxed and runs release() without any acquire. DELIBERATELY
// WRONG.
//
// What is wrong: the decrement that drops a reference must be a release (so
// that this holder's writes to the object happen-before the free) and the
// decrement that drops the *last* reference must also acquire (so that the
// freeing thread sees every other holder's writes). Here neither happens: the
// thread that runs release() may free the object while another holder's
// plain writes to it are not ordered before the free — a data race and, on
// weakly ordered CPUs, a use-after-free of stale data. x86's strong ordering
// hides it on real hardware; ThreadSanitizer and the model's vector clocks
// (which give relaxed no synchronisation) report it.
//
// Real bug class: hand-rolled refcounts that use relaxed atomics (or
// atomic_dec() + atomic_read()) for the put, or drop the
// smp_acquire__after_ctrl_dep()/acquire fence after the final decrement —
// the ordering Documentation/core-api/refcount-vs-atomic.rst says
// refcount_dec_and_test() must provide.
//
// Interface: identical to lastref::basic_kref (init, read, get,
// get_unless_zero, put, put_mutex, put_lock). Lifetime rule: as basic_kref.
//
// Memory ordering: everything relaxed — that is the bug.

#include <utility>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class relaxed_put_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  relaxed_put_kref() : refs_(1) {}
  relaxed_put_kref(const relaxed_put_kref&) = delete;
  relaxed_put_kref& operator=(const relaxed_put_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }

  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] bool get_unless_zero() {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 0) return false;
    } while (!refs_.compare_exchange_weak(old, old + 1, std::memory_order_relaxed,
                                          std::memory_order_relaxed));
    return true;
  }

  template <class Release>
  bool put(Release&& release) {
    // BUG: relaxed, and no acquire before release() frees the object.
    if (refs_.fetch_sub(1, std::memory_order_relaxed) != 1) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    return put_lock(std::forward<Release>(release), lock);
  }

  template <class Release, class Lockable>
  bool put_lock(Release&& release, Lockable& lock) {
    // refcount_dec_and_lock's shape, with the same relaxed decrements.
    int old = refs_.load(std::memory_order_relaxed);
    while (old != 1) {
      if (refs_.compare_exchange_weak(old, old - 1, std::memory_order_relaxed,
                                      std::memory_order_relaxed))
        return false;
    }
    lock.lock();
    if (refs_.fetch_sub(1, std::memory_order_relaxed) != 1) {
      lock.unlock();
      return false;
    }
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  // The count. Relaxed everywhere: the bug this item stands for.
  atomic<int> refs_;
};

}  // namespace lastref::zoo
