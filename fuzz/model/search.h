// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::search — the exhaustive search front end: runs a program
// under the partial-order-reducing explorer (dpor.h, the default) or the
// preemption-bounded DFS (schedule.h) within an execution and time budget,
// and returns a certificate saying exactly what was covered.
//
// Contract: search() drives checker::explore in chunks until a failure, the
// source is exhausted, max_executions, or max_seconds (checked between
// chunks of at most 256 executions, so it may overrun by one chunk). The
// certificate is the only honest summary of a search:
//   "FAILED ..."                a failure was found (its report is in
//                               result.failure);
//   "complete: ..."             dpor ran out: every schedule (every
//                               Mazurkiewicz trace under SC) passed;
//   "complete within bound k"   dfs ran out at preemption bound k: schedules
//                               with more preemptions were not explored;
//   "incomplete: ..."           a budget stopped it: nothing is proven.
// A search never reports "clean" unless it is complete.
//
// Lifetime rule: the checker, factory and options outlive the call; the
// source is created and destroyed inside it.
//
// Memory ordering: not applicable; runs on the caller's thread.

#include <cstdint>
#include <string>

#include "checker.h"

namespace lastref::model {

enum class strategy : std::uint8_t { dpor, dfs };

[[nodiscard]] const char* strategy_name(strategy s) noexcept;
// "dpor" / "dfs"; false for anything else.
bool strategy_from_name(const std::string& name, strategy& out) noexcept;

struct search_limits {
  strategy how = strategy::dpor;
  int bound = -1;  // dfs: preemption bound, -1 = none (dpor has no bound)
  std::uint64_t max_executions = 1'000'000;
  double max_seconds = 0;  // 0: no time budget
};

struct certificate {
  strategy how = strategy::dpor;
  bool complete = false;  // the source ran out (within `bound` for dfs)
  bool found = false;     // a failure was found (see search_result::failure)
  int bound = -1;         // preemption bound; -1: none
  std::uint64_t executions = 0;
  std::uint64_t blocked = 0;  // dpor: sleep-set blocked (redundant) executions
  std::uint64_t races = 0;    // dpor: races reversed
  double seconds = 0;         // wall time
  // Why it stopped: "exhausted", "failure", "execution budget", "time budget".
  const char* stopped_by = "";
  std::uint64_t max_executions = 0;
  double max_seconds = 0;
  bool nondeterministic = false;  // a replayed prefix diverged

  // A proof: complete, no bound, nothing found, deterministic.
  [[nodiscard]] bool proof() const noexcept {
    return complete && !found && bound < 0 && !nondeterministic;
  }
  // One line, e.g. "complete: every schedule explored, 1680 executions
  // (dpor, no preemption bound, 0 sleep-set blocked), 0.21 s".
  [[nodiscard]] std::string summary() const;
  // The same facts as one JSON object (no trailing newline).
  [[nodiscard]] std::string json() const;
};

struct search_result {
  certificate cert;
  result failure;  // when cert.found
};

// Runs `f` under `o` on `c`'s resources.
search_result search(checker& c, const program_factory& f, const search_limits& limits,
                     const run_options& o = {});

}  // namespace lastref::model
