// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz set registration — the one-line macros of registry.h and the
// function each registered set runs (the interpreter under the model).
//
// Contract: LASTREF_FUZZ_REGISTER(name, kref, completion, module) registers
// a default set (fuzzed by every target alongside the correct primitives);
// LASTREF_FUZZ_ZOO(...) a zoo set outside the zoo manifest (only with
// LASTREF_ZOO=name; the held-out sets use it). The zoo's own variants are
// entries of fuzz/zoo_manifest.h, registered by zoo_sets.cc. The template
// arguments are class templates over a Platform (e.g. lastref::basic_kref).
// Use each macro at namespace scope in a .cc file that is linked into the
// executable as an object (not through a static library, which would drop
// the unreferenced registrar).
//
// Lifetime rule: every run borrows fuzz_checker()'s fiber stacks; the
// program factory, schedule sources and options are locals of the run (no
// per-run state outlives it).
//
// Memory ordering: single-threaded use (one execution at a time).

#include <cstdint>
#include <memory>
#include <vector>

#include <lastref/model/check.h>
#include <lastref/model/checker.h>
#include <lastref/model/platform.h>

#include "amplify.h"
#include "interpreter.h"
#include "registry.h"
#include "schedule_bytes.h"

namespace lastref::fuzz {

inline void model_invariant(bool ok, const char* what, source_loc loc) {
  model::check(ok, what, loc);
}

template <class Set>
class model_program final : public model::program {
 public:
  model_program(const scenario& s, event_fn events) : in_(s, &model_invariant, events) {}
  [[nodiscard]] int threads() const override { return in_.threads(); }
  void setup() override { in_.setup(); }
  void run(int thread) override { in_.run(thread); }
  void check() override { in_.check(); }
  [[nodiscard]] int symmetry_class(int thread) const override { return in_.symmetry_class(thread); }

 private:
  interpreter<model::platform, Set> in_;
};

// Program factory of `s` under Set (both must outlive the factory's uses).
template <class Set>
model::program_factory model_factory(const scenario& s, event_fn events) {
  return [&s, events] {
    return std::unique_ptr<model::program>(std::make_unique<model_program<Set>>(s, events));
  };
}

// The run options of `s`: the process's settings, the scenario's memory
// model and the request's observer.
inline model::run_options run_options_of(const scenario& s, model::observer* obs) {
  model::run_options o = model_options();
  o.memory = memory_model_of(s);
  o.obs = obs;
  return o;
}

template <class Set>
model::result run_in_model(const scenario& s, const run_request& req) {
  model::checker& chk = fuzz_checker();
  const model::program_factory f = model_factory<Set>(s, req.events);
  const model::run_options o = run_options_of(s, req.obs);
  if (!req.token.empty()) return chk.replay(f, req.token, o);  // its own memory model
  // Schedule 0: the input's own bytes; 1..n-1: derived from the scenario
  // (amplify.h). The first failure decides; a crash file replays exactly.
  fuzz_schedule_source src(s.schedule);
  model::result r = chk.run(f, src, o);
  const int n = amplify::schedules();
  int k = 1;
  if (r.ok() && n > 1) {
    const uint64_t seed = amplify::scenario_seed(s);
    const uint32_t steps = r.steps > 16 ? r.steps : 16;
    std::vector<uint8_t> bytes;
    for (; k < n; ++k) {
      if (k % 2 == 1) {
        model::pct_source pct(amplify::variant_seed(seed, k), amplify::pct_depth(k), steps);
        r = chk.run(f, pct, o);
      } else {
        amplify::random_bytes(seed, k, bytes);
        fuzz_schedule_source rnd(bytes);
        r = chk.run(f, rnd, o);
      }
      if (r.failed()) break;
    }
    if (k == n) {
      amplify::note_run(n);
      if (req.variant != nullptr) *req.variant = 0;
      // The traced re-run of a passing input shows its own schedule.
      return req.traced ? chk.replay_choices(f, src.choices(), o) : r;
    }
    amplify::note_run(k + 1);
    if (req.variant != nullptr) *req.variant = k;
    return req.traced ? chk.replay_choices(f, r.choices, o) : r;
  }
  amplify::note_run(1);
  if (req.variant != nullptr) *req.variant = 0;
  // The traced re-run replays the exact choices (for a passing run too).
  if (req.traced) return chk.replay_choices(f, src.choices(), o);
  return r;
}

}  // namespace lastref::fuzz

#define LASTREF_FUZZ_SET_(ident, is_zoo, kref_tmpl, completion_tmpl, module_tmpl)                 \
  namespace {                                                                                     \
  using lastref_fuzz_set_##ident =                                                                \
      ::lastref::fuzz::set_of<kref_tmpl, completion_tmpl, module_tmpl>;                           \
  [[maybe_unused]] const bool lastref_fuzz_registered_##ident =                                   \
      ::lastref::fuzz::register_impl({#ident, is_zoo, &lastref_fuzz_set_##ident::adapt,           \
                                      &::lastref::fuzz::run_in_model<lastref_fuzz_set_##ident>}); \
  }

// A default set: fuzzed by every target next to the correct primitives.
#define LASTREF_FUZZ_REGISTER(ident, kref_tmpl, completion_tmpl, module_tmpl) \
  LASTREF_FUZZ_SET_(ident, false, kref_tmpl, completion_tmpl, module_tmpl)
// A zoo set: runs only when LASTREF_ZOO=ident.
#define LASTREF_FUZZ_ZOO(ident, kref_tmpl, completion_tmpl, module_tmpl) \
  LASTREF_FUZZ_SET_(ident, true, kref_tmpl, completion_tmpl, module_tmpl)
