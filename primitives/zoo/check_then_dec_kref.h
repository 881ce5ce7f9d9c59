// SPDX-License-Identifier: MIT
#pragma once
// zoo item 6 — check_then_dec_kref: a kref whose put() tests `read() == 1`
// and then, in a separate step, stores 0 and releases. DELIBERATELY WRONG.
//
// What is wrong: the check and the decrement are two atomic operations, not
// one read-modify-write. Between them another thread can take a reference —
// get_unless_zero() from a lookup under the table lock succeeds, because the
// count is still 1 — and the store of 0 then erases that reference: release
// frees an object the other thread holds (use-after-free), and that thread's
// later put drives the count negative. Every individual access is atomic, so
// this is a logic race, not a data race on the counter; ThreadSanitizer sees
// its consequence, the other holder's accesses racing with the free. The
// window is marked with Platform::preemption_point(), where a real scheduler
// may preempt, so the model and the TSan handshake can open it on purpose.
//
// Real bug class: "if (atomic_read(&obj->refcnt) == 1) { free } else
// atomic_dec(...)" shortcuts and other check-then-act (TOCTOU) refcount
// code, in place of refcount_dec_and_test()/refcount_dec_and_lock(), which
// decide "last reference" from the decrement itself.
//
// Interface: identical to lastref::basic_kref. Lifetime rule: as basic_kref
// (when the bug does not strike).
//
// Memory ordering: otherwise correct (release decrements, acquire when last),
// so the only bug is the non-atomic check-then-decrement.

#include <utility>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class check_then_dec_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  check_then_dec_kref() : refs_(1) {}
  check_then_dec_kref(const check_then_dec_kref&) = delete;
  check_then_dec_kref& operator=(const check_then_dec_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }

  // Taking a reference needs no ordering: the caller holds one already.
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  // Relaxed as refcount_inc_not_zero: the value itself says the object lives.
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
    // BUG: check... (acquire: a 1 was written by the previous holder's
    // release decrement, whose writes must happen-before release())
    if (refs_.load(std::memory_order_acquire) == 1) {
      Platform::preemption_point();
      // ...then act: a reference taken since the check is overwritten.
      refs_.store(0, std::memory_order_relaxed);
      std::forward<Release>(release)(*this);
      return true;
    }
    // acq_rel: release this holder's writes; acquire the others' if last.
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
    // Acquire on the reads: the 1 we may end with is the value the previous
    // holder's release decrement wrote, so its writes happen-before release.
    int old = refs_.load(std::memory_order_acquire);
    while (old != 1) {
      // Release: this holder's writes happen-before whoever frees.
      if (refs_.compare_exchange_weak(old, old - 1, std::memory_order_release,
                                      std::memory_order_acquire))
        return false;
    }
    // BUG: "last" was decided outside the lock, from a plain check; a lookup
    // under the lock can still take a reference here...
    Platform::preemption_point();
    lock.lock();
    // ...and this store erases it (refcount_dec_and_lock re-decrements here).
    refs_.store(0, std::memory_order_relaxed);
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  // The count; orders as noted per operation. The bug is structural.
  atomic<int> refs_;
};

}  // namespace lastref::zoo
