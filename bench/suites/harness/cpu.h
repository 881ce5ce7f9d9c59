// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench CPU placement and scheduling for the benchmark harness.
//
// Contract: helpers that pin the calling thread, change its scheduling class,
// and find out once per process which kind of CPU contention this machine
// lets a benchmark create. Every change a helper makes to the *calling*
// thread of a benchmark (Google Benchmark's main thread runs many
// benchmarks) is undone by a scoped_* guard; threads the harness starts
// itself are simply joined.
//
// Lifetime rule: guards restore in their destructor, so they must be
// destroyed on the thread that created them.
//
// Memory ordering: pin_handshake's word is stored release and loaded
// acquire, so the creator sees everything the new thread did before
// pinned(); otherwise no shared state beyond a function-local static, whose
// initialisation the language makes thread-safe.

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace lastref::bench {

// CPUs this process may run on (sched_getaffinity), in ascending order.
std::vector<int> allowed_cpus();

// The two CPUs two-thread benchmarks put their threads on: the first and the
// last allowed CPU. Both are the same CPU on a one-CPU machine.
struct cpu_pair {
  int first;
  int second;
  [[nodiscard]] bool distinct() const noexcept { return first != second; }
};
cpu_pair pick_cpu_pair();

// Pins the calling thread to one CPU; false if the kernel refused.
bool pin_self(int cpu) noexcept;

// Pins the calling thread; the destructor restores its previous mask.
class scoped_pin {
 public:
  explicit scoped_pin(int cpu) noexcept;
  ~scoped_pin();
  scoped_pin(const scoped_pin&) = delete;
  scoped_pin& operator=(const scoped_pin&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  bool saved_ = false;
  bool ok_ = false;
  cpu_set_t old_mask_{};
};

// A new thread inherits its creator's CPU mask, so it starts on the
// creator's CPU; if the creator then spins, the new thread waits a whole
// time slice before it can pin itself away. The creator therefore sleeps in
// wait() until the new thread called pinned() (after pinning itself).
class pin_handshake {
 public:
  void pinned() noexcept;
  void wait() noexcept;

 private:
  std::atomic<std::uint32_t> word_{0};  // 1 once pinned; release/acquire
};

// Scheduling classes the harness uses. Each returns false (errno kept) when
// the kernel refuses; none throws.
bool set_self_fifo(int priority) noexcept;  // SCHED_FIFO
bool set_self_other(int nice) noexcept;     // SCHED_OTHER at a per-thread nice
bool set_self_idle() noexcept;              // SCHED_IDLE

// Whether this process may create real-time load: the release-latency
// suite runs its SCHED_FIFO hog rows only if so.
//   fifo:     SCHED_FIFO was granted to a probe thread ("sched_fifo_permitted").
//   fallback: it was refused, or LASTREF_BENCH_CONTENTION=fallback forced the
//             refusal path ("fallback_no_sched_fifo"); detail says how to
//             grant it. SCHED_OTHER hog rows run either way.
struct contention_mode {
  bool fifo = false;
  int fifo_priority = 1;
  std::string name;    // "sched_fifo_permitted" or "fallback_no_sched_fifo"
  std::string detail;  // one line for the benchmark output and JSON context
};

// Probed once (a short-lived thread asks for SCHED_FIFO and ends). The
// environment variable LASTREF_BENCH_CONTENTION=fallback forces the fallback
// so it can be tested on machines that would allow SCHED_FIFO.
const contention_mode& detect_contention_mode();

}  // namespace lastref::bench
