// SPDX-License-Identifier: MIT
#pragma once
// zoo item 10 — unserialized_done_completion: a kernel-style completion
// (done counter and wake-ups under a lock) whose completion_done()-style
// check is lock-free, and whose wait() returns on that check. DELIBERATELY
// WRONG.
//
// What is wrong: complete() takes the lock, raises `done`, wakes sleepers,
// and only then releases the lock — it still touches the completion after
// the store that makes done() true. Waiters that consume under the lock are
// safe (they cannot return before complete() unlocked), but a caller that
// decides "the completer is finished, I may free this" from a lock-free
// done() — here wait()'s fast path, the on-stack idiom's waiter — frees the
// completion while complete() is between its store and its unlock: the wake
// and the unlock then touch freed memory (use-after-free).
// lastref::basic_completion is immune by construction: its complete() touches
// nothing after the publishing RMW except the futex wake, which the hard rule
// allows on freed memory.
//
// Real bug class: completion_done() used to decide that a completion may be
// freed. Before Linux 4.0 completion_done() read x->done without the lock
// while complete() still held x->wait.lock; "sched/completion: Serialize
// completion_done() with complete()" (Linux 4.0) made it wait for the lock
// holder. The same shape: any "is it done?" flag read lock-free and then used
// to free an object whose signaller still holds its lock.
//
// Interface: identical to lastref::basic_completion. Lifetime rule: the
// broken one above; a waiter that consumed under the lock may free.
//
// Memory ordering: `done` is written only under the lock with release RMWs
// and read with acquire loads/CASes, so a lock-free consume synchronises with
// the completer; the lock orders everything else. The bug is the lifetime.

#include <chrono>
#include <cstdint>
#include <mutex>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class unserialized_done_completion {
  template <class T>
  using atomic = typename Platform::template atomic<T>;
  using mutex = typename Platform::mutex;

 public:
  using platform_type = Platform;
  using clock = typename Platform::clock;

  static constexpr std::uint32_t done_all = 0x00FF'FFFFu;
  static constexpr std::uint32_t done_max = done_all - 1u;

  unserialized_done_completion() = default;
  unserialized_done_completion(const unserialized_done_completion&) = delete;
  unserialized_done_completion& operator=(const unserialized_done_completion&) = delete;

  void complete() {
    lock_.lock();
    std::uint32_t d = done_.load(std::memory_order_relaxed);  // stable: we hold the lock...
    // ...except for lock-free consumers, hence a CAS. Release: the
    // completer's writes happen-before the consuming wait.
    while (d < done_max && !done_.compare_exchange_weak(d, d + 1u, std::memory_order_release,
                                                        std::memory_order_relaxed)) {
    }
    wake(false);     // BUG: still touching *this after done() became true...
    lock_.unlock();  // ...and here
  }

  void complete_all() {
    lock_.lock();
    // Release: as complete().
    done_.exchange(done_all, std::memory_order_release);
    wake(true);
    lock_.unlock();
  }

  void wait() { (void)wait_impl(nullptr); }
  bool wait_until(typename clock::time_point deadline) { return wait_impl(&deadline); }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    if (consume_lock_free()) return true;
    auto deadline = Platform::now() + std::chrono::ceil<typename clock::duration>(timeout);
    return wait_impl(&deadline);
  }

  // try_wait_for_completion(): lock-free "nothing there", consume under the lock.
  [[nodiscard]] bool try_wait() {
    if (!done()) return false;
    std::lock_guard<mutex> g(lock_);
    return consume_locked();
  }

  // completion_done(): BUG — not serialised with a complete() in progress.
  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire) != 0u; }
  [[nodiscard]] std::uint32_t count() const { return done_.load(std::memory_order_acquire); }

  // Legal only when nobody waits or completes: the caller orders it.
  void reinit() { done_.store(0u, std::memory_order_relaxed); }

 private:
  // The fast path: "if (completion_done(x)) take it and go" — returns while
  // complete() may still hold the lock.
  bool consume_lock_free() {
    // Acquire: synchronises with the completer's release RMW.
    std::uint32_t v = done_.load(std::memory_order_acquire);
    while (v != 0u) {
      if (v == done_all) return true;
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
    return false;
  }

  // Lock held. Acquire as consume_lock_free.
  bool consume_locked() {
    std::uint32_t v = done_.load(std::memory_order_acquire);
    while (v != 0u) {
      if (v == done_all) return true;
      if (done_.compare_exchange_weak(v, v - 1u, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return true;
    }
    return false;
  }

  // Lock held: the sequence bump tells sleepers something changed.
  void wake(bool all) {
    // Relaxed: the lock orders it; it is only a futex word to sleep on.
    seq_.fetch_add(1u, std::memory_order_relaxed);
    if (all)
      Platform::futex_wake_all(seq_);
    else
      Platform::futex_wake_one(seq_);
  }

  bool wait_impl(const typename clock::time_point* deadline) {
    if (consume_lock_free()) return true;  // BUG: see consume_lock_free
    lock_.lock();
    for (;;) {
      if (consume_locked()) {
        lock_.unlock();
        return true;
      }
      // Read under the lock: a complete() after this bumps seq_ (under the
      // lock), so the futex wait below cannot miss it.
      const std::uint32_t s = seq_.load(std::memory_order_relaxed);
      lock_.unlock();
      bool woke = true;
      if (deadline == nullptr)
        Platform::futex_wait(seq_, s);
      else
        woke = Platform::futex_wait_until(seq_, s, *deadline);
      lock_.lock();
      if (!woke) {
        const bool got = consume_locked();
        lock_.unlock();
        return got;
      }
    }
  }

  // The wait-queue lock: complete/complete_all and locked consumers.
  mutex lock_;
  // 0..done_max completions, done_all = complete_all. Changed under lock_ by
  // release RMWs, also consumed lock-free by acquire CASes (the bug's path).
  atomic<std::uint32_t> done_{0u};
  // Futex word sleepers wait on; bumped under lock_ by every complete.
  // Relaxed: lock_ provides the ordering.
  atomic<std::uint32_t> seq_{0u};
};

}  // namespace lastref::zoo
