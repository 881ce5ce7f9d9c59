// SPDX-License-Identifier: MIT
#pragma once
// One-directional "you may go" signals between two threads, one adapter per
// primitive, driven by the ping-pong and wake-latency suites. The absl
// adapter exists when CMake found abseil (LASTREF_HAVE_ABSL).
//
// Contract: for round i the signalling thread calls recycle(i + 2) and then
// signal(i); the waiting thread calls wait(i), which returns once signal(i)
// happened. Reusable primitives ignore i. One-shot primitives (promise,
// latch) keep a ring of four slots and recycle(j) re-creates slot j % 4: by
// then the waiter has returned from wait(j - 3) and signalled back or
// reported (the drivers guarantee it), so nobody still touches slot j % 4,
// and the re-creation happens-before wait(j) through signal(j - 1). The
// one-shot figures therefore include constructing a fresh object per round,
// which is what using them costs.
//
// A duplex is the two directions of a ping-pong: A does a_signal(i),
// a_wait(i); B does b_wait(i), b_signal(i). duplex_of<C> is two channels;
// futex_duplex and spin_duplex use ONE word for both directions (the
// physical limit: a raw futex wait/wake ping-pong on one word; and a
// reference with no sleeping at all).
//
// Lifetime rule: a channel outlives both threads' use of it (the drivers
// join before destroying it).
//
// Memory ordering: each primitive's own; the raw futex word is stored
// release and loaded acquire so that the waiter's return happens-after the
// signal, exactly what every other channel gives.

#include <lastref/completion.h>
#include <lastref/futex.h>
#if defined(LASTREF_HAVE_ABSL)
#include <absl/synchronization/notification.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <semaphore>

namespace lastref::bench {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

template <class Platform>
struct alignas(64) basic_completion_channel {
  lastref::basic_completion<Platform> c;
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t) { c.complete(); }
  void wait(std::uint64_t) { c.wait(); }
};
using completion_channel = basic_completion_channel<lastref::std_platform>;

// lastref's completion as it was before its spin phase (ref rows: what the
// spin phase buys, measured in the same run).
struct no_spin_platform : lastref::std_platform {
  static constexpr unsigned wait_spin_iterations = 0;
  static constexpr unsigned wait_yield_iterations = 0;
};
using completion_no_spin_channel = basic_completion_channel<no_spin_platform>;

struct alignas(64) semaphore_channel {
  std::binary_semaphore s{0};
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t) { s.release(); }
  void wait(std::uint64_t) { s.acquire(); }
};

// C++20 atomic wait/notify on one word. libstdc++ 12 polls a few times with
// a pause, then with sched_yield, before it sleeps in FUTEX_WAIT.
struct alignas(64) atomic_wait_channel {
  std::atomic<std::uint32_t> word{0};  // round i+1 signalled; store release, load acquire
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t i) {
    word.store(static_cast<std::uint32_t>(i + 1), std::memory_order_release);
    word.notify_one();
  }
  void wait(std::uint64_t i) {
    const auto want = static_cast<std::uint32_t>(i + 1);
    for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) != want;)
      word.wait(v, std::memory_order_acquire);
  }
};

struct alignas(64) condvar_channel {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;  // guarded by m
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t) {
    {
      std::lock_guard<std::mutex> g(m);
      ready = true;
    }
    cv.notify_one();
  }
  void wait(std::uint64_t) {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [this] { return ready; });
    ready = false;
  }
};

struct alignas(64) promise_channel {
  struct slot {
    std::promise<void> p;
    std::future<void> f = p.get_future();
  };
  slot slots[4];
  void recycle(std::uint64_t j) {
    slot& s = slots[j % 4];
    s.p = std::promise<void>();
    s.f = s.p.get_future();
  }
  void signal(std::uint64_t i) { slots[i % 4].p.set_value(); }
  void wait(std::uint64_t i) { slots[i % 4].f.wait(); }
};

struct alignas(64) latch_channel {
  std::optional<std::latch> slots[4];
  latch_channel() {
    for (auto& s : slots) s.emplace(1);
  }
  void recycle(std::uint64_t j) { slots[j % 4].emplace(1); }
  void signal(std::uint64_t i) { slots[i % 4]->count_down(); }
  void wait(std::uint64_t i) { slots[i % 4]->wait(); }
};

#if defined(LASTREF_HAVE_ABSL)
// absl::Notification is one-shot (Notify once, never reset) and neither
// movable nor copyable: a ring of slots re-created in place, as the latch.
// Its wait is absl::Mutex::LockWhen, which spins adaptively before sleeping.
struct alignas(64) absl_notification_channel {
  std::optional<absl::Notification> slots[4];
  absl_notification_channel() {
    for (auto& s : slots) s.emplace();
  }
  void recycle(std::uint64_t j) { slots[j % 4].emplace(); }
  void signal(std::uint64_t i) { slots[i % 4]->Notify(); }
  void wait(std::uint64_t i) { slots[i % 4]->WaitForNotification(); }
};
#endif

// The physical limit of a blocking hand-off: store the new value, one
// FUTEX_WAKE; the waiter sleeps in FUTEX_WAIT until the word changes.
struct alignas(64) futex_channel {
  std::atomic<std::uint32_t> word{0};  // round i+1 signalled; store release, load acquire
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t i) {
    word.store(static_cast<std::uint32_t>(i + 1), std::memory_order_release);
    lastref::futex_wake(&word, 1);
  }
  void wait(std::uint64_t i) {
    const auto want = static_cast<std::uint32_t>(i + 1);
    for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) != want;)
      lastref::futex_wait(&word, v);
  }
};

// The one-way cache-line transfer: store, and a waiter that only spins.
struct alignas(64) spin_channel {
  std::atomic<std::uint32_t> word{0};  // round i+1 signalled; store release, load acquire
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t i) {
    word.store(static_cast<std::uint32_t>(i + 1), std::memory_order_release);
  }
  void wait(std::uint64_t i) {
    const auto want = static_cast<std::uint32_t>(i + 1);
    while (word.load(std::memory_order_acquire) != want) cpu_relax();
  }
};

template <class Channel>
struct duplex_of {
  Channel ping;
  Channel pong;
  void recycle(std::uint64_t j) {
    ping.recycle(j);
    pong.recycle(j);
  }
  void a_signal(std::uint64_t i) { ping.signal(i); }
  void a_wait(std::uint64_t i) { pong.wait(i); }
  void b_wait(std::uint64_t i) { ping.wait(i); }
  void b_signal(std::uint64_t i) { pong.signal(i); }
};

// Round i: A stores 2i+1, B stores 2i+2, both on one futex word.
struct alignas(64) futex_duplex {
  std::atomic<std::uint32_t> word{0};  // last step posted; store release, load acquire
  void recycle(std::uint64_t) {}
  void a_signal(std::uint64_t i) { post(2 * i + 1); }
  void a_wait(std::uint64_t i) { await(2 * i + 2); }
  void b_wait(std::uint64_t i) { await(2 * i + 1); }
  void b_signal(std::uint64_t i) { post(2 * i + 2); }

 private:
  void post(std::uint64_t v) {
    word.store(static_cast<std::uint32_t>(v), std::memory_order_release);
    lastref::futex_wake(&word, 1);
  }
  void await(std::uint64_t v) {
    const auto want = static_cast<std::uint32_t>(v);
    for (std::uint32_t w; (w = word.load(std::memory_order_acquire)) != want;)
      lastref::futex_wait(&word, w);
  }
};

// Same protocol, spinning instead of sleeping: the cache-line round trip
// alone, a reference for how much of a blocking round trip is the kernel.
struct alignas(64) spin_duplex {
  std::atomic<std::uint64_t> word{0};  // last step posted; store release, load acquire
  void recycle(std::uint64_t) {}
  void a_signal(std::uint64_t i) { word.store(2 * i + 1, std::memory_order_release); }
  void a_wait(std::uint64_t i) { await(2 * i + 2); }
  void b_wait(std::uint64_t i) { await(2 * i + 1); }
  void b_signal(std::uint64_t i) { word.store(2 * i + 2, std::memory_order_release); }

 private:
  void await(std::uint64_t v) {
    while (word.load(std::memory_order_acquire) != v) cpu_relax();
  }
};

}  // namespace lastref::bench
