// SPDX-License-Identifier: MIT
#pragma once
// zoo item 5 — unchecked_kref: a kref that does not detect a double put
// (underflow). DELIBERATELY WRONG.
//
// What is wrong: a put on a count that is already 0 (the object was released)
// or a put that drops a reference nobody took is accepted silently: the count
// goes to -1 and on, and "last reference" is decided only by "the decrement
// returned 1". A caller's double put therefore releases the object while
// another holder still has it (the extra put stole that holder's reference),
// and the put after the release writes freed memory, with no report from the
// primitive. lastref::basic_refcount reports "underflow; use-after-free" the
// moment a decrement goes below 0 and saturates, so that the object is never
// released a second time (refcount_sub_and_test in lib/refcount.c).
//
// How the suite shows it: the zoo set (fuzz/zoo_manifest.h) pairs this kref with
// the `error_path_puts` hook (fuzz/impl_set.h): a thread's error path and its
// common exit both put the thread's last reference. The model's allocator
// oracle (the role KASAN plays in a kernel) catches the consequence —
// a release under a holder, a put on freed memory — although the primitive
// stays silent.
//
// Real bug class: unbalanced kref_put()/kobject_put() on error paths (a put
// in the error branch and again at the common exit label), e.g. the many
// "fix double put" / "fix refcount leak and double free in error path"
// driver fixes, and the general reason refcount_t (Linux 4.11) turned
// underflow into a warning plus saturation instead of a second free.
//
// Interface: identical to lastref::basic_kref. Lifetime rule: as basic_kref
// while callers balance their gets and puts.
//
// Memory ordering: as basic_kref (relaxed gets, release puts, acquire before
// release runs); only the underflow check is missing.

#include <utility>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class unchecked_kref {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  unchecked_kref() : refs_(1) {}
  unchecked_kref(const unchecked_kref&) = delete;
  unchecked_kref& operator=(const unchecked_kref&) = delete;

  void init() { refs_.store(1, std::memory_order_relaxed); }
  [[nodiscard]] unsigned int read() const {
    return static_cast<unsigned int>(refs_.load(std::memory_order_relaxed));
  }

  // Relaxed: the caller already holds a reference (not checked either).
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }

  // Relaxed, as refcount_inc_not_zero: the value says the object lives.
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
    if (!dec_and_test()) return false;
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
    while (old != 1) {
      // Release: this holder's writes happen-before whoever frees. BUG: 0
      // and negative counts are decremented further, silently.
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
    // Release: this holder's writes happen-before the free. BUG: an old
    // value of 0 or less (a put too many) is not reported.
    if (refs_.fetch_sub(1, std::memory_order_release) != 1) return false;
    // Acquire: the freeing thread sees every other holder's writes.
    (void)refs_.load(std::memory_order_acquire);
    return true;
  }

  // The count: relaxed increments, release decrements, acquire when last.
  atomic<int> refs_;
};

}  // namespace lastref::zoo
