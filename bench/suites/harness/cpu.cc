// SPDX-License-Identifier: MIT
// See cpu.h.
#include "cpu.h"

#include <lastref/futex.h>

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace lastref::bench {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    cpus.push_back(0);
    return cpus;
  }
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

cpu_pair pick_cpu_pair() {
  const std::vector<int> cpus = allowed_cpus();
  return cpu_pair{cpus.front(), cpus.back()};
}

bool pin_self(int cpu) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

scoped_pin::scoped_pin(int cpu) noexcept {
  saved_ = pthread_getaffinity_np(pthread_self(), sizeof old_mask_, &old_mask_) == 0;
  ok_ = pin_self(cpu);
}

scoped_pin::~scoped_pin() {
  if (saved_) pthread_setaffinity_np(pthread_self(), sizeof old_mask_, &old_mask_);
}

void pin_handshake::pinned() noexcept {
  word_.store(1u, std::memory_order_release);
  lastref::futex_wake(&word_, 1);
}

void pin_handshake::wait() noexcept {
  while (word_.load(std::memory_order_acquire) == 0u) lastref::futex_wait(&word_, 0u);
}

bool set_self_fifo(int priority) noexcept {
  sched_param p{};
  p.sched_priority = priority;
  return pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) == 0;
}

bool set_self_other(int nice) noexcept {
  sched_param p{};
  if (pthread_setschedparam(pthread_self(), SCHED_OTHER, &p) != 0) return false;
  // On Linux the nice value is per thread (setpriority on a TID).
  return setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), nice) == 0;
}

bool set_self_idle() noexcept {
  sched_param p{};
  return pthread_setschedparam(pthread_self(), SCHED_IDLE, &p) == 0;
}

namespace {

contention_mode probe() {
  contention_mode m;
  const char* forced = std::getenv("LASTREF_BENCH_CONTENTION");
  const bool force_fallback = forced != nullptr && std::string_view(forced) == "fallback";
  int err = 0;
  if (!force_fallback) {
    // A throwaway thread asks, so the caller's own policy never changes.
    std::thread t([&] { err = set_self_fifo(m.fifo_priority) ? 0 : errno; });
    t.join();
    m.fifo = err == 0;
  }
  if (m.fifo) {
    m.name = "sched_fifo_permitted";
    m.detail = "SCHED_FIFO permitted: fifo hog rows run (SCHED_FIFO priority " +
               std::to_string(m.fifo_priority) + ", duty-cycled)";
  } else {
    m.name = "fallback_no_sched_fifo";
    m.detail = std::string("FALLBACK: ") +
               (force_fallback ? "forced by LASTREF_BENCH_CONTENTION=fallback"
                               : std::string("SCHED_FIFO refused (") + std::strerror(err) + ")") +
               "; SCHED_FIFO hog rows are skipped, SCHED_OTHER hog rows run. To get them: run "
               "as root, grant CAP_SYS_NICE (setcap cap_sys_nice+ep BINARY) or raise "
               "RLIMIT_RTPRIO (ulimit -r 1, rtprio in limits.conf)";
  }
  return m;
}

}  // namespace

const contention_mode& detect_contention_mode() {
  static const contention_mode mode = probe();
  return mode;
}

}  // namespace lastref::bench
