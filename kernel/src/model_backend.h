// SPDX-License-Identifier: MIT
#pragma once
// The kernel-C test as a model program (model_backend.cc), for the drivers.
//
// Contract: program_factory() makes one program per execution: setup() resets
// the backend's side tables and THIS_MODULE, runs module_init and
// LASTREF_SETUP; run(t) runs the t-th LASTREF_THREAD (in definition order)
// or, past them, a kthread slot; check() runs LASTREF_CHECK.
//
// Lifetime rule: the registered test lives for the process.
//
// Memory ordering: that of the model (see model_backend.cc).

#include <lastref/model/program.h>

namespace lastref::kernel {

[[nodiscard]] model::program_factory program_factory();
// LASTREF_THREADs registered by the test file.
[[nodiscard]] int test_thread_count();

}  // namespace lastref::kernel
