// SPDX-License-Identifier: MIT
// See hog_group.h.
#include "hog_group.h"

#include <lastref/futex.h>

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "cpu.h"
#include "cpu_hog.h"

namespace lastref::bench {

namespace {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

std::chrono::microseconds uniform_around(std::mt19937_64& rng, std::chrono::microseconds mean) {
  if (mean.count() <= 1) return mean;
  std::uniform_int_distribution<std::int64_t> d(mean.count() / 2, mean.count() * 3 / 2);
  return std::chrono::microseconds(d(rng));
}

}  // namespace

std::chrono::microseconds hog_group::fifo_gap_for(int count, int cpus,
                                                  std::chrono::microseconds burst, double share) {
  // Per-CPU demand (count / cpus) * burst / (burst + gap) <= share. A single
  // hog never exceeds 2/3 of a CPU either (gap >= burst / 2).
  const double per_cpu = static_cast<double>(count) / std::max(cpus, 1);
  const double gap = static_cast<double>(burst.count()) * (per_cpu / share - 1.0);
  return std::max(std::chrono::microseconds(static_cast<std::int64_t>(gap + 0.5)), burst / 2);
}

hog_group::hog_group(options opt) : opt_(std::move(opt)) {
  opt_.burst = std::clamp(opt_.burst, std::chrono::microseconds(10), cpu_hog::max_burst);
  errors_.resize(static_cast<std::size_t>(std::max(opt_.count, 0)));
  threads_.reserve(errors_.size());
  try {
    for (int i = 0; i < opt_.count; ++i) threads_.emplace_back([this, i] { run(i); });
  } catch (...) {
    // A thread that could not start: the destructor will not run, so stop
    // and join the ones that did before the exception leaves.
    stop();
    for (std::thread& t : threads_) t.join();
    throw;
  }
  for (;;) {
    const std::uint32_t r = ready_.load(std::memory_order_acquire);
    if (r == static_cast<std::uint32_t>(opt_.count)) break;
    lastref::futex_wait(&ready_, r);
  }
  for (const std::string& e : errors_)
    if (!e.empty() && error_.empty()) error_ = e;
}

hog_group::~hog_group() {
  stop();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

bool hog_group::stopping() const noexcept {
  return stop_.load(std::memory_order_relaxed) ||
         (opt_.abort != nullptr && opt_.abort->load(std::memory_order_relaxed));
}

void hog_group::run(int index) noexcept {
  std::string& err = errors_[static_cast<std::size_t>(index)];
  if (!opt_.cpus.empty()) {
    const int cpu = opt_.cpus[static_cast<std::size_t>(index) % opt_.cpus.size()];
    if (!pin_self(cpu))
      err = "cannot pin a hog to CPU " + std::to_string(cpu) + ": " + std::strerror(errno);
  }
  const bool fifo = opt_.fifo && set_self_fifo(opt_.fifo_priority);
  if (opt_.fifo && !fifo)
    err = std::string("SCHED_FIFO refused for a hog: ") + std::strerror(errno);
  else if (!opt_.fifo && !set_self_other(0))
    err = std::string("cannot set a hog to nice 0: ") + std::strerror(errno);
  ready_.fetch_add(1u, std::memory_order_release);
  lastref::futex_wake(&ready_, 1 << 30);
  // A hog that was refused the real-time class does not spin at all: a
  // SCHED_OTHER thread in a fifo row would measure something else.
  if (opt_.fifo && !fifo) return;

  using clock = std::chrono::steady_clock;
  std::mt19937_64 rng(0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(index + 1));
  const clock::duration budget = opt_.budget;
  clock::duration spent{0};
  while (!stopping()) {
    if (clock::now() >= opt_.deadline) return;
    if (spent >= budget) {
      exhausted_.store(true, std::memory_order_relaxed);
      return;
    }
    const clock::duration burst = std::min<clock::duration>(
        fifo ? std::min(uniform_around(rng, opt_.burst), cpu_hog::max_burst) : opt_.burst,
        budget - spent);
    const clock::time_point start = clock::now();
    const clock::time_point end = std::min(start + burst, opt_.deadline);
    clock::time_point t = start;
    while (t < end && !stopping()) {
      cpu_relax();
      t = clock::now();
    }
    spent += t - start;
    if (fifo && !stopping()) {
      const auto gap =
          std::chrono::duration_cast<std::chrono::nanoseconds>(uniform_around(rng, opt_.gap));
      timespec ts{static_cast<time_t>(gap.count() / 1'000'000'000),
                  static_cast<long>(gap.count() % 1'000'000'000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR && !stopping()) {
      }
    }
  }
}

}  // namespace lastref::bench
