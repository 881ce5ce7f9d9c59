// SPDX-License-Identifier: MIT
#pragma once
// zoo item 16 — split_sticky_completion: a completion that keeps "complete_all
// happened" in a sticky flag beside the done counter, and puts its waiters to
// sleep on a separate wake-sequence word that every complete bumps; the
// waiter takes its snapshot of the sequence relaxed. DELIBERATELY WRONG (the
// `_fixed` twin takes it with acquire).
//
// What is wrong: complete_all() sets the flag, bumps the counter and then the
// wake sequence, all with release: the writer side of message passing (MP),
// the sequence being the message. A waiter that sees the sequence changed
// must also see the flag. This waiter reads the sequence relaxed, so nothing
// orders its following flag read after complete_all's flag store: woken by
// complete_all, it may see the new sequence and the stale flag 0. When the
// first woken waiter has consumed complete_all's count, the second sees the
// flag 0 and the count 0 and sleeps on the sequence it just read, which
// nobody bumps again (the model reports a deadlock). Under sequential
// consistency the flag is set before the sequence changes, so a waiter that
// saw the new sequence sees the flag: the model's sc mode cannot show this
// bug; c11 can.
//
// Real bug class: message passing without the pairing acquire on the reader
// — a flag or pointer published with a release (smp_wmb(),
// rcu_assign_pointer(), a sequence bump) and read without smp_rmb(),
// smp_load_acquire() or rcu_dereference(); Documentation/memory-barriers.txt,
// "SMP BARRIER PAIRING" ("a write barrier should always be paired with a read
// barrier").
//
// Interface: identical to lastref::basic_completion. Lifetime rule: as
// waitqueue_active_completion.h (complete and complete_all touch the
// completion after the RMW that lets a waiter return: the zoo set keeps
// completions alive).
//
// Memory ordering: the flag is a release store, the counter and the sequence
// release RMWs; the flag and the counter are read with acquire, consuming
// CASes acquire. The waiter's sequence snapshot is relaxed (the bug); `Fixed`
// makes it acquire.

#include <chrono>
#include <cstdint>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform, bool Fixed>
class basic_split_sticky_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_max = 0x00FF'FFFEu;

  basic_split_sticky_completion() = default;
  basic_split_sticky_completion(const basic_split_sticky_completion&) = delete;
  basic_split_sticky_completion& operator=(const basic_split_sticky_completion&) = delete;

  void complete() {
    std::uint32_t old = done_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
      next = old >= done_max ? old : old + 1u;
      // Release: what the completer did happens-before the consuming wait.
    } while (!done_.compare_exchange_weak(old, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    wake();
  }

  void complete_all() {
    all_.store(1u, std::memory_order_release);       // the data...
    done_.fetch_add(1u, std::memory_order_release);  // (a count for a waiter mid-consume)
    wake();                                          // ...and the message
  }

  void wait() { (void)wait_impl(nullptr); }

  bool wait_until(typename clock::time_point deadline) { return wait_impl(&deadline); }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (try_wait()) return true;
    auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }

  [[nodiscard]] bool try_wait() {
    // Sticky: consume nothing. Acquire: seeing the flag synchronises with
    // complete_all (what the completer did happens-before this return).
    if (all_.load(std::memory_order_acquire) != 0u) return true;
    std::uint32_t v = done_.load(std::memory_order_acquire);
    for (;;) {
      if (v == 0u) return false;
      // Acquire: a completion consumed here carries the completer's writes.
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
  }

  [[nodiscard]] bool done() const {
    return all_.load(std::memory_order_acquire) != 0u ||
           done_.load(std::memory_order_acquire) != 0u;
  }
  [[nodiscard]] std::uint32_t count() const { return done_.load(std::memory_order_acquire); }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() {
    all_.store(0u, std::memory_order_relaxed);
    done_.store(0u, std::memory_order_relaxed);
  }

 private:
  void wake() {
    seq_.fetch_add(1u, std::memory_order_release);
    Platform::futex_wake_all(seq_);
  }

  bool wait_impl(const typename clock::time_point* deadline) {
    for (;;) {
      // BUG (unless Fixed): relaxed, so the checks below may not see what
      // the complete that bumped this sequence published (the flag).
      const std::uint32_t s =
          seq_.load(Fixed ? std::memory_order_acquire : std::memory_order_relaxed);
      if (try_wait()) return true;
      // Sleeps only while the sequence is still the one read before the
      // check: a complete in between changes it.
      if (deadline == nullptr) {
        Platform::futex_wait(seq_, s);
      } else if (!Platform::futex_wait_until(seq_, s, *deadline)) {
        return try_wait();
      }
    }
  }

  atomic<std::uint32_t> done_{0u};  // pending completions
  atomic<std::uint32_t> all_{0u};   // complete_all happened (sticky)
  atomic<std::uint32_t> seq_{0u};   // futex word: bumped by every complete
};

template <class Platform = std_platform>
using split_sticky_completion = basic_split_sticky_completion<Platform, false>;
// The fixed twin: the sequence snapshot is an acquire.
template <class Platform = std_platform>
using split_sticky_completion_fixed = basic_split_sticky_completion<Platform, true>;

}  // namespace lastref::zoo
