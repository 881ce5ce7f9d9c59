// SPDX-License-Identifier: MIT
// concepts.h: lastref's own primitives satisfy their concepts (also asserted
// in the header), an independently written primitive does, and a type
// missing any one operation is rejected. The compile-fail half (a real
// compiler error naming the concept) is the byo.concept_rejects.* tests.
#include <gtest/gtest.h>

#include <lastref/byo/refcount_kref.h>
#include <lastref/concepts.h>

#include "byo_kref.h"  // fuzz/tests: the independently written cas_kref

namespace lastref::test {
namespace {

// A minimal refcount with exactly refcount_primitive's operations.
template <class P>
class min_refcount {
 public:
  explicit min_refcount(int n = 1) : n_(n) {}
  min_refcount(const min_refcount&) = delete;
  min_refcount& operator=(const min_refcount&) = delete;
  [[nodiscard]] int read() const { return n_; }
  void set(int n) { n_ = n; }
  void inc() { ++n_; }
  bool inc_not_zero() { return n_ != 0 && ++n_ != 0; }
  bool dec_and_test() { return --n_ == 0; }

 private:
  int n_;
};

// The same with one operation missing each.
struct refcount_without_inc_not_zero {
  refcount_without_inc_not_zero(int = 1) {}
  refcount_without_inc_not_zero(const refcount_without_inc_not_zero&) = delete;
  int read() const { return 1; }
  void set(int) {}
  void inc() {}
  bool dec_and_test() { return false; }
};
struct copyable_refcount {
  copyable_refcount(int = 1) {}
  int read() const { return 1; }
  void set(int) {}
  void inc() {}
  bool inc_not_zero() { return true; }
  bool dec_and_test() { return false; }
};
struct kref_without_get_unless_zero {
  kref_without_get_unless_zero() = default;
  kref_without_get_unless_zero(const kref_without_get_unless_zero&) = delete;
  unsigned read() const { return 1; }
  void get() {}
  template <class R>
  bool put(R&&) {
    return false;
  }
  template <class R, class L>
  bool put_mutex(R&&, L&) {
    return false;
  }
};
struct kref_put_returns_void {
  kref_put_returns_void() = default;
  kref_put_returns_void(const kref_put_returns_void&) = delete;
  unsigned read() const { return 1; }
  void get() {}
  bool get_unless_zero() { return true; }
  template <class R>
  void put(R&&) {}
  template <class R, class L>
  bool put_mutex(R&&, L&) {
    return false;
  }
};
struct completion_without_complete_all {
  completion_without_complete_all() = default;
  completion_without_complete_all(const completion_without_complete_all&) = delete;
  void complete() {}
  void wait() {}
  template <class D>
  bool wait_for(D) {
    return true;
  }
  bool try_wait() { return true; }
  bool done() const { return true; }
  void reinit() {}
};

TEST(Concepts, LastrefOwnPrimitives) {
  EXPECT_TRUE(kernel_refcount_primitive<basic_refcount<std_platform>>);
  EXPECT_TRUE(kernel_kref_primitive<basic_kref<std_platform>>);
  EXPECT_TRUE(completion_primitive<basic_completion<std_platform>>);
  EXPECT_TRUE(fuzzable_module_primitive<basic_module<std_platform>>);
}

TEST(Concepts, IndependentPrimitives) {
  static_assert(refcount_primitive<min_refcount<std_platform>>);
  static_assert(!kernel_refcount_primitive<min_refcount<std_platform>>);
  static_assert(kref_primitive<fuzz::byo::cas_kref<std_platform>>);
  static_assert(!kernel_kref_primitive<fuzz::byo::cas_kref<std_platform>>);
  static_assert(kref_primitive<byo::refcount_kref<min_refcount<std_platform>>>);
  static_assert(refcount_template<min_refcount>);
  SUCCEED();
}

TEST(Concepts, MissingOperationRejected) {
  static_assert(!refcount_primitive<refcount_without_inc_not_zero>);
  static_assert(!refcount_primitive<copyable_refcount>);
  static_assert(!kref_primitive<kref_without_get_unless_zero>);
  static_assert(!kref_primitive<kref_put_returns_void>);
  static_assert(!completion_primitive<completion_without_complete_all>);
  static_assert(!module_primitive<basic_completion<std_platform>>);
  SUCCEED();
}

}  // namespace
}  // namespace lastref::test
