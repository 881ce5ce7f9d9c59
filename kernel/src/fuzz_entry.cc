// SPDX-License-Identifier: MIT
// The schedule fuzzer of a kernel-C test (lastref_add_kernel_test's
// <name>_fuzz): each input is a bytes_source schedule (fuzz/model/schedule.h)
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

#include "fuzz/model/checker.h"
#include "model_backend.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lastref;
  static model::checker* c = [] {
    model::options o;
    o.memory = model::memory_model_from_env();
    return new model::checker(kernel::program_factory(), o);
  }();
  model::bytes_source src(data, size);
  auto r = c->run(src);
  if (r.failed()) {
    std::fputs(r.report().c_str(), stderr);
    std::fflush(stderr);
    std::abort();
  }
  return 0;
}
