// SPDX-License-Identifier: MIT
#pragma once
// lastref::basic_kref — Linux struct kref (include/linux/kref.h) over a
// Platform: a refcount_t whose last put runs a release function.
//
// Contract: constructed (or init()'d) holding one reference. get() needs a
// reference already held; get_unless_zero() is for lookups that may race
// with the last put (it fails once the count reached 0). put(release) drops
// one reference and, if it was the last, calls release(*this) exactly once
// and returns true. put_mutex / put_lock take `lock` before the count can
// reach 0 (refcount_dec_and_mutex_lock / refcount_dec_and_lock), so a
// lookup under the same lock never finds a dying object; release then runs
// with the lock held and must unlock it.
//
// Lifetime rule: after the decrement that reaches 0 the kref is touched only
// by `release`, which typically frees the object that contains it; a put that
// returns false never touches it again either.
//
// Memory ordering: that of basic_refcount — get is relaxed (the caller
// already holds a reference), put releases and, when it is the last one,
// acquires before release runs, so release sees every holder's writes.

#include <utility>

#include "platform.h"
#include "refcount.h"

namespace lastref {

template <class Platform = std_platform>
class basic_kref {
 public:
  using platform_type = Platform;
  basic_kref() : refcount_(1) {}  // kref_init
  basic_kref(const basic_kref&) = delete;
  basic_kref& operator=(const basic_kref&) = delete;

  void init() { refcount_.set(1); }
  [[nodiscard]] unsigned int read() const { return static_cast<unsigned int>(refcount_.read()); }

  void get() { refcount_.inc(); }
  [[nodiscard]] bool get_unless_zero() { return refcount_.inc_not_zero(); }

  template <class Release>
  bool put(Release&& release) {
    if (!refcount_.dec_and_test()) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    if (!refcount_.dec_and_mutex_lock(lock)) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_lock(Release&& release, Lockable& lock) {
    if (!refcount_.dec_and_lock(lock)) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  // The count (the kernel's kref.refcount); its rules are basic_refcount's.
  basic_refcount<Platform> refcount_;
};

using kref = basic_kref<>;

}  // namespace lastref
