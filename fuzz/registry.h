// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz registry — the implementation sets a target can run, by name.
//
// Contract: every registered set is a name plus a function that runs a
// scenario under the model with that set's types (interpreter<model::platform,
// Set>). Sets come in two kinds:
//   - default sets (the correct primitives, "correct", and any user set):
//     a scenario's impl byte picks one of them, so a fuzzer covers all;
//   - zoo sets (deliberately broken): used only when selected explicitly with
//     the environment variable LASTREF_ZOO=<name>, read once at start-up by
//     select_from_environment(). Then every scenario runs that set.
// LASTREF_IMPL=<name> likewise pins one *default* set (e.g. to fuzz only your
// own implementation). An unknown name is an error listing the valid names.
// Names are [a-z0-9_]. Registering two sets with one name is a start-up error.
//
// Registering a user implementation (one line, in any .cc linked into the
// target, after #include "register_impl.h"; see fuzz/README.md "Bring your
// own implementation"):
//
//   LASTREF_FUZZ_REGISTER(my_kref, my::kref, lastref::basic_completion,
//                         lastref::basic_module);
//
// Zoo variants are not registered by hand: each entry of fuzz/zoo_manifest.h
// is registered here as a zoo set under its manifest name (zoo_sets.cc).
//
// Lifetime rule: the registry lives for the whole process; entries are added
// by static initialisers before main / LLVMFuzzerInitialize and never removed.
//
// Memory ordering: registration happens during static initialisation, in one
// thread; everything after reads only.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/model/checker.h>

#include "impl_set.h"
#include "scenario.h"

namespace lastref::fuzz {

// Interpreter events for interleaving coverage (interpreter.h).
enum class event : uint8_t;
using event_fn = void (*)(int thread, event e);

// Everything a run varies besides the scenario (interleaving::request()
// fills the hooks from the environment).
struct run_request {
  bool traced = false;             // replay: trace even a passing execution
  model::observer* obs = nullptr;  // sees every untraced step (null: none)
  event_fn events = nullptr;       // the interpreter's semantic events (null: none)
  int* variant = nullptr;          // out: the schedule variant that decided the run (amplify.h)
  // Non-empty: replay this model token (checker::replay, traced) instead of
  // the input's schedule bytes (replay_token.h).
  std::string_view token = {};
};

using run_fn = model::result (*)(const scenario& s, const run_request& req);

struct impl_entry {
  std::string name;
  bool zoo = false;
  void (*adapt)(config& cfg) = &correct_protocol::adapt;  // the set's adapt hook
  run_fn run = nullptr;
};

// Adds an entry; returns true (for use in static initialisers). A duplicate
// name aborts with a message: two sets must never silently share a name.
bool register_impl(impl_entry e);

// All entries, in registration order per translation unit.
[[nodiscard]] const std::vector<impl_entry>& registry();
[[nodiscard]] const impl_entry* find_impl(std::string_view name);

// Reads LASTREF_ZOO and LASTREF_IMPL once. Unknown name: prints the valid
// names to stderr and exits with status 2. Returns the selected zoo entry or
// nullptr.
const impl_entry* select_from_environment();
// The entry a scenario runs: the selected zoo set, else the LASTREF_IMPL
// set, else a default set picked by the scenario's impl byte.
[[nodiscard]] const impl_entry& impl_for(const scenario& s);

// Applies what the chosen set implies to a decoded scenario (its notes show
// in print()): the set's adapt hook (impl_set.h). A correct set never runs
// module-placed release with immediate unload (zoo item
// module_release_immediate); that set always does.
void adapt_to_impl(scenario& s, const impl_entry& e);

// Per-fiber stack of every fuzz execution (see fuzz_checker()).
inline constexpr std::size_t fuzz_stack_size = 64u << 10;
// The checker every fuzz run uses: fiber stacks and pools only, reused by
// every set and scenario (one execution at a time per process). Its stack
// size is fuzz_checker_stack_size() at the first call.
model::checker& fuzz_checker();
// fuzz_stack_size unless changed before the first run (0: the model's
// default; the raw-rate benchmark's --model-defaults).
std::size_t& fuzz_checker_stack_size();

// The process's model settings (the memory model from LASTREF_MEMORY_MODEL);
// run_in_model copies them per run and adds the scenario's model and the
// request's observer.
model::run_options& model_options();
// The model a scenario runs under: its config bit, unless LASTREF_MEMORY_MODEL=sc.
model::memory_model memory_model_of(const scenario& s);

}  // namespace lastref::fuzz
