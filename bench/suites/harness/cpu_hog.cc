// SPDX-License-Identifier: MIT
// See cpu_hog.h.
#include "cpu_hog.h"

#include <lastref/futex.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cpu.h"

namespace lastref::bench {

namespace {
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

cpu_hog::cpu_hog(const options& opt) : opt_(opt) {
  opt_.burst = std::min(opt_.burst, max_burst);
  thread_ = std::thread([this] { run(); });
  // Wait until the hog is pinned and has its class, so the first kick
  // already meets the configured contention.
  while (ready_.load(std::memory_order_acquire) == 0u) lastref::futex_wait(&ready_, 0u);
}

cpu_hog::~cpu_hog() {
  stop_.store(true, std::memory_order_relaxed);
  kicks_.fetch_add(1u, std::memory_order_release);
  lastref::futex_wake(&kicks_, 1);
  if (thread_.joinable()) thread_.join();
}

std::uint32_t cpu_hog::kick() noexcept {
  const std::uint32_t ticket = kicks_.fetch_add(1u, std::memory_order_release) + 1u;
  lastref::futex_wake(&kicks_, 1);
  return ticket;
}

bool cpu_hog::wait_started(std::uint32_t ticket, std::chrono::nanoseconds timeout) const noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Ticket arithmetic is modular; a started ticket is at most 2^31 ahead.
  while (static_cast<std::int32_t>(started_.load(std::memory_order_acquire) - ticket) < 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    cpu_relax();
  }
  return true;
}

void cpu_hog::run() noexcept {
  if (!pin_self(opt_.cpu))
    error_ = "cannot pin the hog to CPU " + std::to_string(opt_.cpu) + ": " + std::strerror(errno);
  if (opt_.fifo && !set_self_fifo(opt_.fifo_priority))
    error_ = std::string("SCHED_FIFO refused for the hog: ") + std::strerror(errno);
  else if (!opt_.fifo && !set_self_other(0))
    error_ = std::string("cannot set the hog to nice 0: ") + std::strerror(errno);
  ready_.store(1u, std::memory_order_release);
  lastref::futex_wake(&ready_, 1);

  using clock = std::chrono::steady_clock;
  const clock::duration budget = opt_.budget;
  clock::duration spent{0};
  std::uint32_t seen = 0;
  for (;;) {
    const std::uint32_t k = kicks_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) return;
    if (k == seen) {
      lastref::futex_wait(&kicks_, k);
      continue;
    }
    seen = k;
    if (spent >= budget) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      started_.store(k, std::memory_order_release);
      continue;
    }
    const clock::time_point start = clock::now();
    const clock::time_point end = start + std::min<clock::duration>(opt_.burst, budget - spent);
    started_.store(k, std::memory_order_release);
    clock::time_point t = start;
    while (t < end && !stop_.load(std::memory_order_relaxed)) {
      cpu_relax();
      t = clock::now();
    }
    spent += t - start;
    bursts_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace lastref::bench
