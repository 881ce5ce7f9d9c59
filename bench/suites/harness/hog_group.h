// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::hog_group — K in-process CPU hogs that keep the machine
// loaded for the length of one benchmark: the "loaded machine" of the
// release-latency contention matrix.
//
// Contract: the constructor starts `count` threads and returns once each has
// applied its placement and class (or failed: error()). A hog is pinned to
// cpus[i % cpus.size()] when `cpus` is non-empty, else it floats.
//   - normal hogs (SCHED_OTHER nice 0) spin continuously, in passes of at
//     most cpu_hog::max_burst between checks;
//   - fifo hogs (SCHED_FIFO) alternate a spin burst (uniform in [burst/2,
//     3*burst/2], never above cpu_hog::max_burst) with a sleep (uniform in
//     [gap/2, 3*gap/2]), so a real-time hog never holds a CPU longer than
//     5 ms at a time. The caller sizes `gap` so that the hogs' summed
//     real-time demand per CPU stays below 100 % (see fifo_gap_for()); the
//     kernel's RT throttling (sched_rt_runtime_us) is only a backstop.
// Every hog stops spinning for good when stop() is called, at `deadline`,
// when *abort
// (the process-wide signal/watchdog flag) becomes true, or when its own
// spin time reaches `budget` (then exhausted() is true). The spin loop
// re-reads the clock and both flags on every pass.
//
// Lifetime rule: the destructor stops and joins every hog, on every path, so
// no spinning (let alone real-time) thread outlives the benchmark that made
// it.
//
// Memory ordering: stop_ and exhausted_ are relaxed flags carrying no data
// (the spin loop polls them; join() orders everything at the end). ready_ is
// a futex word incremented release by each hog after it set its class and
// error slot, and read acquire by the constructor, so the constructor sees
// every error string.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace lastref::bench {

class hog_group {
 public:
  struct options {
    int count = 0;
    bool fifo = false;
    int fifo_priority = 1;
    std::vector<int> cpus;  // empty: unpinned
    std::chrono::microseconds burst{2000};
    std::chrono::microseconds gap{1000};  // fifo only
    std::chrono::milliseconds budget{10'000};
    const std::atomic<bool>* abort = nullptr;  // process-wide stop (signals, watchdog)
    // The hogs stop for good at this instant (the end of a benchmark's
    // sampling window), whatever the budget says.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  };

  // The sleep a fifo hog needs so that `count` hogs of `burst` on `cpus`
  // CPUs keep each CPU's real-time share at most `share` (0 < share < 1).
  static std::chrono::microseconds fifo_gap_for(int count, int cpus,
                                                std::chrono::microseconds burst,
                                                double share = 2.0 / 3.0);

  explicit hog_group(options opt);
  ~hog_group();
  hog_group(const hog_group&) = delete;
  hog_group& operator=(const hog_group&) = delete;

  void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool exhausted() const noexcept {
    return exhausted_.load(std::memory_order_relaxed);
  }
  // First error of any hog (empty: every hog got its placement and class).
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] int count() const noexcept { return opt_.count; }

 private:
  void run(int index) noexcept;
  [[nodiscard]] bool stopping() const noexcept;

  options opt_;
  std::string error_;
  std::vector<std::string> errors_;      // one slot per hog, written before ready_
  std::atomic<std::uint32_t> ready_{0};  // hogs that finished setup; futex word
  std::atomic<bool> stop_{false};        // relaxed: polled flag
  std::atomic<bool> exhausted_{false};   // relaxed: statistics flag
  std::vector<std::thread> threads_;     // last: started after every field
};

}  // namespace lastref::bench
