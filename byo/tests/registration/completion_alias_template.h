// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: every member is there, but the registered name is
// an alias of a two-parameter template, which the conformance suite cannot
// rebind to its test platforms.
#include <chrono>

namespace reject {
template <class P, bool Sticky>
struct basic_completion {
  basic_completion() = default;
  basic_completion(const basic_completion&) = delete;
  void complete() {}
  void complete_all() {}
  void wait() {}
  bool wait_for(std::chrono::milliseconds) { return true; }
  bool try_wait() { return true; }
  bool done() const { return true; }
  void reinit() {}
};
template <class P>
using completion = basic_completion<P, true>;
}  // namespace reject
