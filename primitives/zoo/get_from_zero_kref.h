// SPDX-License-Identifier: MIT
#pragma once
// zoo item 3 — get_from_zero_kref: a kref whose get_unless_zero() is a plain
// increment, so a lookup takes its reference with what amounts to kref_get().
// DELIBERATELY WRONG.
//
// What is wrong: a lookup path finds objects that nobody it knows holds a
// reference to; the object may be between its last put (count 0) and the
// release that unpublishes it. kref_get_unless_zero() refuses such an object;
// an unconditional increment resurrects it (0 -> 1): the lookup returns an
// object whose release is already running, which then frees it under the
// finder (use-after-free), and the finder's own put later drives a freed
// counter. With lastref::basic_kref the lookup fails instead, and even a plain
// get() from 0 would be reported ("addition on 0; use-after-free") and
// saturate. Here nothing checks: this is a pre-refcount_t kref on atomic_t.
//
// Real bug class: lookups that kref_get() an object found in a list, idr,
// hash or radix tree whose release unlinks it only after the count reached 0
// — the reason kref_get_unless_zero() exists (Documentation/core-api/kref.rst,
// "kref_get_unless_zero"; added in Linux 3.8 by "kref: Implement
// kref_get_unless_zero v3" for exactly such lookups), and the pattern behind
// many later "use kref_get_unless_zero() in the lookup" driver fixes.
// The protocol-level twin (a correct kref, the lookup calling get()) is the
// `lookup_with_get` entry of fuzz/zoo_manifest.h.
//
// Interface: identical to lastref::basic_kref. Lifetime rule: as basic_kref,
// except that get_unless_zero() never fails.
//
// Memory ordering: as basic_kref (relaxed gets, release puts, acquire before
// release runs), so the only bug is the missing zero check.

#include <utility>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class get_from_zero_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  get_from_zero_kref() : refs_(1) {}
  get_from_zero_kref(const get_from_zero_kref&) = delete;
  get_from_zero_kref& operator=(const get_from_zero_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }

  // Relaxed: the caller already holds a reference.
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  // BUG: no "unless zero" — revives an object whose last put already ran.
  // Relaxed, as refcount_inc_not_zero: taking a reference publishes nothing.
  [[nodiscard]] bool get_unless_zero() {
    refs_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  template <class Release>
  bool put(Release&& release) {
    if (!dec_and_test()) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    return put_lock(std::forward<Release>(release), lock);
  }

  // refcount_dec_and_lock's shape: the last put happens under the lock, so a
  // lookup under the same lock cannot see the 0 (this path is not the bug).
  template <class Release, class Lockable>
  bool put_lock(Release&& release, Lockable& lock) {
    int old = refs_.load(std::memory_order_relaxed);
    while (old != 1) {
      // Release: this holder's writes happen-before whoever frees.
      if (refs_.compare_exchange_weak(old, old - 1, std::memory_order_release,
                                      std::memory_order_relaxed))
        return false;
    }
    lock.lock();
    if (!dec_and_test()) {
      lock.unlock();
      return false;
    }
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  bool dec_and_test() {
    // Release: this holder's writes happen-before the free.
    if (refs_.fetch_sub(1, std::memory_order_release) != 1) return false;
    // Acquire (refcount_dec_and_test's smp_acquire__after_ctrl_dep()): the
    // freeing thread sees every other holder's writes.
    (void)refs_.load(std::memory_order_acquire);
    return true;
  }

  // The count: relaxed increments, release decrements, acquire when last.
  atomic<int> refs_;
};

}  // namespace lastref::zoo
