// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::failure_kind — what an oracle of the model runtime found.
//
// Contract: every failed execution carries exactly one kind, the first
// violation detected; the execution stops at that step. Values are stable
// (fuzz targets and the zoo scorecard switch on them and print their names).
//
// Lifetime rule: plain values.
//
// Memory ordering: not applicable (no shared state).

#include <cstdint>

namespace lastref::model {

enum class failure_kind : std::uint8_t {
  none,            // the execution passed every oracle
  deadlock,        // every unfinished thread blocked, no timeout pending (lost wake-up)
  step_budget,     // more steps than run_options::max_steps (livelock)
  use_after_free,  // platform operation on a model-allocated object after destroy()
  double_free,     // destroy() of an already destroyed object
  invalid_free,    // destroy() of memory the model allocator never handed out
  data_race,       // unordered cell accesses (or a free unordered with an access)
  refcount,        // a refcount report (saturation, addition on 0, underflow)
  unloaded_text,   // a thread executed a step while inside unmapped module text
  invariant,       // model::check / model::fail from the program
  exception,       // a thread body let an exception escape
};

// Stable lower-case name, e.g. "use_after_free".
const char* failure_name(failure_kind k) noexcept;

}  // namespace lastref::model
