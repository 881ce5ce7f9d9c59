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
// Enumerator values up to op::check are platform operations; later ones are
// scheduler events (new ones are only ever appended).
//
// Lifetime rule: the observer must outlive the checker's executions.
//
// Memory ordering: none needed; all calls come from the one OS thread that
// runs the execution.

#include <lastref/source_loc.h>

#include <cstdint>

#include "failure.h"

namespace lastref::model {

enum class op : std::uint8_t {
  // platform operations (each one a scheduling point)
  load,
  store,
  exchange,
  fetch_add,
  fetch_sub,
  fetch_or,
  fetch_and,
  cas_ok,    // compare_exchange that stored
  cas_fail,  // compare_exchange that failed (a load)
  fence,
  cell_read,
  cell_write,
  futex_wait,
  futex_wake_one,
  futex_wake_all,
  mutex_lock,
  mutex_unlock,
  now,
  preemption_point,
  text_enter,
  text_leave,
  text_unmap,
  exit_thread,
  make,
  destroy,
  check,  // model::check / model::fail
  // scheduler events (not steps)
  thread_start,
  thread_end,
  block,     // thread blocked (futex word or mutex)
  wake,      // thread made runnable by a futex wake / mutex unlock
  resume,    // a blocked thread runs again (its wait returns)
  timeout,   // a blocked thread's timeout fired (virtual time advanced)
  spurious,  // a blocked thread woke spuriously
  preempt,   // the scheduler switched away from a runnable thread
  op_count_
};

// Stable name used in traces, e.g. "fetch_sub", "text_leave", "preempt".
const char* op_name(op o) noexcept;

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
