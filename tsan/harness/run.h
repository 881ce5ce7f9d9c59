// SPDX-License-Identifier: MIT
#pragma once
// Worker threads, run bounds, bounded handshakes and the harness platform.
//
// Contract:
// - run_workers(n, f) runs f(index) on n fresh threads (jitter seeded per
//   index) and joins them all before returning; nothing outlives it.
// - bound::more(i) is the loop condition of a worker: true while i is below
//   --iterations (if set) and the --duration-ms deadline (if set) is ahead.
// - wait_until(pred, timeout) spins with yields until pred() holds or the
//   timeout passes; handshakes in the harnesses are always bounded this way
//   so that a broken variant (or a correct one that never reaches the hooked
//   point) cannot hang a test.
// - harness_platform is std_platform except that preemption_point() runs the
//   calling thread's hook (set_preemption_hook) when one is set, and seeded
//   jitter otherwise, and futex waits/wakes are preceded by jitter. Primitives instantiated over it
//   are the same source as the production ones; only the scheduling hook differs.
//
// Lifetime: a preemption hook's context must outlive the hook's installation
// (clear it with set_preemption_hook(nullptr, nullptr)).
//
// Memory ordering: the hooks themselves add none; handshakes that must not
// create happens-before edges (so as not to hide a race from TSan) are
// written by the harnesses with care and documented there.

#include <sched.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include <lastref/platform.h>

#include "jitter.h"
#include "options.h"

namespace lastref::tsan {

class bound {
 public:
  explicit bound(const options& o)
      : iterations_(o.iterations),
        deadline_(o.duration_ms
                      ? std::chrono::steady_clock::now() + std::chrono::milliseconds(o.duration_ms)
                      : std::chrono::steady_clock::time_point::max()) {}

  [[nodiscard]] bool more(uint64_t i) const noexcept {
    if (iterations_ != 0 && i >= iterations_) return false;
    return deadline_ == std::chrono::steady_clock::time_point::max() ||
           std::chrono::steady_clock::now() < deadline_;
  }

 private:
  uint64_t iterations_;
  std::chrono::steady_clock::time_point deadline_;
};

template <class F>
void run_workers(unsigned n, F&& f) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned i = 0; i < n; ++i)
    threads.emplace_back([i, &f] {
      jitter::seed_thread(i);
      f(i);
    });
  for (auto& t : threads) t.join();
}

template <class Pred>
bool wait_until(Pred&& pred, std::chrono::microseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (unsigned spins = 0; !pred(); ++spins) {
    if ((spins & 63) == 63 && std::chrono::steady_clock::now() >= deadline) return pred();
    sched_yield();
  }
  return true;
}

using preemption_hook_fn = void (*)(void* ctx);
void set_preemption_hook(preemption_hook_fn fn, void* ctx) noexcept;

namespace detail {
void at_preemption_point() noexcept;
}

struct harness_platform : std_platform {
  static void preemption_point() noexcept { detail::at_preemption_point(); }
  // Jitter before blocking and before waking widens the windows the
  // completion's hard rule is about (a waiter freeing the completion between
  // the releasing RMW and the wake).
  static void futex_wait(atomic<uint32_t>& word, uint32_t expected) noexcept {
    jitter::point();
    std_platform::futex_wait(word, expected);
  }
  static bool futex_wait_until(atomic<uint32_t>& word, uint32_t expected,
                               clock::time_point deadline) noexcept {
    jitter::point();
    return std_platform::futex_wait_until(word, expected, deadline);
  }
  static void futex_wake_one(atomic<uint32_t>& word) noexcept {
    jitter::point();
    std_platform::futex_wake_one(word);
  }
  static void futex_wake_all(atomic<uint32_t>& word) noexcept {
    jitter::point();
    std_platform::futex_wake_all(word);
  }
};

}  // namespace lastref::tsan
