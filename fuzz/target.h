// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz target glue — one libFuzzer entry point shared by every target.
//
// Contract: a target executable is the shared fuzz objects plus one small
// translation unit that says which target it is:
//
//   #include "target.h"
//   LASTREF_FUZZ_TARGET(kref)   // kref_fuzzer
//
// LLVMFuzzerInitialize reads the environment once (LASTREF_ZOO,
// LASTREF_NO_INTERLEAVING); LLVMFuzzerTestOneInput decodes the input,
// runs it under the model with the selected implementation set and, on a
// failure, prints the scenario, the violation, the trace and the replay
// command, then abort()s so that libFuzzer (or the standalone main) records
// a crash.
//
// Lifetime rule: process-wide state only (registry, checkers).
//
// Memory ordering: single-threaded.

#include <cstddef>
#include <cstdint>

#include "scenario.h"

namespace lastref::fuzz {
// Defined by LASTREF_FUZZ_TARGET in the target's own translation unit.
extern const target_kind this_target;
}  // namespace lastref::fuzz

#define LASTREF_FUZZ_TARGET(kind)                                 \
  const ::lastref::fuzz::target_kind lastref::fuzz::this_target = \
      ::lastref::fuzz::target_kind::kind;

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
