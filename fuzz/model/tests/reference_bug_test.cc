// SPDX-License-Identifier: MIT
// The DESIGN.md reference bug over the real primitives (module-placed
// release, immediate unload): found by random, PCT and exhaustive search,
// with a trace that shows the race step by step; both fixes (builtin
// placement, drain_residency) pass exhaustive search at preemption bound 2.

#include <lastref/model/reference_bug.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

program_factory variant(release_placement pl, unload_policy po) {
  return factory<reference_bug>(reference_bug_config{pl, po});
}
program_factory buggy() { return variant(release_placement::module, unload_policy::immediate); }

// Finds `parts` in `text` in this order; reports the first one missing.
void expect_in_order(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t pos = 0;
  for (const std::string& p : parts) {
    std::size_t at = text.find(p, pos);
    ASSERT_NE(at, std::string::npos) << "missing (in order): \"" << p << "\"\n" << text;
    pos = at + p.size();
  }
}

void expect_reference_trace(const result& r) {
  ASSERT_EQ(r.kind, failure_kind::unloaded_text) << r.report();
  EXPECT_FALSE(r.nondeterministic);
  EXPECT_NE(r.message.find("T0"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("dm_mod"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("which T1 unmapped at step"), std::string::npos) << r.message;
  expect_in_order(r.trace, {
                               "T0  fetch_sub obj.ref 1 -> 0",  // the last put...
                               "sub_and_test",
                               "T0  text_enter dm_mod",  // ...runs release in module text
                               "T0  cas obj.released",   // complete()
                               "complete",
                               "-- preempt: T0 -> T1",   // A is preempted before returning
                               "T1  ",                   // the waiter runs...
                               "wait_slow",              // ...out of wait_for_completion
                               "T1  text_unmap dm_mod",  // the module goes away
                           });
  // A resumes in the gone text: its next step (the return out of release,
  // or the rest of complete() still running in module text) is the violation.
  const std::size_t v = r.trace.find("[VIOLATION]");
  ASSERT_NE(v, std::string::npos);
  const std::size_t bol = r.trace.rfind('\n', v) + 1;
  const std::string line = r.trace.substr(bol, r.trace.find('\n', v) - bol);
  EXPECT_NE(line.find("  T0  "), std::string::npos) << line;
  EXPECT_NE(line.find("[in dm_mod, UNMAPPED]"), std::string::npos) << line;
  EXPECT_GT(bol, r.trace.find("T1  text_unmap dm_mod"));
}

TEST(ReferenceBug, RandomFindsItWithinMedian50Executions) {
  const program_factory subject = buggy();
  checker c;
  std::vector<std::uint64_t> found;
  for (std::uint64_t seed = 1; seed <= 21; ++seed) {
    random_source r(seed);
    explore_result e = c.explore(subject, r, 5000);
    ASSERT_TRUE(e.found()) << "seed " << seed;
    expect_reference_trace(e.failure);
    found.push_back(e.executions);
  }
  std::sort(found.begin(), found.end());
  EXPECT_LE(found[found.size() / 2], 50u) << "median executions to find";
}

TEST(ReferenceBug, PctFindsIt) {
  const program_factory subject = buggy();
  checker c;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    pct_source p(seed, 3);
    explore_result e = c.explore(subject, p, 1000);
    ASSERT_TRUE(e.found()) << "seed " << seed;
    expect_reference_trace(e.failure);
  }
}

TEST(ReferenceBug, ExhaustiveSearchFindsIt) {
  for (int bound = 1; bound <= 3; ++bound) {
    const program_factory subject = buggy();
    checker c;
    dfs_source d(bound);
    explore_result e = c.explore(subject, d, 1'000'000);
    ASSERT_TRUE(e.found()) << "bound " << bound;
    expect_reference_trace(e.failure);
  }
  // Without preemption the race cannot happen: the search completes clean.
  const program_factory subject = buggy();
  checker c;
  dfs_source d(0);
  explore_result e = c.explore(subject, d, 1'000'000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

TEST(ReferenceBug, BuiltinPlacementIsCleanUnderExhaustiveSearch) {
  const program_factory subject = variant(release_placement::builtin, unload_policy::immediate);
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 10'000'000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
  EXPECT_GT(e.executions, 50u);
  EXPECT_FALSE(d.diverged());
}

TEST(ReferenceBug, DrainResidencyIsCleanUnderExhaustiveSearch) {
  const program_factory subject =
      variant(release_placement::module, unload_policy::drain_residency);
  checker c;
  dfs_source d(2);
  explore_result e = c.explore(subject, d, 10'000'000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
  EXPECT_GT(e.executions, 50u);
  EXPECT_FALSE(d.diverged());
}

TEST(ReferenceBug, FixesAreCleanUnderRandomAndPct) {
  for (auto pl : {release_placement::builtin, release_placement::module}) {
    auto po = pl == release_placement::builtin ? unload_policy::immediate
                                               : unload_policy::drain_residency;
    const program_factory subject = variant(pl, po);
    checker c;
    random_source r(9);
    EXPECT_FALSE(c.explore(subject, r, 3000).found());
    pct_source p(9);
    EXPECT_FALSE(c.explore(subject, p, 3000).found());
  }
}

TEST(ReferenceBug, TokenReplaysTheSameTrace) {
  const program_factory subject = buggy();
  checker c;
  random_source r(5);
  explore_result e = c.explore(subject, r, 5000);
  ASSERT_TRUE(e.found());
  result again = c.replay(subject, e.failure.token);
  EXPECT_EQ(again.kind, e.failure.kind);
  EXPECT_EQ(again.message, e.failure.message);
  EXPECT_EQ(again.trace, e.failure.trace);
  EXPECT_EQ(again.token, e.failure.token);
}

}  // namespace
}  // namespace lastref::model
