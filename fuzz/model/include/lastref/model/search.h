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
// certificate is the only honest summary of a search (search_limits::give_up
// may also stop it between chunks):
//   "FAILED ..."                a failure was found (its report is in
//                               result.failure);
//   "complete: ..."             dpor ran out: every schedule (every
//                               Mazurkiewicz trace under SC) passed;
//   "complete within bound k"   the source ran out at preemption bound k
//                               (dfs, or bounded dpor, dpor.h): schedules
//                               with more preemptions were not explored;
//   "incomplete: ..."           a budget stopped it: nothing is proven.
// A search never reports "clean" unless it is complete.
//
// Sharding (dpor only, with or without a bound, dpor.h): shard i of n
// explores a disjoint part of the tree; its certificate says "shard i/n"
// (and "within bound k" when bounded) and proves nothing alone. combine()
// merges the certificates of one search's shards: complete only when every
// shard 0..n-1 is present exactly once, each complete, all of the same
// subject, strategy, bound and model. Progress: `on_progress` (if set) is called
// between chunks at most every `progress_seconds` with the executions so far
// and the explorer's estimate of the fraction done (dpor.h, progress()).
//
// Lifetime rule: the checker, factory and options outlive the call; the source is created and
// destroyed inside it.
//
// Memory ordering: not applicable; runs on the caller's thread.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "checker.h"

namespace lastref::model {

enum class strategy : std::uint8_t { dpor, dfs };

[[nodiscard]] const char* strategy_name(strategy s) noexcept;
// "dpor" / "dfs"; false for anything else.
bool strategy_from_name(const std::string& name, strategy& out) noexcept;

struct search_limits {
  strategy how = strategy::dpor;
  int bound = -1;  // preemption bound (dfs or bounded dpor), -1 = none
  std::uint64_t max_executions = 1'000'000;
  double max_seconds = 0;  // 0: no time budget
  int shard_index = 0;     // dpor: explore shard shard_index of shard_count
  int shard_count = 1;
  // Called between chunks, at most every progress_seconds (0: every chunk).
  std::function<void(std::uint64_t executions, double fraction_done, double seconds)> on_progress =
      nullptr;
  double progress_seconds = 1;
  // Called after every chunk (if set): true gives the search up, which
  // then stops "given up", incomplete (search_within, budget.h, gives up a
  // search whose own estimate says it cannot end within the budget).
  std::function<bool(std::uint64_t executions, double fraction_done, double seconds)> give_up =
      nullptr;
};

struct certificate {
  strategy how = strategy::dpor;
  bool complete = false;  // the source ran out (within `bound` for dfs)
  bool found = false;     // a failure was found (see search_result::failure)
  int bound = -1;         // preemption bound; -1: none
  std::uint64_t executions = 0;
  std::uint64_t blocked = 0;  // dpor: sleep-set blocked (redundant) executions
  std::uint64_t pruned =
      0;  // of the executions, cut as redundant (checker.h: stutters, retry CASes)
  std::uint64_t races = 0;  // dpor: races reversed
  double seconds = 0;       // wall time
  // Why it stopped: "exhausted", "failure", "execution budget", "time budget",
  // "given up" (search_limits::give_up), "nondeterministic program" (a
  // replay diverged: the search stops at once, incomplete).
  const char* stopped_by = "";
  std::uint64_t max_executions = 0;
  double max_seconds = 0;
  bool nondeterministic = false;  // a replayed prefix diverged
  int shard_index = 0;            // shard shard_index of shard_count (1: not sharded)
  int shard_count = 1;
  // Executions in the shard's own subtrees (unsharded: all of them). The
  // shards' sum can exceed the unsharded count: the upper tree that splits
  // the shards explores every awake option of its decisions, not only
  // those DPOR's races ask for (dpor.h, set_shard; lookup3 c11, 2 shards:
  // 414 + 265 against 552).
  std::uint64_t owned = 0;
  double fraction_done = 0;  // the explorer's estimate (dpor), 1 when complete
  // What was searched, e.g. "program=kref_n threads=3 model=c11": combine()
  // refuses shards of different subjects. Set by the caller; no quotes or
  // backslashes (json() writes it as is).
  std::string subject;
  // The bound was chosen by a time budget (budget.h, search_within: the
  // largest bound whose search completed within `max_seconds`), not
  // given. Set by the caller, with `bound_fits` (false: no search
  // completed, not even bound 0's; this is bound 0's, incomplete) and
  // `estimate_seconds` (the other searches' time, out of the same budget).
  // The JSON keys keep their first names (the budget's pick was once an
  // estimate's, estimate.h pick_bound).
  bool bound_from_estimate = false;
  bool bound_fits = true;
  double estimate_seconds = 0;

  // A proof: complete, no bound, nothing found, deterministic, not one
  // shard of several.
  [[nodiscard]] bool proof() const noexcept {
    return complete && !found && bound < 0 && !nondeterministic && shard_count == 1;
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

// The same over any explore function with checker::explore's contract (the
// zoo catalog's entries, for instance); `subject` goes into the certificate.
using explore_fn = std::function<explore_result(schedule_source&, std::uint64_t)>;
search_result search(const explore_fn& explore, const search_limits& limits,
                     std::string subject = {});

// Reads one certificate written by json(); false (and `error` says why) for
// anything else.
bool certificate_from_json(std::string_view text, certificate& out, std::string* error);

// The certificate of a whole sharded search from its shards' certificates
// (any order). `error` lists what is missing or inconsistent; the result is
// then not complete (a failure found by any shard is still found).
certificate combine(std::span<const certificate> shards, std::string* error);

}  // namespace lastref::model
