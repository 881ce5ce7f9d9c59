// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench run guard — how a long benchmark run with spinning (and
// possibly real-time) threads is ended early and safely.
//
// Contract:
// - stop_flag() is the process-wide "stop now" flag. install_stop_signals()
//   makes SIGINT, SIGTERM and SIGHUP set it (the first of them; a second one
//   more than a second later gets the default action, so an impatient user
//   can still kill the run — copies of one request, e.g. the terminal's
//   SIGINT to the whole process group plus a supervisor such as `timeout`
//   forwarding it, arrive within milliseconds and count once). Every hog
//   and every sampling loop polls the flag; benchmarks see it, stop, and the
//   threads they started are joined as usual. stop_signal() says which
//   signal arrived (0: none).
// - bind_to_parent() makes the process unable to outlive whoever started
//   it and bounds its real-time threads: PR_SET_PDEATHSIG delivers SIGTERM
//   (a stop request, as above) when the parent dies, and RLIMIT_RTTIME caps
//   the CPU time a SCHED_FIFO/SCHED_RR thread may take without blocking
//   (soft: SIGXCPU, hard: SIGKILL), so a runaway real-time spin cannot keep
//   a CPU even if every stop request is lost. Call it first in main.
// - watchdog: if the run has not ended `bound` after construction, it prints
//   one clear message, sets stop_flag() (every hog stops spinning: nothing
//   real-time keeps a CPU), gives the threads `grace` to wind down, and
//   aborts. The destructor disarms and joins it.
//
// Lifetime rule: the flag lives for the whole process; the watchdog must be
// destroyed before main returns (its destructor joins its thread).
//
// Memory ordering: the flag is a lock-free atomic<bool> (so the signal
// handler may store it) used relaxed: it carries no data, pollers only need
// to see it eventually. The watchdog's disarm word is a futex word stored
// release and loaded acquire; it also carries no data beyond itself.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace lastref::bench {

std::atomic<bool>& stop_flag() noexcept;
[[nodiscard]] int stop_signal() noexcept;
void install_stop_signals() noexcept;
// rttime_us: the RLIMIT_RTTIME soft limit (the hard one is twice it).
void bind_to_parent(long rttime_us) noexcept;

class watchdog {
 public:
  watchdog(std::chrono::seconds bound, std::string what,
           std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  std::atomic<std::uint32_t> disarmed_{0};  // futex word, release/acquire
  std::thread thread_;                      // last: started after every field
};

}  // namespace lastref::bench
