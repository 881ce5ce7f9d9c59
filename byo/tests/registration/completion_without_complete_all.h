// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: a completion without complete_all().
#include <chrono>

namespace reject {
template <class P>
struct completion {
  completion() = default;
  completion(const completion&) = delete;
  void complete() {}
  void wait() {}
  bool wait_for(std::chrono::milliseconds) { return true; }
  bool try_wait() { return true; }
  bool done() const { return true; }
  void reinit() {}
};
}  // namespace reject
