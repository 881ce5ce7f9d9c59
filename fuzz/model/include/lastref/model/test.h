// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::test — the front for writing your own model-checked
// scenario in a few lines, the way loom users write
// `loom::model(|| { thread::spawn(...) })`: the shared state is a struct,
// each thread is a lambda over it, the final check is a lambda, and
// explore(source, budget) answers with the failure report, the replay token
// and a summary of what was searched.
//
//   struct state {                                  // fresh per execution
//     lastref::basic_kref<lastref::model::platform> ref;
//     lastref::model::platform::cell<int> data;
//   };
//   lastref::model::test<state> t;
//   t.setup([](state& s) { s.ref.get(); });        // runs first, alone
//   t.thread([](state& s) { s.data.write(1); s.ref.put([](auto&) {}); });
//   t.thread([](state& s) { s.ref.put([](auto&) {}); });
//   t.check([](state& s) { lastref::model::check(s.ref.read() == 0, "all put"); });
//   lastref::model::dpor_source every;              // or random_source, pct_source ...
//   auto r = t.explore(every, 100'000);
//   if (r.found()) std::fputs(r.report.c_str(), stderr);   // violation, trace, token
//   std::puts(r.summary().c_str());   // "complete: ..." only if every schedule passed
//   t.replay(r.token);                // the same trace again
//
// Contract: every execution default-constructs a fresh State inside the
// model (its atomics and cells are model locations, constructed before
// setup), runs setup, then the threads (1 .. max_threads, in the order
// added, as thread 0, 1, ...) under the source, then check, then destroys
// the state; executions share nothing. The lambdas touch shared data only
// through model::platform types in State or objects from platform::make
// (program.h's rules: a thread's locals must not own heap memory across
// platform calls). explore stops at the first failure, when the source is
// exhausted (complete) or after `budget` executions (incomplete: nothing
// proven). A failing execution is re-run traced: the report is its trace
// and the token replays it bit for bit (checker.h).
//
// Lifetime rule: a test owns its checker (fiber stacks, reused by every
// call) and copies of the lambdas; the source need live only for the call.
// Not copyable; one call at a time per OS thread.
//
// Memory ordering: the model's (platform.h): run_options::memory, c11 by
// default, decides which stores a load may read.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "check.h"
#include "checker.h"
#include "dpor.h"
#include "platform.h"
#include "program.h"
#include "schedule.h"

namespace lastref::model {

// What explore() found and how far it searched.
struct test_result {
  std::uint64_t executions = 0;  // executions run (a failing one included)
  bool complete = false;         // the source ran out with every schedule passing
  result failure;                // the first failure; failure.ok() when none
  std::string report;            // failure.report(): violation, trace, token ("" when none)
  std::string token;             // the failure's replay token ("" when none)

  [[nodiscard]] bool found() const noexcept { return failure.failed(); }
  // One line: "FAILED [kind] after N executions", "complete: N executions,
  // every schedule the source covers passed", or "incomplete: N executions
  // (budget reached), nothing proven".
  [[nodiscard]] std::string summary() const {
    const std::string n = std::to_string(executions) + " executions";
    if (found()) return "FAILED [" + std::string(failure_name(failure.kind)) + "] after " + n;
    if (complete) return "complete: " + n + ", every schedule the source covers passed";
    return "incomplete: " + n + " (budget reached), nothing proven";
  }
};

template <class State>
class test {
 public:
  using body = std::function<void(State&)>;

  test() = default;
  test(const test&) = delete;
  test& operator=(const test&) = delete;

  // Runs before the threads, alone (default: nothing).
  test& setup(body f) {
    setup_ = std::move(f);
    return *this;
  }
  // Adds a thread (at most max_threads; one more aborts with a message).
  test& thread(body f) {
    if (threads_.size() == static_cast<std::size_t>(max_threads)) {
      std::fprintf(stderr, "lastref::model::test: more than %d threads\n", max_threads);
      std::abort();
    }
    threads_.push_back(std::move(f));
    classes_.push_back(-1);
    return *this;
  }
  // Adds `count` threads running the same body, declared twins
  // (program::symmetry_class): the body must not depend on which of them
  // runs it. An exhaustive search then explores only the executions where
  // they take their first steps in order, and covers the others by renaming
  // (fuzz/model/README.md, "Symmetry"); a report names whichever ran.
  test& twins(const body& f, int count) {
    const int cls = static_cast<int>(threads_.size());
    for (int i = 0; i < count; ++i) {
      thread(f);
      classes_.back() = cls;
    }
    return *this;
  }
  // Runs after every thread finished and sees all their effects.
  test& check(body f) {
    check_ = std::move(f);
    return *this;
  }
  // Budgets, memory model, observer (checker.h); defaults otherwise.
  test& options(const run_options& o) {
    opts_ = o;
    return *this;
  }

  // Executions under `source` until a failure, its end or `budget`.
  test_result explore(schedule_source& source, std::uint64_t budget) {
    explore_result e = checker_.explore(factory(), source, budget, opts_);
    test_result r;
    r.executions = e.executions;
    r.complete = e.complete;
    r.failure = std::move(e.failure);
    if (r.found()) {
      r.report = r.failure.report();
      r.token = r.failure.token;
    }
    return r;
  }
  // The traced execution of a replay token (its trace even when it passes).
  result replay(std::string_view token) { return checker_.replay(factory(), token, opts_); }

 private:
  class program_of final : public program {
   public:
    explicit program_of(const test& t) : t_(t) {}
    [[nodiscard]] int threads() const override { return static_cast<int>(t_.threads_.size()); }
    void setup() override {
      if (t_.setup_) t_.setup_(state_);
    }
    void run(int thread) override { t_.threads_[static_cast<std::size_t>(thread)](state_); }
    [[nodiscard]] int symmetry_class(int thread) const override {
      return t_.classes_[static_cast<std::size_t>(thread)];
    }
    void check() override {
      if (t_.check_) t_.check_(state_);
    }

   private:
    const test& t_;
    State state_{};  // a member: the program object's locations name it (dpor.h)
  };

  program_factory factory() const {
    return [this] { return std::unique_ptr<program>(std::make_unique<program_of>(*this)); };
  }

  body setup_;
  std::vector<body> threads_;
  std::vector<int> classes_;  // symmetry_class of each thread (-1: none)
  body check_;
  run_options opts_{};
  checker checker_;
};

}  // namespace lastref::model
