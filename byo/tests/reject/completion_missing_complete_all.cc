// SPDX-License-Identifier: MIT
// Must NOT compile: a completion without complete_all().
#include <lastref/concepts.h>
#include <chrono>

template <class P>
struct no_all_completion {
  no_all_completion() = default;
  no_all_completion(const no_all_completion&) = delete;
  void complete() {}
  void wait() {}
  bool wait_for(std::chrono::milliseconds) { return true; }
  bool try_wait() { return true; }
  bool done() const { return true; }
  void reinit() {}
};

static_assert(lastref::completion_template<no_all_completion>);
