// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo::refcount_kref — a kref built from any refcount_primitive, so
// a user's refcount is fuzzed and stressed by the same kref protocol
// (lookup table, last put, release) as lastref's own kref.
//
// Contract: kref_primitive's operations (concepts.h) mapped one to one:
// construction = set(1) (kref_init's refcount_set), get = inc,
// get_unless_zero = inc_not_zero, put = dec_and_test then
// release(*this). put_mutex takes `lock` before the decrement that may be
// the last (a lookup under the same lock then never finds a dying object)
// and unlocks unless release runs; that is refcount_dec_and_mutex_lock's
// contract without its dec_not_one shortcut, which a minimal refcount lacks.
//
// Lifetime rule: as kref: after the decrement to 0 only release touches it.
//
// Memory ordering: exactly the refcount's; the adapter adds none.

#include <utility>

#include <lastref/concepts.h>

namespace lastref::byo {

template <refcount_primitive Refcount>
class refcount_kref {
 public:
  // kref_init: refcount_set(&kref->refcount, 1). It also puts the user's
  // set() under test, which nothing else in the kref protocol calls.
  refcount_kref() { count_.set(1); }
  refcount_kref(const refcount_kref&) = delete;
  refcount_kref& operator=(const refcount_kref&) = delete;

  [[nodiscard]] unsigned int read() const { return static_cast<unsigned int>(count_.read()); }
  void get() { count_.inc(); }
  [[nodiscard]] bool get_unless_zero() { return count_.inc_not_zero(); }

  template <class Release>
  bool put(Release&& release) {
    if (!count_.dec_and_test()) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    lock.lock();
    if (!count_.dec_and_test()) {
      lock.unlock();
      return false;
    }
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  Refcount count_;  // one reference at construction, as refcount_primitive requires
};

// refcount_kref over a refcount class template: a class template over a
// Platform again, which is what the fuzz sets and stress jobs take.
template <template <class> class Refcount>
struct refcount_kref_of {
  template <class Platform>
  using type = refcount_kref<Refcount<Platform>>;
};

}  // namespace lastref::byo
