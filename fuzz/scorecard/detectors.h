// SPDX-License-Identifier: MIT
#pragma once
// lastref scorecard in-process detectors — the model-API schedule explorers
// run on a catalog entry's witness scenario.
//
// Contract: detect() runs one detector with one seed until the first
// failure or the budget of executions, and reports how many executions and
// how many seconds it took. Detectors:
//   bytes    random schedule bytes in the fuzz targets' encoding (run-length,
//            next) pairs, fresh per execution: the schedule half of the fuzz
//            targets without libFuzzer's feedback (what the dev preset can run)
//   random   uniform random choice at every scheduling point
//            (model::random_source, mode::uniform)
//   pct      PCT, depth 3 (model::pct_source)
//   dfs      preemption-bounded exhaustive search, bounds 0, 1, 2, ... up to
//            `dfs_max_bound` (the same bound on stale reads under c11),
//            executions summed (seed-independent)
//   dpor     exhaustive search with partial-order reduction, no preemption
//            bound (model::search, strategy dpor; seed-independent): when it
//            finishes clean the witness is proven for every schedule (under
//            c11 every read decision is explored in full)
//   input    whole random fuzz inputs (scenario and schedule bytes) for the
//            entry's target, run with the entry's set — a blind input fuzzer;
//            mostly used on correct sets ("executions with zero reports")
// `set` is the implementation set that runs; `witness` gives the scenario
// (for a zoo variant both are the same entry; the correct check runs a zoo
// witness with the correct entry of its target).
//
// Lifetime rule: single-threaded; uses the catalog's checkers.
//
// Memory ordering: none.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"

namespace lastref::fuzz::scorecard {

enum class detector { bytes, random, pct, dfs, input, dpor };

[[nodiscard]] std::string_view detector_name(detector d) noexcept;
[[nodiscard]] std::optional<detector> detector_from_name(std::string_view n) noexcept;

struct detect_options {
  std::uint64_t seed = 1;
  std::uint64_t budget = 10'000;  // executions
  int dfs_max_bound = 3;
  int pct_depth = 3;
};

struct outcome {
  bool found = false;
  bool exhausted = false;        // dfs: every schedule up to the bound ran clean; dpor: all of them
  std::uint64_t executions = 0;  // executions run (the failing one included)
  double seconds = 0;
  int dfs_bound = -1;                 // dfs: the bound at which it stopped
  std::string kind;                   // failure kind name when found
  std::string message;                // the violation
  std::string report;                 // violation + trace + replay token
  std::vector<std::uint8_t> choices;  // raw choice list of the failure
  std::string certificate;            // dfs / dpor: model::certificate::summary()
};

outcome detect(const entry& set, const entry& witness, detector d, const detect_options& o);

}  // namespace lastref::fuzz::scorecard
