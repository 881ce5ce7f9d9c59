// SPDX-License-Identifier: MIT
// A main() for lastref fuzz targets built without libFuzzer (g++, or any
// compiler without the engine): replays every file (or folder of files)
// named on the command line and then, with -runs=N, runs N random inputs
// from a fixed -seed, so a user's primitive is fuzzed under any compiler.
//
// Command line: libFuzzer's spelling of the flags this driver has is kept
// (-runs=N -seed=N -max_len=N -artifact_prefix=P), so one command line
// drives both builds, and lastref's tool conventions (lastref/cli.h) are
// accepted too (--runs N, --runs=N, --max_len N, ...). Values are checked as every lastref
// tool checks them: a malformed number, an empty prefix, a prefix whose
// folder does not exist or an INPUT that does not exist is a usage error
// (a message naming the option or file, exit 2) before anything runs. Other
// one-dash flags are libFuzzer's and are ignored (-len_control=0, ...).
//
// A failing input aborts inside LLVMFuzzerTestOneInput after printing its
// report; the SIGABRT handler first writes that input to
// <artifact_prefix>crash-random, which lastref-replay and this driver replay.
// Exit status: 0 when every input ran clean, 2 on a bad argument or an
// unreadable file inside an INPUT folder, and the abort's (134 from a shell)
// on a failure. A run longer than 10 s prints its progress every 10 s.
//
// Memory ordering: single-threaded.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <lastref/cli.h>

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

// The flags this driver shares with libFuzzer, by their libFuzzer names.
constexpr std::string_view own_flags[] = {"runs", "seed", "max_len", "artifact_prefix"};

// argv for CLI11: "-runs=N" (libFuzzer's spelling of one of ours) becomes
// "--runs=N", "-help=1" becomes "--help", "-h" stays; any other one-dash
// flag is libFuzzer's and is dropped.
std::vector<std::string> cli_arguments(int argc, char** argv) {
  std::vector<std::string> out{argc > 0 ? argv[0] : "fuzzer"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a[1] == '-' || a == "-h") {
      out.emplace_back(a);
      continue;
    }
    const std::string_view name = a.substr(1, a.find('=') - 1);
    if (name == "help") {
      out.emplace_back("--help");
    } else if (std::find(std::begin(own_flags), std::end(own_flags), name) != std::end(own_flags)) {
      out.emplace_back("-" + std::string(a));
    }
  }
  return out;
}

// lastref::cli's usage_error and parse, ending with _Exit: the target's
// end-of-run reports (operation counts, registered with atexit by its
// static initialisers) would describe a run that never happened.
[[noreturn]] void usage_error(const CLI::App& app, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n(%s --help for usage)\n", app.get_name().c_str(), message.c_str(),
               app.get_name().c_str());
  std::fflush(nullptr);
  std::_Exit(2);
}
void parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help
      std::fputs(app.help().c_str(), stdout);
      std::fflush(nullptr);
      std::_Exit(0);
    }
    usage_error(app, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 0 ? fs::path(argv[0]).filename().string() : "fuzzer";
  CLI::App app{
      "Runs each INPUT file, and each file in each INPUT folder, through the fuzz target, then "
      "--runs random inputs (a build without libFuzzer). libFuzzer's -runs=N -seed=N -max_len=N "
      "-artifact_prefix=P are these options; its other one-dash flags are ignored.",
      name};
  std::uint64_t runs = 0, seed = 1;
  std::uint32_t max_len = 128;
  std::string prefix;
  std::vector<std::string> inputs;
  lastref::cli::add_number<std::uint64_t>(app, "--runs", runs, 0, 1'000'000'000'000,
                                          "random inputs after the INPUTs (default 0)");
  lastref::cli::add_number<std::uint64_t>(app, "--seed", seed, 0, UINT64_MAX,
                                          "seed of the random inputs (default 1)");
  lastref::cli::add_number<std::uint32_t>(app, "--max_len", max_len, 1, 1u << 20,
                                          "random inputs are 8 to max_len-1 bytes (default 128)");
  lastref::cli::add_text(app, "--artifact_prefix", prefix,
                         "a failing input is written to <P>crash-random (P a folder/ or a "
                         "path prefix; default: the current folder)",
                         "P");
  app.add_option("INPUT", inputs, "corpus files or folders");
  const std::vector<std::string> args = cli_arguments(argc, argv);
  std::vector<const char*> cargs;
  for (const std::string& a : args) cargs.push_back(a.c_str());
  parse(app, static_cast<int>(cargs.size()), cargs.data());

  // Everything is checked before the first input runs.
  if (!prefix.empty()) {
    const fs::path folder = fs::path(prefix).parent_path();
    std::error_code ec;
    if (!folder.empty() && !fs::is_directory(folder, ec))
      usage_error(app, "--artifact_prefix " + prefix + ": no such folder " + folder.string());
    g_crash_path = prefix + "crash-random";
  }
  for (const std::string& in : inputs) {
    if (in.empty()) usage_error(app, "INPUT: an empty path");
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    if (!fs::exists(st)) usage_error(app, "no such file or folder: " + in);
    if (fs::is_regular_file(st)) {
      if (!std::ifstream(in, std::ios::binary)) usage_error(app, "cannot read " + in);
    } else if (!fs::is_directory(st)) {
      usage_error(app, in + " is neither a file nor a folder");
    }
  }

  // After the checks, as libFuzzer does after parsing its flags: a usage
  // error exits before the target registers its end-of-run report.
  LLVMFuzzerInitialize(&argc, &argv);
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
    } else {
      ran += run_file(arg) ? 1 : (ok = false, 0);
    }
  }
  // Random inputs: lengths 8..max_len-1, every byte uniform (any byte string
  // decodes to a valid scenario). The same seed gives the same inputs as
  // every earlier version of this driver.
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes;
  const std::uint64_t span = std::max<std::uint64_t>(max_len, 9) - 8;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto next_report = start + std::chrono::seconds(10);
  for (std::uint64_t r = 0; r < runs; ++r) {
    bytes.resize(8 + rng() % span);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    run_one(bytes.data(), bytes.size());
    ++ran;
    if ((r & 1023u) == 1023u && clock::now() >= next_report) {
      const double s = std::chrono::duration<double>(clock::now() - start).count();
      std::fprintf(stderr, "%s: %llu of %llu random inputs, %.0f s, %.0f/s\n", name.c_str(),
                   static_cast<unsigned long long>(r + 1), static_cast<unsigned long long>(runs), s,
                   static_cast<double>(r + 1) / s);
      next_report += std::chrono::seconds(10);
    }
  }
  std::printf("%s: ran %zu input%s (seed %llu), %s\n", argc > 0 ? argv[0] : "fuzzer", ran,
              ran == 1 ? "" : "s", static_cast<unsigned long long>(seed),
              ok ? "no failure" : "some inputs could not be read");
  return ok ? 0 : 2;
}
