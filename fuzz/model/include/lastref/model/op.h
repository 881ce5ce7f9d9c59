// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::op — what a step of an execution does: a platform
// operation or a scheduler event. A small value header: traces, observers,
// schedule sources and the runtime's interface to the platform types
// (detail/ops.h) name steps by it.
//
// Contract: enumerator values up to op::check are platform operations;
// later ones are scheduler events (new ones are only ever appended, so
// recorded values stay meaningful).
//
// Lifetime rule / memory ordering: not applicable (values only).

#include <cstdint>

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

// A platform operation that writes the location it names: a store, an RMW,
// a compare_exchange that stored, a cell write. (Futex, mutex, text and
// allocation operations are none: their effects are described where they
// are used.)
constexpr bool is_write(op o) noexcept {
  switch (o) {
    case op::store:
    case op::exchange:
    case op::fetch_add:
    case op::fetch_sub:
    case op::fetch_or:
    case op::fetch_and:
    case op::cas_ok:
    case op::cell_write:
      return true;
    default:
      return false;
  }
}

// A platform operation that only reads the location it names: a load, a
// compare_exchange that failed, a cell read.
constexpr bool is_read(op o) noexcept {
  return o == op::load || o == op::cas_fail || o == op::cell_read;
}

}  // namespace lastref::model
