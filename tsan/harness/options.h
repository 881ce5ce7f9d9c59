// SPDX-License-Identifier: MIT
#pragma once
// Command-line options shared by every stress harness in tsan/.
//
// Contract: parse() accepts the common options below plus the harness's own
// (registered as `extra_option`s), with the conventions of every lastref
// tool (lastref/cli.h, on CLI11): `--name=value` and `--name value`;
// anything unknown or malformed prints one message naming the option and
// exits with status 2; `--help` prints the usage and exits 0. Every run is bounded: when neither
// --iterations nor --duration-ms is given, the harness's default iteration count applies, and
// --duration-ms is capped at ten minutes.
//
//   --seed N          seeds the jitter and every random choice (default 1)
//   --threads N       worker threads, min..max (harness's; at most 256)
//   --iterations N    rounds per worker thread (0: bounded by time only)
//   --duration-ms N   stop after this long (0: bounded by count only)
//   --jitter N        0 none, 1 yields, 2 +short spins, 3 +sleeps (default 0)
//   --variant NAME    which implementation to run (harness-specific list)
//
// Lifetime: an `options` is a plain value; extra options hold pointers to the
// harness's own variables, which must outlive parse().
//
// Memory ordering: none; parsing happens before any worker thread starts.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lastref::tsan {

struct options {
  uint64_t seed = 1;
  unsigned threads = 4;
  uint64_t iterations = 0;
  uint64_t duration_ms = 0;
  unsigned jitter = 0;
  std::string variant;
};

// A harness-specific option. `set` returns false when the value is
// malformed; `flag` options take no value and are called with "".
struct extra_option {
  std::string name;  // without the leading "--"
  std::string help;  // one line, shown by --help
  std::function<bool(std::string_view)> set;
  bool flag = false;
};

struct harness_info {
  std::string name;                   // e.g. "kref_stress"
  std::string summary;                // one line: what the harness does
  std::vector<std::string> variants;  // accepted --variant values; [0] is the default
  unsigned default_threads = 4;
  uint64_t default_iterations = 1000;
  unsigned min_threads = 1;
  // A harness whose thread count is fixed by its protocol sets
  // min_threads == max_threads, so a --threads it cannot honour is refused
  // instead of being ignored.
  unsigned max_threads = 256;
};

// Parses argv or exits (2 on error, 0 on --help).
options parse_options(int argc, char** argv, const harness_info& info,
                      const std::vector<extra_option>& extra = {});

// Strict unsigned parse of a whole string (no sign, no trailing junk).
bool parse_u64(std::string_view text, uint64_t& out);

// Helper for extra options: accepts one of `choices` into `target`.
extra_option choice_option(std::string name, std::string help, std::vector<std::string> choices,
                           std::string* target);
// Helper for extra options: an unsigned number in [lo, hi] into `target`.
extra_option number_option(std::string name, std::string help, uint64_t lo, uint64_t hi,
                           uint64_t* target);

}  // namespace lastref::tsan
