// SPDX-License-Identifier: MIT
#include "jitter.h"

#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace lastref::tsan::jitter {

namespace {

// Written before the workers start (thread creation orders it), read-only after.
uint64_t g_seed = 1;
unsigned g_level = 0;

thread_local uint64_t t_state = 0x9e3779b97f4a7c15ull;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace

void configure(uint64_t seed, unsigned level) noexcept {
  g_seed = seed;
  g_level = level;
}

unsigned level() noexcept { return g_level; }

void seed_thread(uint64_t index) noexcept {
  t_state = g_seed * 0x9e3779b97f4a7c15ull + (index + 1) * 0xbf58476d1ce4e5b9ull;
  (void)next();
}

uint64_t next() noexcept {
  uint64_t z = (t_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void point() noexcept {
  if (g_level == 0) return;
  uint64_t r = next();
  switch (r & 15) {
    case 0:
    case 1:
      sched_yield();
      return;
    case 2:
    case 3:
      if (g_level >= 2) {
        for (uint64_t i = 0, n = 1 + ((r >> 8) & 511); i < n; ++i) cpu_relax();
      }
      return;
    case 4:
      if (g_level >= 3 && ((r >> 4) & 7) == 0)
        std::this_thread::sleep_for(std::chrono::microseconds(1 + ((r >> 12) % 200)));
      return;
    default:
      return;
  }
}

}  // namespace lastref::tsan::jitter
