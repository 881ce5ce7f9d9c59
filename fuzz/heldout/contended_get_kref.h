// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — contended_get_kref: a kref whose get_unless_zero() tries
// one compare-exchange and, when it loses the race, falls back to a plain
// increment because "the count was non-zero a moment ago". DELIBERATELY
// WRONG; NOT part of the zoo (fuzz/heldout/README.md).
//
// What is wrong: the compare-exchange fails exactly when someone else changed
// the count between the load and the exchange; if that someone was the last
// put(), the count is now 0 and its release has started. The fallback
// increment resurrects the object (0 -> 1) under the release's feet: the
// looker-up holds a reference to freed memory (use-after-free when it touches
// or puts it), and its put may run the release a second time.
//
// Real bug class: "fast path CAS, slow path atomic_inc" in place of a CAS
// loop (atomic_inc_not_zero must retry until it sees 0 or succeeds).
//
// Interface: lastref::basic_kref's. Memory ordering: as basic_kref except the
// fallback increment (relaxed, like kref_get).

#include <atomic>
#include <utility>

#include <lastref/platform.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class contended_get_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  contended_get_kref() : refs_(1) {}
  contended_get_kref(const contended_get_kref&) = delete;
  contended_get_kref& operator=(const contended_get_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] bool get_unless_zero() {
    int seen = refs_.load(std::memory_order_relaxed);
    if (seen == 0) return false;
    if (refs_.compare_exchange_strong(seen, seen + 1, std::memory_order_acquire,
                                      std::memory_order_relaxed))
      return true;
    refs_.fetch_add(1, std::memory_order_relaxed);  // BUG: the count may be 0 by now
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
    // Correct refcount_dec_and_lock shape.
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
