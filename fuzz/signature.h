// SPDX-License-Identifier: MIT
#pragma once
// lastref crash signatures — a violation aborts through a frame that names
// its kind and the primitive it happened in, so stack-based deduplication
// (ClusterFuzz / ClusterFuzzLite / OSS-Fuzz take the top frames of the
// symbolized stack, abort() and libc frames skipped) buckets a use-after-free
// in kref apart from a lost wake-up (deadlock) in completion.
//
// Contract: violation_frame(r) classifies a failed model::result: the kind is
// r.kind; the primitive is the source file of the violating step in the
// traced report ("[VIOLATION]" line, else the last numbered step):
// kref / refcount / completion / module (primitives/ and primitives/zoo/ files
// by name) or model (anything else, e.g. no step). A step in the scenario's
// own code (fuzz/interpreter.h: a payload read, a free in a release callback)
// is named after the last primitive the same thread stepped in before it;
// "scenario" only when there was none. abort_with_signature() never returns:
// it calls the one noinline function `lastref_violation_<kind>_in_<primitive>`
// for that pair, which calls std::abort(). frame_name() gives that name.
//
// Lifetime rule: stateless.
//
// Memory ordering: none.

#include <string>
#include <string_view>

#include <lastref/model/checker.h>

namespace lastref::fuzz::signature {

enum class primitive : unsigned char { kref, refcount, completion, module, scenario, model };
inline constexpr int primitive_count = 6;

struct where {
  primitive prim = primitive::model;
  std::string function;  // the violating step's function, as the trace names it
};

[[nodiscard]] primitive classify_file(std::string_view file) noexcept;
[[nodiscard]] where locate(const model::result& r);
[[nodiscard]] std::string frame_name(model::failure_kind k, primitive p);
[[noreturn]] void abort_with_signature(model::failure_kind k, primitive p);

}  // namespace lastref::fuzz::signature
