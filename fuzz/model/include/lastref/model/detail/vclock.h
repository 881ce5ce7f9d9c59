// SPDX-License-Identifier: MIT
#pragma once
// Fixed-size vector clock for the model's happens-before tracking.
//
// Contract: one 32-bit epoch per virtual thread (max_threads); no allocation, no
// bounds checks; loops of constant length that compilers vectorise.
//
// Memory ordering: not applicable (runtime-private, one OS thread).

#include <cstdint>

#include "../limits.h"

namespace lastref::model::detail {

inline constexpr int clock_width = max_threads;
// A thread id meaning "none" (construction outside the threads, no writer).
inline constexpr std::uint8_t no_thread = 0xff;

struct vclock {
  std::uint32_t c[clock_width] = {};

  void join(const vclock& o) noexcept {
    for (int i = 0; i < clock_width; ++i) c[i] = c[i] > o.c[i] ? c[i] : o.c[i];
  }
  void clear() noexcept {
    for (auto& x : c) x = 0;
  }
};

}  // namespace lastref::model::detail
