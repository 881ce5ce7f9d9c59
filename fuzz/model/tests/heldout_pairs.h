// SPDX-License-Identifier: MIT
#pragma once
// The scaffolding of a held-out round's bug/fix pairs (heldout6_test.cc,
// heldout7_test.cc): each bug is searched with the round's pruning on and
// off, under sc and c11, against the expectation its README wrote before
// the first run, and each fix must be proven with pruning on and off.
// What "pruning off" switches off is the round's: each passes its own
// runner.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <lastref/model/model.h>

namespace lastref::model::heldout {

struct outcome {
  bool found;
  failure_kind kind;
  bool complete;
  std::uint64_t executions;
  std::uint64_t pruned;
  std::string message;
};

// One search of `f` under `o`, at most `budget` executions; with the
// environment variable `trace_env` set, a failure's report is printed.
inline outcome run_search(const program_factory& f, run_options o, std::uint64_t budget,
                          const char* trace_env) {
  o.trace_failures = std::getenv(trace_env) != nullptr;
  checker c;
  const search_result r = search(c, f, {.max_executions = budget}, o);
  if (o.trace_failures && r.cert.found) std::printf("%s\n", r.failure.report().c_str());
  return {r.cert.found,    r.cert.found ? r.failure.kind : failure_kind::none,
          r.cert.complete, r.cert.executions,
          r.cert.pruned,   r.cert.found ? r.failure.message : std::string()};
}

inline std::string show(const outcome& x) {
  std::string s = x.found ? std::string("found ") + failure_name(x.kind)
                          : (x.complete ? "proven" : "incomplete");
  s += " (" + std::to_string(x.executions) + ", pruned " + std::to_string(x.pruned) + ")";
  if (x.found) s += " [" + x.message + "]";
  return s;
}

// What a bug's search should end with under one memory model.
struct expect {
  bool found_on;   // with the round's pruning on
  bool found_off;  // with it off
  failure_kind kind;
  failure_kind alt = failure_kind::none;  // another kind the README allows
};

constexpr expect found(failure_kind k, failure_kind alt = failure_kind::none) {
  return {true, true, k, alt};
}
// Missed with pruning on (a contract broken), found with it off.
constexpr expect caveat(failure_kind k, failure_kind alt = failure_kind::none) {
  return {false, true, k, alt};
}
// The memory model has no execution that shows the bug.
inline constexpr expect none{false, false, failure_kind::none};

// Prog(bool bug); run(factory, memory_model, bool prune) -> outcome.
template <class Prog, class Runner>
void check_pair_with(const char* pair, expect sc, expect c11, const Runner& run) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    const expect& e = m == memory_model::sc ? sc : c11;
    SCOPED_TRACE(::testing::Message() << pair << " " << memory_model_name(m));
    const outcome on = run(factory<Prog>(true), m, true);
    const outcome off = run(factory<Prog>(true), m, false);
    const outcome fix_on = run(factory<Prog>(false), m, true);
    const outcome fix_off = run(factory<Prog>(false), m, false);
    std::printf("%s %s: bug on %s, off %s; fix on %s, off %s\n", pair, memory_model_name(m),
                show(on).c_str(), show(off).c_str(), show(fix_on).c_str(), show(fix_off).c_str());
    for (const auto& [x, want] : {std::pair{on, e.found_on}, std::pair{off, e.found_off}}) {
      EXPECT_EQ(x.found, want) << show(x);
      if (want) {
        EXPECT_TRUE(x.kind == e.kind || x.kind == e.alt) << show(x);
      } else {
        EXPECT_TRUE(x.complete) << "missed means proven: every schedule explored";
      }
    }
    for (const outcome& x : {fix_on, fix_off}) {
      EXPECT_FALSE(x.found) << show(x);
      EXPECT_TRUE(x.complete) << show(x);
    }
  }
}

}  // namespace lastref::model::heldout
