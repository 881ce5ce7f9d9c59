// SPDX-License-Identifier: MIT
// Crash signatures (signature.h).
#include "signature.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>
#include <vector>

// The frames live at global scope with C names, so the symbolized stack
// shows exactly these names.
// X(kind) for every failure kind that is a violation.
#define LASTREF_SIG_KINDS(X) \
  X(deadlock)                \
  X(step_budget)             \
  X(use_after_free)          \
  X(double_free)             \
  X(invalid_free)            \
  X(data_race)               \
  X(refcount)                \
  X(unloaded_text)           \
  X(invariant)               \
  X(exception)

// One noinline frame per (kind, primitive). Each prints its own name, so no
// two bodies are identical and no optimiser or linker folds them together.
#define LASTREF_SIG_FN(kind, prim)                                                                \
  extern "C" [[noreturn, gnu::noinline, gnu::used]] void lastref_violation_##kind##_in_##prim() { \
    std::fputs("lastref: aborting in lastref_violation_" #kind "_in_" #prim "\n", stderr);        \
    std::fflush(stderr);                                                                          \
    std::abort();                                                                                 \
  }
#define LASTREF_SIG_ROW(kind)      \
  LASTREF_SIG_FN(kind, kref)       \
  LASTREF_SIG_FN(kind, refcount)   \
  LASTREF_SIG_FN(kind, completion) \
  LASTREF_SIG_FN(kind, module)     \
  LASTREF_SIG_FN(kind, scenario)   \
  LASTREF_SIG_FN(kind, model)
LASTREF_SIG_KINDS(LASTREF_SIG_ROW)
#undef LASTREF_SIG_ROW
#undef LASTREF_SIG_FN

namespace lastref::fuzz::signature {

namespace {

struct row {
  model::failure_kind kind;
  const char* name;
  void (*fn[primitive_count])();
};
#define LASTREF_SIG_ENTRY(kind)                                                          \
  row{model::failure_kind::kind,                                                         \
      #kind,                                                                             \
      {&lastref_violation_##kind##_in_kref, &lastref_violation_##kind##_in_refcount,     \
       &lastref_violation_##kind##_in_completion, &lastref_violation_##kind##_in_module, \
       &lastref_violation_##kind##_in_scenario, &lastref_violation_##kind##_in_model}},
constexpr row rows[] = {LASTREF_SIG_KINDS(LASTREF_SIG_ENTRY)};
#undef LASTREF_SIG_ENTRY

constexpr const char* primitive_names[primitive_count] = {"kref",   "refcount", "completion",
                                                          "module", "scenario", "model"};

const row* find_row(model::failure_kind k) noexcept {
  for (const row& r : rows)
    if (r.kind == k) return &r;
  return nullptr;
}

}  // namespace

primitive classify_file(std::string_view file) noexcept {
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos)
    file.remove_prefix(slash + 1);
  // By name, so the zoo's headers classify too: relaxed_put_kref.h,
  // touch_after_complete.h (a completion), check_then_unload_module.h.
  if (file.find("interpreter") != std::string_view::npos) return primitive::scenario;
  if (file.find("refcount") != std::string_view::npos) return primitive::refcount;
  if (file.find("kref") != std::string_view::npos) return primitive::kref;
  if (file.find("complet") != std::string_view::npos) return primitive::completion;
  if (file.find("module") != std::string_view::npos) return primitive::module;
  return primitive::model;
}

namespace {

struct step_line {
  std::string thread;    // "T0"
  std::string file;      // "kref.h"
  std::string function;  // as the trace names it
};

// "  N  Tt  <what>  file.h:LINE function  [...]" -> its thread, file, function.
bool parse_step(const std::string& line, step_line& out) {
  const auto first = line.find_first_not_of(' ');
  if (first == std::string::npos || line[first] < '0' || line[first] > '9') return false;
  std::istringstream tok(line);
  std::string number;
  tok >> number >> out.thread;
  out.file.clear();
  out.function.clear();
  for (std::string t; tok >> t;) {
    const auto colon = t.find(".h:");
    if (colon == std::string::npos) continue;
    out.file = t.substr(0, colon + 2);
    tok >> out.function;
    break;
  }
  return true;
}

}  // namespace

where locate(const model::result& r) {
  std::vector<step_line> steps;
  size_t violating = 0;
  bool found = false;
  std::istringstream in(r.trace);
  for (std::string line; std::getline(in, line);) {
    step_line s;
    if (!parse_step(line, s)) continue;
    steps.push_back(std::move(s));
    if (line.find("[VIOLATION]") != std::string::npos) {
      violating = steps.size() - 1;
      found = true;
      break;
    }
  }
  where w;
  if (steps.empty()) return w;
  if (!found) violating = steps.size() - 1;
  w.function = steps[violating].function;
  w.prim = classify_file(steps[violating].file);
  // A violation in the scenario's own code (a payload read, a free) happened
  // inside whatever primitive operation that thread was last in (e.g. the
  // release callback of a kref put): name that primitive.
  if (w.prim == primitive::scenario) {
    for (size_t i = violating; i-- > 0;) {
      if (steps[i].thread != steps[violating].thread) continue;
      const primitive p = classify_file(steps[i].file);
      if (p == primitive::scenario || p == primitive::model) continue;
      w.prim = p;
      break;
    }
  }
  return w;
}

std::string frame_name(model::failure_kind k, primitive p) {
  const row* r = find_row(k);
  return std::string("lastref_violation_") + (r ? r->name : "invariant") + "_in_" +
         primitive_names[static_cast<int>(p)];
}

void abort_with_signature(model::failure_kind k, primitive p) {
  const row* r = find_row(k);
  if (r == nullptr) r = find_row(model::failure_kind::invariant);
  r->fn[static_cast<int>(p)]();
  std::abort();  // not reached: every frame aborts
}

}  // namespace lastref::fuzz::signature
