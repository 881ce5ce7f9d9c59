// SPDX-License-Identifier: MIT
#pragma once
// lastref platform policy — what every primitive is templated on.
//
// Contract: a Platform is a class with only static members and member
// templates that supplies everything a primitive may do that another thread
// can observe. Primitives touch shared state *only* through it, which is what
// lets the same source run at full speed (std_platform), under the
// deterministic model scheduler (lastref::model::platform, fuzz/model/), and
// under ThreadSanitizer. A Platform P provides:
//
//   template <class T> using atomic = ...;   // std::atomic<T>'s interface:
//       load, store, exchange, fetch_add, fetch_sub, fetch_or, fetch_and,
//       compare_exchange_weak/strong; every call passes an explicit
//       std::memory_order (primitives never rely on the seq_cst default).
//   template <class T> using cell = ...;     // a plain, non-atomic field:
//       read(), write(v). Concurrent unsynchronised access is a data race.
//   using mutex = ...;                       // Lockable (lock/unlock/try_lock)
//   using clock = ...; static clock::time_point now();
//   static void fence(std::memory_order);
//   static void futex_wait(atomic<uint32_t>&, uint32_t expected);
//   static bool futex_wait_until(atomic<uint32_t>&, uint32_t expected,
//                                clock::time_point deadline); // false: timed out
//   static void futex_wake_one(atomic<uint32_t>&);
//   static void futex_wake_all(atomic<uint32_t>&);
//   static void preemption_point();
//   static void text_enter(const void* text);  // begin executing module text
//   static void text_leave(const void* text);  // return out of module text
//   static void text_unmap(const void* text);  // module text is freed
//   [[noreturn]] static void exit_thread(thread_exit how = {});
//                                             // end the calling thread
//   template <class T, class... A> static T* make(A&&...);  // new
//   template <class T> static void destroy(T*);             // delete
//
// and optionally (detail/spin.h supplies the defaults):
//
//   static constexpr unsigned wait_spin_iterations;   // default 0
//   static constexpr unsigned wait_yield_iterations;  // default 0
//   static void spin_pause();                          // default: CPU pause
//   static void spin_yield();                          // default: sched_yield
//
// A blocking wait (completion) first polls its word up to
// wait_spin_iterations times, each poll after one spin_pause(), then up to
// wait_yield_iterations times, each after one spin_yield(), before it
// sleeps in futex_wait: a hand-off whose other side answers within a
// microsecond (on another CPU) then costs a cache-line transfer instead of
// two context switches, and one whose other side is runnable on the SAME
// CPU gets that CPU through the yield instead of through a futex sleep. The
// defaults are 0 because the spin is only a speed-up: it adds no behaviour
// (a poll is a pure read, and a poll that sees a completion consumes it
// with the same CAS as the fast path), so a platform that does not ask for
// it — the model scheduler, where every poll would be one more scheduling
// point per wait and multiply the schedule space for nothing, or a user's
// platform written before the option existed — waits exactly as before.
//
// Futex rules (as Linux's FUTEX_WAIT / FUTEX_WAKE, private): futex_wait
// returns at once if the word no longer holds `expected`, and may return
// spuriously, so callers always re-check in a loop. futex_wake_* never
// dereferences the word in user space: it is the one operation allowed on an
// address whose object may already have been freed by a woken waiter.
//
// Memory ordering: the platform adds no ordering of its own. futex_wait and
// futex_wake are not synchronisation operations; a primitive that needs
// happens-before between a waker and a waiter gets it from its atomics
// (release store / acquire load of the futex word). A primitive may call
// preemption_point() where a real scheduler could usefully preempt and no
// atomic operation already offers a scheduling point.
//
// Code residency (text_*): a module's code is "text" identified by an
// address. Code that runs in a module's text brackets itself with
// text_enter/text_leave (see residency_scope in module.h); text_unmap marks
// the text freed. On real machines these are no-ops — the module primitive
// does its own residency counting — but the model records them, so a thread
// that is still inside, or returns into, unmapped text is reported.
//
// exit_thread(how): ends the calling thread without returning to its caller.
// how.last_action(how.arg), if set, is the thread's very last action, run
// from the thread's top frame once the thread has left every frame of its
// callers. That is what kthread_complete_and_exit gives the kernel: the pin
// or completion that lets a module go is dropped only when nothing of the
// thread is left in module text — not even a frame the C++ unwinder still
// has to read. std_platform throws the thread_exit, and run_thread_body
// (thread.h) catches it and then runs the action; threads that use the
// safe-exit helpers must be started through it. The action's code must be
// builtin (never unloaded) code.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

#include "detail/spin.h"
#include "futex.h"
#include "source_loc.h"

namespace lastref {

// How a thread ends itself: see exit_thread above. Thrown by
// std_platform::exit_thread; caught by run_thread_body.
struct thread_exit {
  void (*last_action)(void*) = nullptr;
  void* arg = nullptr;

  void run_last_action() const {
    if (last_action != nullptr) last_action(arg);
  }
};

// Production cell: a plain T with the model's read/write interface.
template <class T>
class plain_cell {
 public:
  constexpr plain_cell() = default;
  constexpr explicit plain_cell(T v) : v_(std::move(v)) {}
  plain_cell(const plain_cell&) = delete;
  plain_cell& operator=(const plain_cell&) = delete;

  [[nodiscard]] const T& read() const noexcept { return v_; }
  void write(T v) noexcept(std::is_nothrow_move_assignable_v<T>) { v_ = std::move(v); }

 private:
  T v_{};
};

struct std_platform {
  template <class T>
  using atomic = std::atomic<T>;
  template <class T>
  using cell = plain_cell<T>;
  using mutex = std::mutex;
  using clock = std::chrono::steady_clock;

  // 16 pauses: ~0.4 us on a Zen 5 core (24 ns per PAUSE), ~0.6 us on
  // Skylake-and-later Intel (~40 ns), ~0.1 us on older cores: enough to
  // catch a partner on another CPU that answers at once (a ping-pong's
  // turnaround is 0.1-0.3 us), and little CPU thrown away when the waiter
  // sleeps anyway. No sched_yield polls: a yield does help a partner that
  // is runnable on the same CPU (same-CPU ping-pong 0.85x the raw futex
  // round trip with 4 yields), but under CPU hogs of the waiter's own class
  // it hands the CPU to a hog for the rest of its slice: the unloader of the
  // release benchmark then woke after p50 205 us instead of 12.5 us (two
  // normal hogs, bench/suites/release_latency.cc, row
  // ref:builtin_release_with_wait_yield), the failure libstdc++'s
  // atomic::wait shows at nice 19 under load. Last-reference latency on a
  // loaded machine is what this suite is about, so the spin stays short and
  // yield-free.
  static constexpr unsigned wait_spin_iterations = 16;
  static constexpr unsigned wait_yield_iterations = 0;
  static void spin_pause() noexcept { detail::cpu_pause(); }
  static void spin_yield() noexcept { std::this_thread::yield(); }

  static clock::time_point now() noexcept { return clock::now(); }

  static void fence(std::memory_order mo) noexcept { std::atomic_thread_fence(mo); }

  static void futex_wait(atomic<uint32_t>& word, uint32_t expected) noexcept {
    ::lastref::futex_wait(&word, expected);
  }
  static bool futex_wait_until(atomic<uint32_t>& word, uint32_t expected,
                               clock::time_point deadline) noexcept {
    return ::lastref::futex_wait_until(&word, expected, deadline);
  }
  static void futex_wake_one(atomic<uint32_t>& word) noexcept { ::lastref::futex_wake(&word, 1); }
  static void futex_wake_all(atomic<uint32_t>& word) noexcept {
    ::lastref::futex_wake(&word, futex_wake_everyone);
  }

  static void preemption_point() noexcept {}
  static void text_enter(const void*) noexcept {}
  static void text_leave(const void*) noexcept {}
  static void text_unmap(const void*) noexcept {}

  [[noreturn]] static void exit_thread(thread_exit how = {}) { throw how; }

  template <class T, class... A>
  static T* make(A&&... args) {
    return new T(std::forward<A>(args)...);
  }
  template <class T>
  static void destroy(T* p) noexcept {
    delete p;
  }
};

}  // namespace lastref
