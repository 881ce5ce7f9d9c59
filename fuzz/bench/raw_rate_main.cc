// SPDX-License-Identifier: MIT
// lastref-fuzz-raw-rate — the raw model's executions per second on a fuzz
// corpus: the limit the libFuzzer targets' schedules/s are measured against
// (fuzz/bench_throughput.sh).
//
//   lastref-fuzz-raw-rate --target T [--seconds S] [--model-defaults] DIR...
//
// Every file of every DIR is decoded as an input of target T and run with
// its schedules (schedule 0 plus the amplification variants, amplify.h) by
// the same run_in_model the fuzz targets call, in a loop over the corpus
// until S seconds (default 5) passed; no libFuzzer, no interleaving
// observer. --model-defaults runs the model with its own default options
// (its default fiber stacks) instead of the fuzz harness's.
// Prints one JSON object: {"target":..,"files":..,"executions":..,
// "seconds":..,"exec_per_s":..}. Bad arguments: a message, exit status 2.
//
// Memory ordering: single-threaded.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "amplify.h"
#include "registry.h"

namespace fs = std::filesystem;
using namespace lastref::fuzz;

namespace {

[[noreturn]] void usage(const std::string& msg) {
  std::fprintf(stderr,
               "lastref-fuzz-raw-rate: %s\n"
               "usage: lastref-fuzz-raw-rate --target T [--seconds S] [--model-defaults] DIR...\n",
               msg.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<target_kind> target;
  double seconds = 5;
  bool model_defaults = false;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--target" && i + 1 < argc) {
      target = target_from_name(argv[++i]);
      if (!target) usage(std::string("--target: unknown target ") + argv[i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      char* end = nullptr;
      seconds = std::strtod(argv[++i], &end);
      if (*end != '\0' || !(seconds > 0 && seconds <= 3600))
        usage(std::string("--seconds: expected 0 < S <= 3600, got ") + argv[i]);
    } else if (a == "--model-defaults") {
      model_defaults = true;
    } else if (!a.empty() && a[0] == '-') {
      usage("unknown option " + a);
    } else {
      dirs.push_back(a);
    }
  }
  if (!target) usage("--target is required");
  if (dirs.empty()) usage("no corpus directory given");
  for (const auto& d : dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) usage(d + ": not a directory");
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (inputs.empty()) usage("no input files in the given directories");
  select_from_environment();
  if (model_defaults) fuzz_checker_stack_size() = 0;

  const auto start = std::chrono::steady_clock::now();
  const auto limit = start + std::chrono::duration<double>(seconds);
  const uint64_t before = amplify::total_schedules();
  uint64_t failures = 0;
  auto now = start;
  do {
    for (const auto& bytes : inputs) {
      scenario s = decode(*target, {bytes.data(), bytes.size()});
      const impl_entry& impl = impl_for(s);
      adapt_to_impl(s, impl);
      failures += impl.run(s, run_request{}).failed() ? 1 : 0;
    }
    now = std::chrono::steady_clock::now();
  } while (now < limit);
  const double secs = std::chrono::duration<double>(now - start).count();
  const uint64_t execs = amplify::total_schedules() - before;
  std::printf(
      "{\"target\":\"%s\",\"files\":%zu,\"executions\":%llu,\"failures\":%llu,\"seconds\":%.3f,"
      "\"exec_per_s\":%.0f,\"model_defaults\":%s}\n",
      std::string(target_name(*target)).c_str(), inputs.size(),
      static_cast<unsigned long long>(execs), static_cast<unsigned long long>(failures), secs,
      static_cast<double>(execs) / secs, model_defaults ? "true" : "false");
  return 0;
}
