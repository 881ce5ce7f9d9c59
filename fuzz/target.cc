// SPDX-License-Identifier: MIT
// The libFuzzer entry points every target shares (target.h).
#include "target.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "amplify.h"
#include "asan_options.h"
#include "interleaving.h"
#include "registry.h"
#include "replay_token.h"
#include "signature.h"

namespace {

void report_schedules() {
  // One line at exit: what the throughput benchmark (fuzz/bench_throughput.sh)
  // and the campaign read to turn inputs/s into schedules/s.
  std::fprintf(stderr, "lastref: %llu schedules run (%d per input)\n",
               static_cast<unsigned long long>(lastref::fuzz::amplify::total_schedules()),
               lastref::fuzz::amplify::schedules());
}

void init_once() {
  static const bool done = [] {
    lastref::fuzz::select_from_environment();
    lastref::fuzz::interleaving::install();
    std::atexit(&report_schedules);
    return true;
  }();
  (void)done;
}

}  // namespace

// ASan's defaults for the schedule fuzzers (asan_options.h says why). ASan
// reads them before ASAN_OPTIONS, which still overrides them flag by flag.
// Strong: the runtime's own (weak, empty) definition is linked first and
// would win over a weak one. A build that defines its own compiles this file
// with -DLASTREF_NO_ASAN_DEFAULT_OPTIONS.
#if !defined(LASTREF_NO_ASAN_DEFAULT_OPTIONS)
extern "C" __attribute__((visibility("default"))) const char* __asan_default_options() {
  return lastref::fuzz::asan_default_options;
}
#endif

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
  run_request req = interleaving::request();
  int variant = 0;
  req.variant = &variant;
  const lastref::model::result r = impl.run(s, req);
  if (r.ok()) return 0;
  const std::string text = print(s, impl.name);
  const signature::where w = signature::locate(r);
  const std::string target = std::string(target_name(this_target));
  std::fprintf(stderr, "\n== lastref: %s found a bug ==\n%s\n", target.c_str(), text.c_str());
  if (amplify::schedules() > 1)
    std::fprintf(stderr, "schedule: variant %d of %d per input (0 = the input's own bytes)\n",
                 variant, amplify::schedules());
  std::fprintf(stderr, "%s", r.report().c_str());
  std::fprintf(stderr, "signature: %s (in %s)\n", signature::frame_name(r.kind, w.prim).c_str(),
               w.function.empty() ? "?" : w.function.c_str());
  std::string env;
  if (amplify::schedules() != amplify::default_schedules)
    env = "LASTREF_SCHEDULES=" + std::to_string(amplify::schedules()) + " ";
#if defined(LASTREF_REPLAY_COMMAND)
  // A user's build (lastref_add_primitive): its own replayer, built with the
  // same implementation set as this fuzzer; lastref's knows only lastref's.
  const char* const replay = LASTREF_REPLAY_COMMAND;
#else
  const char* const replay = "lastref-replay";
#endif
  std::fprintf(stderr, "replay: %s%s --pad --target %s%s%s <crash file>\n", env.c_str(), replay,
               target.c_str(), impl.zoo ? " --zoo " : "", impl.zoo ? impl.name.c_str() : "");
  if (!r.token.empty())  // the schedule and its scenario, no file needed (replay_token.h)
    std::fprintf(stderr, "replay: lastref-replay %s\n",
                 encode_program_token(this_target, impl.zoo ? impl.name : std::string(),
                                      {data, std::min(size, s.header_bytes)}, r.token)
                     .c_str());
  std::fflush(stderr);
  signature::abort_with_signature(r.kind, w.prim);
}
