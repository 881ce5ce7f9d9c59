// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: a refcount that cannot start at a given count
// (the conformance suite constructs R(0), R(1), R(2) ...).
namespace reject {
template <class P>
struct refcount {
  refcount() = default;
  refcount(const refcount&) = delete;
  int read() const { return 1; }
  void set(int) {}
  void inc() {}
  bool inc_not_zero() { return true; }
  bool dec_and_test() { return false; }
};
}  // namespace reject
