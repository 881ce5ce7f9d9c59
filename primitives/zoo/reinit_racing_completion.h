// SPDX-License-Identifier: MIT
#pragma once
// zoo item 11 — reinit_racing_completion: a completion re-armed for the next
// round by the first waiter that returns from complete_all(), while the other
// waiters of that complete_all() have not woken yet. DELIBERATELY WRONG.
//
// What is wrong: reinit() (reinit_completion) is legal only when no thread
// waits on the completion and none is about to. Here the correct
// lastref::basic_completion is wrapped so that a wait() which returns because
// of complete_all() immediately calls reinit() — "reuse the completion for
// the next round". A second waiter that was woken by complete_all() but has
// not yet re-checked `done` (or was about to start waiting) now finds done ==
// 0 and goes back to sleep; nothing will complete it again, so it never
// returns (lost wake-up; the model reports a deadlock). The window is the
// time between the wake-up and the woken thread running, which a loaded
// machine makes long.
//
// Real bug class: reinit_completion() racing with waiters — the kernel
// documentation (Documentation/scheduler/completion.rst) requires that a
// completion be reinitialised only when no waiters can be present, and
// drivers that reuse one completion for successive broadcast rounds (reinit
// right after the wait, or right after complete_all()) lose waiters this way.
// The same race makes Windows' PulseEvent "unreliable" by Microsoft's own
// documentation: a waiter momentarily off the wait queue misses the pulse.
//
// Interface: identical to lastref::basic_completion (this is a wrapper of
// it). Lifetime rule: basic_completion's.
//
// Memory ordering: basic_completion's; the re-arming reinit() is relaxed as
// basic_completion::reinit, which is exactly what makes it a race.

#include <chrono>
#include <cstdint>

#include <lastref/completion.h>
#include <lastref/testing/completion_probe.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class reinit_racing_completion {
  using inner = basic_completion<Platform>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;
  static constexpr std::uint32_t done_all = inner::done_all;

  reinit_racing_completion() = default;
  reinit_racing_completion(const reinit_racing_completion&) = delete;
  reinit_racing_completion& operator=(const reinit_racing_completion&) = delete;

  void complete() { c_.complete(); }
  void complete_all() { c_.complete_all(); }

  void wait() {
    c_.wait();
    rearm();
  }
  bool wait_until(typename clock::time_point deadline) {
    const bool got = c_.wait_until(deadline);
    if (got) rearm();
    return got;
  }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    const bool got = c_.wait_for(timeout);
    if (got) rearm();
    return got;
  }
  [[nodiscard]] bool try_wait() {
    const bool got = c_.try_wait();
    if (got) rearm();
    return got;
  }

  [[nodiscard]] bool done() const { return c_.done(); }
  [[nodiscard]] std::uint32_t count() const { return testing::completion_count(c_); }
  [[nodiscard]] std::uint32_t waiters() const { return testing::completion_waiters(c_); }
  void reinit() { c_.reinit(); }

 private:
  // BUG: the first waiter back from complete_all() re-arms the completion
  // for the next round while the others may still be waking up.
  void rearm() {
    if (testing::completion_count(c_) == done_all) c_.reinit();
  }

  inner c_;  // the correct completion; its fields carry its own rules
};

}  // namespace lastref::zoo
