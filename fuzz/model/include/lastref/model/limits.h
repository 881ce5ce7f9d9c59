// SPDX-License-Identifier: MIT
#pragma once
// lastref::model limits — the one definition of how many virtual threads an
// execution may have, shared by the public API (program.h, test.h,
// schedule.h's thread masks) and the runtime (per-thread arrays, vector
// clocks, the explorer's tables).
//
// Contract: a program runs 1 .. max_threads threads. Thread sets are 8-bit
// masks (decision::runnable and friends), so max_threads cannot exceed 8.
//
// Lifetime rule / memory ordering: not applicable (constants).

namespace lastref::model {

inline constexpr int max_threads = 8;
static_assert(max_threads >= 1 && max_threads <= 8, "thread sets are 8-bit masks");

}  // namespace lastref::model
