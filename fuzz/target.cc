// SPDX-License-Identifier: MIT
// The libFuzzer entry points every target shares (target.h).
#include "target.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "interleaving.h"
#include "registry.h"

namespace {

void init_once() {
  static const bool done = [] {
    lastref::fuzz::select_from_environment();
    lastref::fuzz::interleaving::install();
    return true;
  }();
  (void)done;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init_once();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lastref::fuzz;
  init_once();
  scenario s = decode(this_target, {data, size});
  const impl_entry& impl = impl_for(s);
  adapt_to_impl(s, impl);
  const lastref::model::result r = impl.run(s, run_request{});
  if (r.ok()) return 0;
  const std::string text = print(s, impl.name);
  std::fprintf(stderr, "\n== lastref: %s found a bug ==\n%s\n%s",
               std::string(target_name(this_target)).c_str(), text.c_str(), r.report().c_str());
  std::fprintf(stderr, "replay: lastref-replay --pad --target %s%s%s <crash file>\n",
               std::string(target_name(this_target)).c_str(), impl.zoo ? " --zoo " : "",
               impl.zoo ? impl.name.c_str() : "");
  std::fflush(stderr);
  std::abort();
}
