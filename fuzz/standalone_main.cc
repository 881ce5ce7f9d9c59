// SPDX-License-Identifier: MIT
// A main() for fuzz targets built without libFuzzer (any compiler): runs
// every file given on the command line, and every file inside each directory
// given, through LLVMFuzzerTestOneInput once. libFuzzer's flags (one dash:
// -runs=N, -seed=N ...) are ignored, so the same command lines work for
// both; anything else is parsed as lastref's tools do (lastref/cli.h).
// Exit status: 0 when every input ran clean (a failing input aborts, as under
// libFuzzer); 2 on a usage error or when an argument cannot be read.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <lastref/cli.h>

#include "target.h"

namespace fs = std::filesystem;

namespace {

bool run_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", p.c_str());
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  const std::string name = argc > 0 ? fs::path(argv[0]).filename().string() : "fuzzer";
  CLI::App app{
      "Runs each INPUT file, and each file in each INPUT folder, through the fuzz target "
      "once (a build without libFuzzer).",
      name};
  std::vector<std::string> inputs;
  app.add_option("INPUT", inputs, "corpus files or folders");
  std::vector<const char*> kept{argc > 0 ? argv[0] : "fuzzer"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool libfuzzer_flag = a.size() > 1 && a[0] == '-' && a[1] != '-';
    if (!libfuzzer_flag) kept.push_back(argv[i]);
  }
  lastref::cli::parse(app, static_cast<int>(kept.size()), kept.data());
  size_t ran = 0;
  bool ok = true;
  for (const std::string& arg : inputs) {
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
  std::printf("%s: ran %zu input%s, no failure\n", argc > 0 ? argv[0] : "fuzzer", ran,
              ran == 1 ? "" : "s");
  return ok ? 0 : 2;
}
