// SPDX-License-Identifier: MIT
// The schedule fuzzer of a kernel-C test (lastref_add_kernel_test's
// <name>_fuzz): each input is a bytes_source schedule (<lastref/model/schedule.h>)
// for one model execution; a failure prints the report (violation, trace
// naming the user's C lines, replay token for <name>_model --replay) and
// aborts, which libFuzzer records as a crash. LASTREF_MEMORY_MODEL=sc|c11
// selects the memory model (default c11).
//
// Memory ordering: single-threaded (the model's fibers).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <lastref/model/checker.h>

#include "model_backend.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lastref;
  // One checker (stacks, pools) and one factory for the process; the options
  // are read from the environment once.
  static model::checker* c = new model::checker();
  static const model::program_factory factory = kernel::program_factory();
  static const model::run_options o = [] {
    model::run_options r;
    r.memory = model::memory_model_from_env();
    return r;
  }();
  model::bytes_source src(data, size);
  auto r = c->run(factory, src, o);
  if (r.failed()) {
    std::fputs(r.report().c_str(), stderr);
    std::fflush(stderr);
    std::abort();
  }
  return 0;
}
