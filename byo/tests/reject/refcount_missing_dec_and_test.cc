// SPDX-License-Identifier: MIT
// Must NOT compile: a refcount without dec_and_test(), used where lastref
// requires a refcount (the refcount -> kref adapter of the fuzz sets).
#include <lastref/byo/refcount_kref.h>

template <class P>
struct no_dec_refcount {
  explicit no_dec_refcount(int = 1) {}
  no_dec_refcount(const no_dec_refcount&) = delete;
  int read() const { return 1; }
  void set(int) {}
  void inc() {}
  bool inc_not_zero() { return true; }
};

lastref::byo::refcount_kref<no_dec_refcount<lastref::std_platform>> k;
