// SPDX-License-Identifier: MIT
#pragma once
// Shared command-line plumbing of lastref-replay / lastref-minimize /
// lastref-gen-corpus: reading an input file with clear errors, finding the
// target it belongs to, selecting the implementation set.
//
// Contract: every function that can fail on user input throws usage_error
// with a one-line message; main() prints it and exits 2. Nothing here
// crashes on any file content.
//
// Lifetime rule: decode_checked's scenario points into `bytes`, which must
// outlive it. Memory ordering: single-threaded tools.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/cli.h>

#include <lastref/model/observer.h>

#include "scenario.h"

namespace lastref::fuzz::tools {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr size_t max_input_size = size_t{1} << 20;

// The bytes of `path`; throws usage_error for an empty path, a missing file,
// a directory, an unreadable or oversized (> max_input_size) file.
std::vector<uint8_t> read_input(const std::filesystem::path& path);

// --target NAME if given, else a path component named like a target
// (corpus/kref_fuzzer/..., work/kref_fuzzer/crash-...), else usage_error
// (also for an empty path, or a relative one when the working directory is
// gone).
target_kind resolve_target(const std::optional<std::string>& name,
                           const std::filesystem::path& path);

// Selects a zoo set (--zoo NAME, equivalent to LASTREF_ZOO=NAME); call once
// before running anything.
void init_runtime(const std::optional<std::string>& zoo);

// Decodes `bytes` for `t`; throws usage_error for an empty input, or one that
// ends inside the scenario header unless `pad` (the fuzzer's reading).
scenario decode_checked(target_kind t, const std::vector<uint8_t>& bytes, bool pad,
                        const std::string& what);

// Names of all targets, comma separated (for messages).
std::string target_list();

// The options lastref-replay and lastref-minimize share (lastref/cli.h
// conventions): --target NAME, --zoo NAME, --pad and one FILE.
struct input_options {
  std::optional<std::string> target;
  std::optional<std::string> zoo;
  bool pad = false;
  std::vector<std::string> files;  // exactly one after check_input_options
};
void add_input_options(CLI::App& app, input_options& o);
// After parsing: exactly one FILE, or usage_error.
const std::string& checked_file(const input_options& o);

// Writes `bytes` to `path` under a temporary name in the same folder, then
// renames it into place; throws usage_error (path named) on any failure.
void write_atomically(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Preemptions of the last execution it observed (pass it as
// run_request::obs; traced runs are not observed).
class preemption_counter final : public model::observer {
 public:
  void on_execution_begin() override { n_ = 0; }
  void on_switch(int, int, bool preemption) override { n_ += preemption ? 1 : 0; }
  [[nodiscard]] int last() const noexcept { return n_; }

 private:
  int n_ = 0;
};

}  // namespace lastref::fuzz::tools
