// SPDX-License-Identifier: MIT
// See main.h.
#include "main.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cpu.h"
#include "machine.h"

namespace lastref::bench {

namespace {

bool has_flag(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).substr(0, flag.size()) == flag) return true;
  return false;
}

constexpr std::string_view hold_flag = "--lastref_hold_cpu_dma_latency=";

// Takes --lastref_hold_cpu_dma_latency=N out of argv (Google Benchmark would
// reject it); the last one wins. False on a malformed value.
bool take_hold_flag(int& argc, char** argv, std::optional<int>& value) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.substr(0, hold_flag.size()) != hold_flag) {
      argv[out++] = argv[i];
      continue;
    }
    const std::string v(a.substr(hold_flag.size()));
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 0 || n > 2'000'000'000) {
      std::fprintf(stderr, "%.*s expects microseconds, an integer >= 0\n",
                   static_cast<int>(hold_flag.size() - 1), hold_flag.data());
      return false;
    }
    value = static_cast<int>(n);
  }
  argc = out;
  argv[argc] = nullptr;
  return true;
}

}  // namespace

int run_main(int argc, char** argv, bool with_contention) {
  std::optional<int> hold;
  if (!take_hold_flag(argc, argv, hold)) return 2;  // a usage error, as every lastref entry point
  // Before anything is measured (and before any thread exists): the hold
  // lasts for the process's life.
  if (hold) hold_cpu_dma_latency(*hold);
  // Defaults for a direct run: medians of 5 repetitions. Any explicit
  // --benchmark_repetitions (the smoke tests pass 1) wins.
  std::vector<char*> args(argv, argv + argc);
  static char reps[] = "--benchmark_repetitions=5";
  static char aggregates[] = "--benchmark_report_aggregates_only=true";
  if (!has_flag(argc, argv, "--benchmark_repetitions")) {
    args.push_back(reps);
    if (!has_flag(argc, argv, "--benchmark_report_aggregates_only")) args.push_back(aggregates);
  }
  argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  argv = args.data();
  // libstdc++'s shared_ptr (and glibc's stdio) skip atomic instructions while
  // the process has never had a second thread (__libc_single_threaded). A
  // program that shares references between threads never runs that way, so
  // every baseline is measured as in a multi-threaded process.
  std::thread([] {}).join();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::string cpus;
  for (int c : allowed_cpus()) {
    if (!cpus.empty()) cpus.push_back(',');
    cpus.append(std::to_string(c));
  }
  const cpu_pair pair = pick_cpu_pair();
  benchmark::AddCustomContext("lastref_allowed_cpus", cpus);
  benchmark::AddCustomContext(
      "lastref_cpu_pair", std::to_string(pair.first) + "," + std::to_string(pair.second) +
                              (pair.distinct() ? "" : " (one CPU: two-thread figures time-slice)"));
  const std::optional<int> held = held_cpu_dma_latency();
  benchmark::AddCustomContext("cpu_dma_latency", held ? std::to_string(*held) : "unset");
  benchmark::AddCustomContext("lastref_cpu_governor", cpu_governor());
  benchmark::AddCustomContext("lastref_cpuidle", cpuidle_state());
  benchmark::AddCustomContext("lastref_sched_policy", sched_policy_obtained());
  if (with_contention) {
    const contention_mode& m = detect_contention_mode();
    benchmark::AddCustomContext("lastref_contention_mode", m.name);
    benchmark::AddCustomContext("lastref_contention_detail", m.detail);
    std::fprintf(stderr, "lastref contention mode: %s\n", m.detail.c_str());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace lastref::bench
