// SPDX-License-Identifier: MIT
#pragma once
// Test helpers shared by dpor_test.cc and reduction_test.cc: run a schedule
// source to exhaustion collecting the distinct outcomes of a program, and
// compare the partial-order-reducing explorer (dpor.h) with unbounded DFS
// on the same program (soundness: the same outcomes and failures, with no
// more executions).
//
// Contract: a program reports its outcome by inserting a string into the
// `outcomes` set its factory was given (in check()); a failed execution adds
// "FAIL <kind>". Lifetime rule: the set outlives the runs. Memory ordering:
// not applicable (the checker's thread only).

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <lastref/model/dpor.h>
#include <lastref/model/model.h>
#include <lastref/model/search.h>

namespace lastref::model::testing {

using outcomes = std::set<std::string>;

struct search_totals {
  std::uint64_t executions = 0;
  bool complete = false;
  outcomes seen;
};

// Every execution until the source is exhausted (or `cap`), failures
// included.
template <class Source>
search_totals run_all(const program_factory& f, Source& src, outcomes* sink,
                      std::uint64_t cap = 3'000'000, memory_model m = memory_model::c11) {
  run_options o;
  o.trace_failures = false;
  o.memory = m;
  checker c;
  search_totals s;
  while (s.executions < cap) {
    const result r = c.run(f, src, o);
    ++s.executions;
    if (r.failed()) sink->insert(std::string("FAIL ") + failure_name(r.kind));
    if (src.complete()) {
      s.complete = true;
      break;
    }
  }
  s.seen = *sink;
  return s;
}

// The random programs of the soundness tests (random_program.h and the
// retry, stutter and futex programs) share their shape: 2-3 threads, each a
// short list of steps {kind, location, value} drawn from a seed. Fills
// prog[0..n) and returns n; the draws (n, each length, then each step's
// kind, location, value) are in a fixed order, so a seed names a program.
struct step_shape {
  std::uint32_t kinds;       // kind in [0, kinds)
  std::uint32_t locs;        // location in [0, locs)
  std::uint32_t len_of_two;  // with 2 threads, 1..len_of_two steps each (3 threads: 1..2)
  std::uint32_t vals;        // value in [first_val, first_val + vals)
  std::uint32_t first_val;
};
template <class Step>
int draw_steps(std::uint64_t seed, std::vector<Step> (&prog)[3], step_shape s) {
  using kind = decltype(Step::k);
  random_source r(seed);
  const int n = 2 + static_cast<int>(r.below(2));
  for (int t = 0; t < n; ++t) {
    const int len = 1 + static_cast<int>(r.below(n == 2 ? s.len_of_two : 2));
    for (int i = 0; i < len; ++i)
      prog[t].push_back(Step{static_cast<kind>(r.below(s.kinds)),
                             static_cast<std::uint8_t>(r.below(s.locs)),
                             static_cast<std::uint8_t>(s.first_val + r.below(s.vals))});
  }
  return n;
}

// Every execution of `src` through checker::explore (the path where an
// exhaustive source prunes), one at a time, so failures are collected and
// the search goes on; a pruned execution reports no outcome.
struct explore_totals {
  std::uint64_t executions = 0;
  std::uint64_t pruned = 0;
  bool complete = false;
  outcomes seen;
};
template <class Source>
explore_totals explore_all(const program_factory& f, Source& src, outcomes* sink, run_options o,
                           std::uint64_t cap = 2'000'000) {
  o.trace_failures = false;
  checker c;
  explore_totals s;
  while (s.executions < cap) {
    const explore_result e = c.explore(f, src, 1, o);
    s.executions += e.executions;
    s.pruned += e.pruned;
    if (e.found()) sink->insert(std::string("FAIL ") + failure_name(e.failure.kind));
    if (src.complete()) {
      s.complete = true;
      break;
    }
  }
  s.seen = *sink;
  return s;
}

// testing::explore_all with stutter pruning (run_options::prune_stutters)
// on or off under model `m`, with the spurious budgets given (the soundness
// tests of the pruning reductions: stutter_test.cc, wakeup_stutter_test.cc,
// wakeup_review_test.cc).
template <class Source>
explore_totals explore_pruning(const program_factory& f, Source& src, outcomes* sink, bool prune,
                               memory_model m, std::uint64_t cap = 2'000'000,
                               std::uint8_t max_spurious = 1, std::uint8_t max_spurious_cas = 1) {
  run_options o;
  o.memory = m;
  o.prune_stutters = prune;
  o.max_spurious = max_spurious;
  o.max_spurious_cas = max_spurious_cas;
  return explore_all(f, src, sink, o, cap);
}

// testing::explore_all with every pruning (stutters and failed retry CASes)
// on or off under model `m` (the retry-load tests: retry_load_test.cc,
// wait_follows_test.cc).
template <class Source>
explore_totals explore_all_pruning(const program_factory& f, Source& src, outcomes* sink,
                                   memory_model m, bool prune, std::uint64_t cap) {
  run_options o;
  o.memory = m;
  o.prune_failed_retries = prune;
  o.prune_stutters = prune;
  return explore_all(f, src, sink, o, cap);
}

// The totals of a pruning comparison over random programs (stutter_test.cc,
// wakeup_stutter_test.cc): per program the reference (unbounded DFS,
// pruning off), DFS and DPOR with pruning on, and DPOR with it off.
struct pruning_tally {
  std::uint64_t ref = 0, dfs = 0, dpor = 0, dpor_off = 0, pruned = 0;
  int compared = 0, with_stutters = 0;
  void add(const explore_totals& r, const explore_totals& dfs_on, const explore_totals& dpor_on,
           const explore_totals& dpor_no) {
    ++compared;
    if (dpor_on.pruned != 0) ++with_stutters;
    ref += r.executions;
    dfs += dfs_on.executions;
    dpor += dpor_on.executions;
    dpor_off += dpor_no.executions;
    pruned += dpor_on.pruned;
  }
  void print(const char* what) const {
    std::printf(
        "%s: %d programs compared (%d with stutters): executions dfs %llu -> %llu, "
        "dpor %llu -> %llu (%llu pruned)\n",
        what, compared, with_stutters, static_cast<unsigned long long>(ref),
        static_cast<unsigned long long>(dfs), static_cast<unsigned long long>(dpor_off),
        static_cast<unsigned long long>(dpor), static_cast<unsigned long long>(pruned));
  }
  // The comparison means something: enough programs, enough with
  // stutters, and pruning saves executions overall.
  void expect_meaningful(int min_compared, int min_with_stutters) const {
    EXPECT_GE(compared, min_compared);
    EXPECT_GE(with_stutters, min_with_stutters);
    EXPECT_LT(dfs, ref);
    EXPECT_LT(dpor, dpor_off);
  }
};

// An explore function for search(), estimate() and search_within(): `f`
// under sc on `c`, failures untraced (the tests of those fronts count
// executions, they read no trace).
inline explore_fn sc_explorer(checker& c, const program_factory& f) {
  return [&c, f](schedule_source& s, std::uint64_t n) {
    run_options o;
    o.memory = memory_model::sc;
    o.trace_failures = false;
    return c.explore(f, s, n, o);
  };
}

// Every failure that DPOR and unbounded DFS find on `f` under `o` (each
// search run to its end, one execution at a time) replays from its token
// to the same kind and message, and its traced re-run was deterministic.
// Returns how many were checked (first) and how many of those had `mark`
// in their trace (second).
inline std::pair<int, int> replay_every_failure(const program_factory& f, run_options o,
                                                const char* mark) {
  int failures = 0, marked = 0;
  o.trace_failures = true;
  auto go = [&](auto& src) {
    checker c;
    for (int i = 0; i < 100000 && !src.complete(); ++i) {
      const explore_result e = c.explore(f, src, 1, o);
      if (!e.found()) continue;
      ++failures;
      if (e.failure.trace.find(mark) != std::string::npos) ++marked;
      EXPECT_FALSE(e.failure.nondeterministic) << e.failure.message;
      const result r = c.replay(f, e.failure.token, o);
      EXPECT_EQ(r.kind, e.failure.kind) << e.failure.token;
      EXPECT_EQ(r.message, e.failure.message) << e.failure.token;
    }
    EXPECT_TRUE(src.complete());
  };
  dpor_source p;
  go(p);
  dfs_source d(dfs_source::unbounded);
  go(d);
  return {failures, marked};
}

// An outcome set on one line, for failure messages.
inline std::string show(const outcomes& o) {
  std::string s;
  for (const auto& x : o) s += "[" + x + "] ";
  return s;
}

// A search stops at its first failure, and a failing execution ends there,
// so once a program can fail, two searches are compared only on whether
// they found a failure (has_failure); without one, on every outcome.
inline bool has_failure(const outcomes& o) {
  for (const std::string& s : o)
    if (s.rfind("FAIL ", 0) == 0) return true;
  return false;
}

// Unbounded DFS, then DPOR, on the same program (`make(sink)` builds its
// factory): when DFS completes within `dfs_cap` executions, DPOR must
// complete, not diverge, reach the same outcomes and run no more
// executions. Returns {dpor, dfs} executions; {0, 0} when DFS was too large
// to compare.
template <class Make>
std::pair<std::uint64_t, std::uint64_t> same_as_dfs(Make make, memory_model m,
                                                    std::uint64_t dfs_cap = 3'000'000) {
  outcomes a, b;
  dfs_source full(1000);
  const search_totals sf = run_all(make(&b), full, &b, dfs_cap, m);
  if (!sf.complete) return {0, 0};
  dpor_source d;
  const search_totals sd = run_all(make(&a), d, &a, 3'000'000, m);
  EXPECT_TRUE(sd.complete);
  EXPECT_FALSE(d.diverged());
  EXPECT_EQ(sd.seen, sf.seen);
  EXPECT_LE(sd.executions, sf.executions);
  return {sd.executions, sf.executions};
}

}  // namespace lastref::model::testing
