// SPDX-License-Identifier: MIT
// See run_guard.h.
#include "run_guard.h"

#include <lastref/futex.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cpu.h"

namespace lastref::bench {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<long long> g_first_ns{0};  // CLOCK_MONOTONIC of the first stop signal
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<long long>::is_always_lock_free,
              "the signal handler stores these");

// Copies of one stop request (the terminal's signal to the process group
// and the same signal forwarded by a supervisor) arrive within this window.
constexpr long long duplicate_window_ns = 1'000'000'000;

long long monotonic_ns() noexcept {  // async-signal-safe (clock_gettime is)
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  const long long now = monotonic_ns();
  if (g_signal.compare_exchange_strong(none, sig, std::memory_order_relaxed)) {
    g_first_ns.store(now, std::memory_order_relaxed);
    g_stop.store(true, std::memory_order_relaxed);
    return;
  }
  if (now - g_first_ns.load(std::memory_order_relaxed) < duplicate_window_ns) return;
  // A second request, not a copy of the first: it is not asked but told.
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

std::atomic<bool>& stop_flag() noexcept { return g_stop; }
int stop_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

void install_stop_signals() noexcept {
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

void bind_to_parent(long rttime_us) noexcept {
  const pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) std::perror("prctl(PR_SET_PDEATHSIG)");
  // The parent may have died before the prctl: then nobody sends the signal.
  if (getppid() != parent) raise(SIGTERM);
  rlimit rl{};
  if (getrlimit(RLIMIT_RTTIME, &rl) == 0) {
    const auto soft = static_cast<rlim_t>(rttime_us);
    const rlim_t hard = soft * 2;
    // Only ever lowered: an unprivileged process may not raise a hard limit.
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > hard) rl.rlim_max = hard;
    rl.rlim_cur = soft < rl.rlim_max ? soft : rl.rlim_max;
    if (setrlimit(RLIMIT_RTTIME, &rl) != 0) std::perror("setrlimit(RLIMIT_RTTIME)");
  }
}

watchdog::watchdog(std::chrono::seconds bound, std::string what, std::chrono::milliseconds grace)
    : thread_([this, bound, what = std::move(what), grace] {
        // Above the hogs' real-time priority when permitted, so the watchdog
        // runs even if a hog misbehaves; a refusal changes nothing else.
        set_self_fifo(2);
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (disarmed_.load(std::memory_order_acquire) == 0u) {
          if (std::chrono::steady_clock::now() >= deadline) {
            std::fprintf(stderr,
                         "%s: WATCHDOG: the run exceeded its bound of %lld s; stopping every "
                         "hog and aborting (raise the bound with --lastref_watchdog_s=N)\n",
                         what.c_str(), static_cast<long long>(bound.count()));
            g_stop.store(true, std::memory_order_relaxed);
            std::this_thread::sleep_for(grace);  // hogs poll the flag every pass
            std::abort();
          }
          lastref::futex_wait_until(&disarmed_, 0u, deadline);
        }
      }) {}

watchdog::~watchdog() {
  disarmed_.store(1u, std::memory_order_release);
  lastref::futex_wake(&disarmed_, 1);
  if (thread_.joinable()) thread_.join();
}

}  // namespace lastref::bench
