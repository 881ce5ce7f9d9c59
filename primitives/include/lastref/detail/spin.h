// SPDX-License-Identifier: MIT
#pragma once
// The optional spin-phase members of a Platform (see platform.h), looked up
// with a default so that platforms written before them keep compiling:
//
//   static constexpr unsigned wait_spin_iterations;   // default 0: never spin
//   static constexpr unsigned wait_yield_iterations;  // default 0: never yield
//   static void spin_pause();                          // default: cpu_pause()
//   static void spin_yield();                          // default: sched_yield
//
// Lifetime rule: none.
//
// Memory ordering: none; a pause is not a memory operation.

#include <thread>

namespace lastref::detail {

// One "I am spinning" hint to the CPU: lets the sibling hyperthread run and
// keeps the spin loop from flooding the memory system with speculative loads.
inline void cpu_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

template <class Platform>
inline constexpr unsigned wait_spin_iterations = [] {
  if constexpr (requires { Platform::wait_spin_iterations; })
    return static_cast<unsigned>(Platform::wait_spin_iterations);
  else
    return 0u;
}();

template <class Platform>
inline constexpr unsigned wait_yield_iterations = [] {
  if constexpr (requires { Platform::wait_yield_iterations; })
    return static_cast<unsigned>(Platform::wait_yield_iterations);
  else
    return 0u;
}();

template <class Platform>
inline void spin_yield() {
  if constexpr (requires { Platform::spin_yield(); })
    Platform::spin_yield();
  else
    std::this_thread::yield();
}

template <class Platform>
inline void spin_pause() {
  if constexpr (requires { Platform::spin_pause(); })
    Platform::spin_pause();
  else
    cpu_pause();
}

}  // namespace lastref::detail
