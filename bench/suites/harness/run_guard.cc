// SPDX-License-Identifier: MIT
// See run_guard.h.
#include "run_guard.h"

#include <lastref/detail/futex.h>

#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "cpu.h"

namespace lastref::bench {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler stores these");

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig, std::memory_order_relaxed)) {
    g_stop.store(true, std::memory_order_relaxed);
    // The next one, of either kind, is not asked but told: default action.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
  } else {
    // A second signal raced the first one's reset: take the default now.
    signal(sig, SIG_DFL);
    raise(sig);
  }
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
          lastref::detail::futex_wait_until(&disarmed_, 0u, deadline);
        }
      }) {}

watchdog::~watchdog() {
  disarmed_.store(1u, std::memory_order_release);
  lastref::detail::futex_wake(&disarmed_, 1);
  if (thread_.joinable()) thread_.join();
}

}  // namespace lastref::bench
