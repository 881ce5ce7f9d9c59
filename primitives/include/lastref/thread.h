// SPDX-License-Identifier: MIT
#pragma once
// lastref thread helpers: the top of a thread that may end itself with
// Platform::exit_thread().
//
// Contract: std_platform::exit_thread() throws lastref::thread_exit, so a
// thread that uses the safe-exit helpers (module.h) must run its body through
// run_thread_body, which catches exactly that exception and, once the body's
// frames are unwound, runs its last action (platform.h, exit_thread). Any other exception
// still terminates the program (the function is noexcept). joining_thread is
// a std::thread that does this and joins in its destructor, so no test leaves
// a thread behind.
//
// Lifetime rule: the callable is moved into the new thread; joining_thread
// must not outlive anything the callable references. For the last action to
// really be last, the body callable must be builtin code whose destructor is
// builtin too (it is destroyed after the action), and no noexcept frame or
// catch (...) may stand between the body and Platform::exit_thread (the
// first terminates, the second swallows the exit).
//
// Memory ordering: none of its own; std::thread's start and join synchronise.

#include <thread>
#include <type_traits>
#include <utility>

#include "platform.h"

namespace lastref {

template <class F>
void run_thread_body(F&& f) noexcept {
  thread_exit how;
  try {
    std::forward<F>(f)();
    return;
  } catch (const thread_exit& e) {
    how = e;  // the thread ended itself through Platform::exit_thread()
  }
  // Every frame of the body is gone now, so the last action may be the one
  // that lets the body's module text be freed.
  how.run_last_action();
}

// A std::thread whose body runs through run_thread_body.
template <class F>
[[nodiscard]] std::thread run_thread(F&& f) {
  return std::thread([fn = std::decay_t<F>(std::forward<F>(f))]() mutable { run_thread_body(fn); });
}

class joining_thread {
 public:
  template <class F>
  explicit joining_thread(F&& f) : thread_(run_thread(std::forward<F>(f))) {}
  joining_thread(joining_thread&&) noexcept = default;
  joining_thread& operator=(joining_thread&&) = delete;
  joining_thread(const joining_thread&) = delete;
  joining_thread& operator=(const joining_thread&) = delete;
  ~joining_thread() { join(); }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

}  // namespace lastref
