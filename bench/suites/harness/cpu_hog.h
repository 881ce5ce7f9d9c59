// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::cpu_hog — a thread that, when kicked, spins on one CPU for
// one bounded burst: the "loaded machine" of the release-latency benchmarks.
//
// Contract: the hog is pinned to `cpu` and runs SCHED_FIFO (when asked and
// permitted) or SCHED_OTHER nice 0. Between bursts it sleeps on a futex, so it
// costs nothing until kick(). A burst lasts `burst` (never more than
// max_burst) and the hog's whole life spins at most `budget`: once spent,
// kicks are counted as refused and do not spin. The spin loop re-reads the
// clock and the stop flag on every pass, so the bound is the loop's own
// deadline; Linux's RT throttling (sched_rt_runtime_us) is only a backstop.
//
// Lifetime rule: the destructor stops the hog and joins it, on every path
// (a benchmark that returns early or unwinds never leaves a spinning
// real-time thread behind).
//
// Memory ordering: kicks_ and started_ are counters another thread only
// waits on: kick() publishes a request with a release increment and the hog
// acquires it; started_ is stored release by the hog and read acquire by
// wait_started(), which only needs "the burst has begun". stop_ is relaxed:
// it carries no data, and the futex wake after it bounds how late it is seen.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace lastref::bench {

class cpu_hog {
 public:
  static constexpr std::chrono::microseconds max_burst{5000};

  struct options {
    int cpu = 0;
    bool fifo = false;
    int fifo_priority = 1;
    std::chrono::microseconds burst{2000};
    std::chrono::milliseconds budget{1000};
  };

  explicit cpu_hog(const options& opt);
  ~cpu_hog();
  cpu_hog(const cpu_hog&) = delete;
  cpu_hog& operator=(const cpu_hog&) = delete;

  // Asks for one burst and returns its ticket at once (never blocks, never
  // spins). Callable from any thread; kicks before a burst ends coalesce.
  std::uint32_t kick() noexcept;
  // Spins (on the caller's CPU) until the burst for `ticket` has started, or
  // `timeout` passed; false on timeout.
  bool wait_started(std::uint32_t ticket, std::chrono::nanoseconds timeout) const noexcept;

  // Empty if the hog got the scheduling class it was asked for.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::uint64_t bursts() const noexcept {
    return bursts_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t refused() const noexcept {
    return refused_.load(std::memory_order_relaxed);
  }

 private:
  void run() noexcept;

  options opt_;
  std::string error_;  // written by the hog before ready_, read after
  // Kick tickets; the futex word the hog sleeps on. See "Memory ordering".
  std::atomic<std::uint32_t> kicks_{0};
  // Last ticket whose burst has started (or was refused).
  std::atomic<std::uint32_t> started_{0};
  // Set once by the hog after it applied its pinning and policy.
  std::atomic<std::uint32_t> ready_{0};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> bursts_{0};   // statistics only: relaxed
  std::atomic<std::uint64_t> refused_{0};  // statistics only: relaxed
  std::thread thread_;                     // last: started after every field
};

}  // namespace lastref::bench
