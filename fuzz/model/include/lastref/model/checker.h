// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::checker — runs a program under a schedule source and
// reports the first oracle violation as a readable, replayable trace.
//
// Contract: per-run API (the shape of loom's model(f) and shuttle's
// Runner::run(f)): a checker owns only reusable resources (fiber stacks,
// allocator pools, trace buffers); what to run (the program factory), who
// runs next (the schedule source) and how (run_options: budgets, memory
// model, observer, tracing) are arguments of every call, so one checker can
// run any program with any options and callers keep no per-run state in
// statics. One execution = fresh program, setup(), the threads as fibers in
// the calling OS thread, check(), then teardown that reclaims every object
// from platform::make (nothing survives an execution). On failure the fast,
// untraced execution is re-run from its choice list with tracing on; the
// re-run must fail identically (kind, step, message) or the result is marked
// nondeterministic and says so loudly. The traced report is: the violation,
// a numbered trace, and a one-line replay token
//   lastref-replay:v2:c11:<hex of bytes_source bytes>   (memory_model::c11)
//   lastref-replay:v1:<hex of bytes_source bytes>       (memory_model::sc)
// which replay() reproduces bit for bit under the token's memory model (a
// bytes_source fed those bytes does, under that model). v1 tokens from
// before the c11 model replay as sc, as they were made.
//
// Lifetime rule: a checker reuses its stacks and buffers across executions
// (no allocation per step); at most one execution runs at a time per OS
// thread (a nested run aborts). The factory, source and observer need live
// only for the call. Not copyable.
//
// Memory ordering: an execution runs entirely on the calling OS thread;
// different checkers may run concurrently on different OS threads (the
// refcount reporter hook is installed per execution and forwards reports from
// other threads to the previously installed reporter).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "failure.h"
#include "memory_model.h"
#include "observer.h"
#include "program.h"
#include "schedule.h"

namespace lastref::model {

namespace detail {
class runtime;
}

// Per-run inputs other than the program and the source.
struct run_options {
  std::uint32_t max_steps = 20'000;   // step budget per execution (livelock oracle)
  std::uint8_t max_spurious = 1;      // spurious futex wake-ups offered per execution
  std::uint8_t max_spurious_cas = 1;  // spurious compare_exchange_weak failures per execution (c11)
  // checker::explore with an exhaustive source only (schedule_source::
  // exhaustive: dpor_source, dfs_source): cut an execution at a *stutter* — a
  // thread that repeats, as its very next operation, the compare_exchange_weak
  // that just failed spuriously (same place, address, expected and desired
  // values, orders) — as a pruned execution: no check(), never a failure,
  // counted in explore_result::pruned. The execution without the spurious
  // failure shows everything the stutter execution shows, PROVIDED the retry
  // loop does not count its retries (a loop that gives up, or records how
  // often it retried, behaves differently after a spurious failure: turn
  // this off for such code). Also (under sc, and under c11 on a word declared RMW-only by
  // platform::rmw_only) a *wake-up stutter*: a futex waiter, last
  // in its word's queue, that wakes spuriously, loads the word, finds the
  // value it slept on and sleeps on it again (same deadline), PROVIDED the
  // wait loop does not count its wake-ups. And (the same models) a hinted *re-check wait*
  // (lastref/detail/recheck_wait.h) that returns at once because the value
  // changed holds its thread's next point if it loads the word (run right
  // after, never cut), PROVIDED the loop keeps that header's contract.
  // And a thread a futex wake woke runs its next operation right after it
  // resumes (nobody else sees the resume: no assumption).
  // run(), the replays and sampling sources never prune or hold (a token
  // or a fuzzer's schedule reproduces what it recorded; a cut random run
  // would only be lost). See dpor.h "Stutters", fuzz/model/README.md.
  bool prune_stutters = true;
  memory_model memory = memory_model::c11;  // which values loads may return
  // Retry loops (lastref/detail/retry.h): a hinted retry CAS that confirms
  // its thread's last read holds its scheduling point (decision::hold), so
  // an exhaustive source runs it right after that read; under c11, explore
  // with an exhaustive source ends an execution, unreported, where such a
  // CAS ran right after a read of an older store and failed other than
  // spuriously (the same read decision's other options cover it), and
  // marks redundant a hinted retry load's reads of older stores on an
  // RMW-only word (detail::retry_load) and, with prune_stutters, a hinted
  // weak CAS's spurious failure. Off: such a CAS is explored like any CAS.
  // See fuzz/model/README.md, "Retry loops" and "Retry loads".
  bool prune_failed_retries = true;
  bool trace_failures = true;  // re-run failures traced (report + nondeterminism check)
  observer* obs = nullptr;     // sees every untraced step; null costs nothing
};

struct result {
  failure_kind kind = failure_kind::none;
  std::uint32_t steps = 0;            // steps executed (the failing step included)
  std::uint32_t decisions = 0;        // decisions made
  std::string message;                // the violation (failures only)
  std::string trace;                  // numbered trace (failures, when traced)
  std::string token;                  // replay token (failures)
  bool nondeterministic = false;      // the traced re-run diverged
  std::vector<std::uint8_t> choices;  // raw choice list (failures)
  bool pruned = false;                // cut as redundant (explore: a stutter, a failed retry CAS)

  [[nodiscard]] bool ok() const noexcept { return kind == failure_kind::none; }
  [[nodiscard]] bool failed() const noexcept { return kind != failure_kind::none; }
  // "violation\n trace\n token\n" — what a fuzzer prints.
  [[nodiscard]] std::string report() const;
};

struct explore_result {
  std::uint64_t executions = 0;  // executions run (the failing one included)
  std::uint64_t pruned = 0;      // of them, cut as redundant: a stutter or a failed retry CAS
  bool complete = false;         // the source ran out: every schedule it covers passed
  result failure;                // the first failure, if any
  [[nodiscard]] bool found() const noexcept { return failure.failed(); }
};

class checker {
 public:
  // `stack_size`: per fiber; 0 = 256 KiB (1 MiB under ASan). Stacks are
  // mapped at the first execution and kept.
  explicit checker(std::size_t stack_size = 0);
  ~checker();
  checker(const checker&) = delete;
  checker& operator=(const checker&) = delete;

  // One execution. On failure, result carries message/trace/token (when
  // run_options::trace_failures) and the choice list.
  result run(const program_factory& f, schedule_source& s, const run_options& o = {});
  // Executions until a failure, the source is exhausted, or max_executions.
  explore_result explore(const program_factory& f, schedule_source& s, std::uint64_t max_executions,
                         const run_options& o = {});
  // Traced execution of a replay token (under the token's memory model,
  // whatever o.memory says) or of its raw bytes / choice list (under
  // o.memory); the trace is in result::trace even when the execution passes.
  result replay(const program_factory& f, std::string_view token, const run_options& o = {});
  result replay_bytes(const program_factory& f, std::span<const std::uint8_t> bytes,
                      const run_options& o = {});
  result replay_choices(const program_factory& f, std::span<const std::uint8_t> choices,
                        const run_options& o = {});

  // Steps over all executions of this checker (a statistic, for benchmarks).
  [[nodiscard]] std::uint64_t total_steps() const noexcept;

 private:
  // `more`: the source's answer to end_execution (false: exhausted).
  // `prune`: an exhaustive explore, where the reductions that cut executions apply.
  result run_impl(const program_factory& f, schedule_source& s, const run_options& o, bool traced,
                  bool* more = nullptr, bool prune = false);
  result finish_failure(const program_factory& f, const run_options& o, result r);
  result replay_traced(const program_factory& f, schedule_source& s, const run_options& o);
  std::unique_ptr<detail::runtime> rt_;
};

// Token <-> bytes_source bytes and memory model. decode returns false on a
// malformed token (an unknown version or model included).
std::string encode_token(std::span<const std::uint8_t> bytes, memory_model m = memory_model::sc);
bool decode_token(std::string_view token, std::vector<std::uint8_t>& bytes,
                  memory_model* m = nullptr);

}  // namespace lastref::model
