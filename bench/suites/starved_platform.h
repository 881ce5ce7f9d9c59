// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::starved_platform — std_platform plus one benchmark hook:
// the releasing thread loses its CPU right after it lets the unloader go.
//
// Contract: identical to std_platform (same atomics, same futex calls, same
// exit by throwing lastref::thread_exit) except that a thread which armed a
// preemption_trigger fires it once, at the first of
//   - the return of its first futex_wake_one/futex_wake_all (the wake that
//     lets a sleeping unloader run: complete(), a draining residency exit);
//   - the end of the thread's exit_thread() last action (the safe-exit
//     helpers drop their pin / signal from the thread's top frame after
//     unwinding; module_put_and_exit's put wakes nobody because the unloader
//     polls, so the hook fires right after that put);
//   - an explicit fire_end() at the end of the releasing body (fallback).
// Firing records where it fired and, if the trigger has a cpu_hog, kicks it:
// a hog sharing the releasing thread's CPU then preempts the thread at step 5
// of the reference bug (DESIGN.md): after the signal, before it is done.
// The release-latency matrix (release_latency.cc) loads the machine with
// hog_group instead and arms a trigger without a hog, only to count how often
// the release had to futex-wake a sleeping unloader (fired_at::after_wake:
// the bug's setting) rather than find it still in its spin phase.
// Threads that never arm a trigger (the unloader) are unaffected.
//
// This is the platform seam DESIGN.md describes ("a preemption point hook"),
// not a hook inside a primitive: the primitives are instantiated over this
// platform unchanged.
//
// Lifetime rule: a trigger is armed by and for one thread and must outlive
// that thread's platform calls (the benchmark keeps it on its stack and joins
// the thread).
//
// Memory ordering: none added; the trigger is thread-local.

#include <lastref/platform.h>

#include <cstdint>

#include "harness/cpu_hog.h"

namespace lastref::bench {

enum class fired_at : std::uint8_t { not_yet, after_wake, at_exit, at_end };

struct preemption_trigger {
  cpu_hog* hog = nullptr;  // null: record where, kick nothing (uncontended runs)
  fired_at where = fired_at::not_yet;

  void fire(fired_at w) noexcept {
    if (where != fired_at::not_yet) return;
    where = w;
    if (hog != nullptr) hog->kick();
  }
};

inline thread_local preemption_trigger* armed_trigger = nullptr;

struct starved_platform : lastref::std_platform {
  static void futex_wake_one(atomic<std::uint32_t>& word) noexcept {
    std_platform::futex_wake_one(word);
    fire(fired_at::after_wake);
  }
  static void futex_wake_all(atomic<std::uint32_t>& word) noexcept {
    std_platform::futex_wake_all(word);
    fire(fired_at::after_wake);
  }
  // The caller's last action runs where std_platform runs it (from the
  // thread's top frame, after unwinding); the hook fires right after it.
  [[noreturn]] static void exit_thread(thread_exit how = {}) {
    pending_last_action = how;
    std_platform::exit_thread(thread_exit{&last_action_then_fire, nullptr});
  }
  static void fire_end() noexcept { fire(fired_at::at_end); }

 private:
  static inline thread_local thread_exit pending_last_action{};

  static void last_action_then_fire(void*) {
    pending_last_action.run_last_action();
    fire(fired_at::at_exit);
  }

  static void fire(fired_at w) noexcept {
    if (armed_trigger != nullptr) armed_trigger->fire(w);
  }
};

}  // namespace lastref::bench
