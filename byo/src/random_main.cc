// SPDX-License-Identifier: MIT
// A main() for lastref fuzz targets built without libFuzzer (g++, or any
// compiler without the engine): replays every file (or directory of files)
// named on the command line and then, with -runs=N, runs N random inputs
// from a fixed -seed, so a user's primitive is fuzzed under any compiler.
// libFuzzer's flag spelling is kept (-runs= -seed= -max_len=
// -artifact_prefix=), so one command line drives both builds; other
// -flags are ignored.
//
// A failing input aborts inside LLVMFuzzerTestOneInput after printing its
// report; the SIGABRT handler first writes that input to
// <artifact_prefix>crash-random, which lastref-replay and this driver replay.
// Exit status: 0 when every input ran clean, 2 on a bad argument, and the
// abort's (134 from a shell) on a failure.
//
// Memory ordering: single-threaded.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "target.h"

namespace fs = std::filesystem;

namespace {

// The input being run, for the abort handler (plain globals: the handler
// runs in the same thread that set them).
const uint8_t* g_data = nullptr;
size_t g_size = 0;
std::string g_crash_path = "crash-random";

extern "C" void on_abort(int) {
  int fd = ::open(g_crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (g_size > 0 && ::write(fd, g_data, g_size) < 0) {
      // Nothing useful to do in a signal handler; the report is printed.
    }
    ::close(fd);
  }
  std::signal(SIGABRT, SIG_DFL);
}

void run_one(const uint8_t* data, size_t size) {
  g_data = data;
  g_size = size;
  LLVMFuzzerTestOneInput(data, size);
}

bool run_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", p.c_str());
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  run_one(bytes.data(), bytes.size());
  return true;
}

bool flag_value(const std::string& arg, const char* name, unsigned long long& out) {
  const std::string prefix = std::string("-") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  out = std::strtoull(arg.c_str() + prefix.size(), nullptr, 10);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  unsigned long long runs = 0, seed = 1, max_len = 128;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flag_value(arg, "runs", runs) || flag_value(arg, "seed", seed) ||
        flag_value(arg, "max_len", max_len))
      continue;
    if (arg.rfind("-artifact_prefix=", 0) == 0) {
      g_crash_path = arg.substr(17) + "crash-random";
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    inputs.push_back(arg);
  }
  std::signal(SIGABRT, on_abort);
  size_t ran = 0;
  bool ok = true;
  for (const auto& arg : inputs) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(arg, ec))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) ran += run_file(f) ? 1 : (ok = false, 0);
    } else if (fs::exists(arg, ec)) {
      ran += run_file(arg) ? 1 : (ok = false, 0);
    } else {
      std::fprintf(stderr, "error: no such file or directory: %s\n", arg.c_str());
      ok = false;
    }
  }
  // Random inputs: lengths 8..max_len, every byte uniform (any byte string
  // decodes to a valid scenario).
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes;
  const unsigned long long span = std::max<unsigned long long>(max_len, 9) - 8;
  for (unsigned long long r = 0; r < runs; ++r) {
    bytes.resize(8 + rng() % span);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    run_one(bytes.data(), bytes.size());
    ++ran;
  }
  std::printf("%s: ran %zu input%s (seed %llu), no failure\n", argc > 0 ? argv[0] : "fuzzer", ran,
              ran == 1 ? "" : "s", seed);
  return ok ? 0 : 2;
}
