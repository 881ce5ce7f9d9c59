// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::observer — a hook that sees every step of an execution.
//
// Contract: the checker calls the observer (if one is set in options) from
// the single OS thread running the execution, synchronously, at every
// platform operation and scheduler event. It is null by default and then
// costs one predictable branch per step. Callbacks must not call platform
// operations. `value` is the value read or written (the new value for
// read-modify-writes), converted to 64 bits; 0 when the operation has none.
// Fuzz targets use it for interleaving coverage (libFuzzer extra counters).
// Lifetime rule: the observer must outlive the checker's executions.
//
// Memory ordering: none needed; all calls come from the one OS thread that
// runs the execution.

#include <lastref/source_loc.h>

#include <cstdint>

#include "failure.h"
#include "op.h"

namespace lastref::model {

class observer {
 public:
  virtual ~observer() = default;
  virtual void on_execution_begin() {}
  // A platform operation executed by `thread` (0-based; setup/check run as
  // thread 0), or a scheduler event concerning `thread`.
  virtual void on_step(int /*thread*/, op /*kind*/, const source_loc& /*loc*/, const void* /*addr*/,
                       std::uint64_t /*value*/) {}
  // The running thread changed; `preemption` when `from` was still runnable.
  virtual void on_switch(int /*from*/, int /*to*/, bool /*preemption*/) {}
  virtual void on_execution_end(failure_kind /*kind*/) {}
};

}  // namespace lastref::model
