// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: put_mutex exists but returns void (the suites and
// the scenarios use its result: did the release run).
namespace reject {
template <class P>
struct kref {
  kref() = default;
  kref(const kref&) = delete;
  unsigned read() const { return 1; }
  void get() {}
  bool get_unless_zero() { return true; }
  template <class R>
  bool put(R&&) {
    return false;
  }
  template <class R, class L>
  void put_mutex(R&&, L&) {}
};
}  // namespace reject
