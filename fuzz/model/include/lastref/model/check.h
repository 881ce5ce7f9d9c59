// SPDX-License-Identifier: MIT
#pragma once
// lastref::model program-side helpers: invariants, labels, thread identity.
//
// Contract: check/fail report a failure of kind `invariant` at the calling
// step and stop the execution (they never return on failure); outside an
// execution they print and abort. label() names an address in traces for
// the current execution. None of these is a scheduling point.
//
// Lifetime rule: label names must outlive the execution (string literals).
//
// Memory ordering: not applicable (runtime bookkeeping, not program state).

#include <lastref/source_loc.h>

#include <cstdint>

namespace lastref::model {

void check(bool ok, const char* what, source_loc loc = source_loc::current());
[[noreturn]] void fail(const char* what, source_loc loc = source_loc::current());
// printf-style; the message is formatted into a fixed buffer (no allocation).
[[noreturn]] void failf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Names `addr` (an atomic, cell, module text, object) in this execution's trace.
void label(const void* addr, const char* name) noexcept;
// Names whatever the calling thread's next platform operation touches; for
// private fields reachable only through an accessor, e.g.
//   label_next_access("dm_mod.state"); (void)mod->state();
void label_next_access(const char* name) noexcept;
// Virtual thread running the caller (setup/check: 0); -1 outside an execution.
int thread_id() noexcept;
// True while an execution is running on this OS thread.
bool active() noexcept;

// "release ran exactly once": hit() from the release, expect_once() from
// check(). Not a platform object: the scheduler serialises all fibers.
class exactly_once {
 public:
  explicit exactly_once(const char* what) noexcept : what_(what) {}
  void hit(source_loc loc = source_loc::current());                // fails on the second hit
  void expect_once(source_loc loc = source_loc::current()) const;  // fails unless hit once
  [[nodiscard]] int count() const noexcept { return n_; }

 private:
  const char* what_;
  int n_ = 0;
};

}  // namespace lastref::model
