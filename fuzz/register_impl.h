// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz set registration — the one-line macros of registry.h and the
// function each registered set runs (the interpreter under the model).
//
// Contract: LASTREF_FUZZ_REGISTER(name, kref, completion, module) registers
// a default set (fuzzed by every target alongside the correct primitives);
// LASTREF_FUZZ_ZOO(...) a zoo set (only with LASTREF_ZOO=name);
// LASTREF_FUZZ_ZOO_QUIRK(name, kref, completion, module, quirk inits...) a
// zoo set that also switches on protocol quirks (impl_set.h). The template
// arguments are class templates over a Platform (e.g. lastref::basic_kref).
// Use each macro at namespace scope in a .cc file that is linked into the
// executable as an object (not through a static library, which would drop
// the unreferenced registrar).
//
// Lifetime rule: each set's model checker is created on first use and lives
// until exit; it reuses its fiber stacks across executions.
//
// Memory ordering: single-threaded use (one execution at a time).

#include <cstdint>
#include <memory>
#include <vector>

#include "amplify.h"
#include "interpreter.h"
#include "model/check.h"
#include "model/checker.h"
#include "model/platform.h"
#include "registry.h"
#include "schedule_bytes.h"

namespace lastref::fuzz {

// Semantic-event hook for interleaving coverage (null: off).
extern event_fn g_event_hook;

inline void model_invariant(bool ok, const char* what, source_loc loc) {
  model::check(ok, what, loc);
}

template <class Set>
class model_program final : public model::program {
 public:
  explicit model_program(const scenario& s) : in_(s, &model_invariant, g_event_hook) {}
  [[nodiscard]] int threads() const override { return in_.threads(); }
  void setup() override { in_.setup(); }
  void run(int thread) override { in_.run(thread); }
  void check() override { in_.check(); }

 private:
  interpreter<model::platform, Set> in_;
};

template <class Set>
model::result run_in_model(const scenario& s, const run_request& req) {
  // One checker per set: its stacks and buffers are reused by every run.
  static const scenario* current = nullptr;
  static model::checker chk(
      [] {
        return std::unique_ptr<model::program>(std::make_unique<model_program<Set>>(*current));
      },
      model_options());
  current = &s;
  chk.set_memory_model(memory_model_of(s));
  if (!req.token.empty()) return chk.replay(req.token);  // its own memory model
  // Schedule 0: the input's own bytes; 1..n-1: derived from the scenario
  // (amplify.h). The first failure decides; a crash file replays exactly.
  fuzz_schedule_source src(s.schedule);
  model::result r = chk.run(src);
  const int n = amplify::schedules();
  int k = 1;
  if (r.ok() && n > 1) {
    const uint64_t seed = amplify::scenario_seed(s);
    const uint32_t steps = r.steps > 16 ? r.steps : 16;
    thread_local std::vector<uint8_t> bytes;
    for (; k < n; ++k) {
      if (k % 2 == 1) {
        model::pct_source pct(amplify::variant_seed(seed, k), amplify::pct_depth(k), steps);
        r = chk.run(pct);
      } else {
        amplify::random_bytes(seed, k, bytes);
        fuzz_schedule_source rnd(bytes);
        r = chk.run(rnd);
      }
      if (r.failed()) break;
    }
    if (k == n) {
      amplify::note_run(0, n);
      // The traced re-run of a passing input shows its own schedule.
      return req.traced ? chk.replay_choices(src.choices()) : r;
    }
    amplify::note_run(k, k + 1);
    return req.traced ? chk.replay_choices(r.choices) : r;
  }
  amplify::note_run(0, 1);
  // The traced re-run replays the exact choices (for a passing run too).
  if (req.traced) return chk.replay_choices(src.choices());
  return r;
}

}  // namespace lastref::fuzz

#define LASTREF_FUZZ_SET_(ident, is_zoo, kref_tmpl, completion_tmpl, module_tmpl, ...)            \
  namespace {                                                                                     \
  struct lastref_fuzz_set_##ident {                                                               \
    template <class P>                                                                            \
    using kref = kref_tmpl<P>;                                                                    \
    template <class P>                                                                            \
    using completion = completion_tmpl<P>;                                                        \
    template <class P>                                                                            \
    using module = module_tmpl<P>;                                                                \
    static constexpr ::lastref::fuzz::quirks quirk{__VA_ARGS__};                                  \
  };                                                                                              \
  [[maybe_unused]] const bool lastref_fuzz_registered_##ident =                                   \
      ::lastref::fuzz::register_impl({#ident, is_zoo, lastref_fuzz_set_##ident::quirk,            \
                                      &::lastref::fuzz::run_in_model<lastref_fuzz_set_##ident>}); \
  }

// A default set: fuzzed by every target next to the correct primitives.
#define LASTREF_FUZZ_REGISTER(ident, kref_tmpl, completion_tmpl, module_tmpl) \
  LASTREF_FUZZ_SET_(ident, false, kref_tmpl, completion_tmpl, module_tmpl)
// A zoo set: runs only when LASTREF_ZOO=ident.
#define LASTREF_FUZZ_ZOO(ident, kref_tmpl, completion_tmpl, module_tmpl) \
  LASTREF_FUZZ_SET_(ident, true, kref_tmpl, completion_tmpl, module_tmpl)
// A zoo set with protocol quirks, e.g. `.lookup_with_get = true`.
#define LASTREF_FUZZ_ZOO_QUIRK(ident, kref_tmpl, completion_tmpl, module_tmpl, ...) \
  LASTREF_FUZZ_SET_(ident, true, kref_tmpl, completion_tmpl, module_tmpl, __VA_ARGS__)
