// SPDX-License-Identifier: MIT
#pragma once
// lastref::model await loops and the spinning platform.
//
// await_iteration() marks the failed iteration of an await (spin) loop, so
// that the partial-order-reducing explorer (dpor.h) checks spin-waiting code
// without unrolling the loop, in the manner of await model checking (VSync's
// AMC: Oberhauser et al., "VSync: push-button verification and optimization
// for synchronization primitives on weak memory models", ASPLOS 2021) and
// GenMC's spin-assume transformation (Kokologiannakis et al., PLDI 2019).
//
// Contract: call it at the end of every iteration of an await loop that did
// not exit, i.e. whose polled condition is still false:
//     while (flag.load(std::memory_order_acquire) == 0) model::await_iteration();
// The iteration is the calling thread's steps since its previous
// await_iteration() or its last write, whichever is later; an await loop
// only polls, so it writes nothing (a write ends the iteration early and
// nothing is assumed). Under dpor_source the thread is then not scheduled
// until another thread writes a location the iteration read: a repeated
// iteration that reads the same values changes nothing, so the schedules
// left out are equivalent to explored ones. Under every source, a failed
// iteration when no other thread is sure to take a step (all finished, or
// blocked with no timeout; a spurious wake-up on offer may never come) can
// never be released: the execution fails ("await loop never released",
// kind invariant) with its trace, a liveness failure. (Several threads
// each waiting in an await loop for one another, with nothing else
// runnable, still end in the step-budget failure.)
//
// Under memory_model::c11 a load may read an older store, so an iteration
// can fail on a stale value although the condition already holds in the
// latest stores. Such an iteration, when no other thread can run, is not
// a liveness failure: C11 requires stores to become visible to loads
// "within a reasonable amount of time" ([atomics.order] p11, [intro.progress]
// p18), so the next iteration's first load (or CAS) of each location the
// stale iteration read an older store of reads the latest store, and only
// an iteration that read nothing stale (or after that refresh, fails again)
// is reported. While other threads can still run, stale iterations are
// explored as they are (the thread waits for a write, then chooses again).
// At most 4 stale locations per iteration are tracked individually; with
// more, every load of the thread reads the latest store after the refresh
// until its next await iteration.
// The loop body must be deterministic given the values it reads.
//
// spinning_platform is model::platform with the primitives' bounded spin
// phase switched on (primitives/detail/spin.h): `wait_spin_iterations`
// polls, each followed by spin_pause(), a preemption point. A bounded spin
// phase is NOT an await loop (it gives up and sleeps), so its pauses do not
// call await_iteration(); the explorer covers every number of polls.
//
// Lifetime rule: none. Memory ordering: await_iteration() and spin_pause()
// are no memory operations.

#include <lastref/source_loc.h>

#include <cstdint>

#include "check.h"
#include "platform.h"

namespace lastref::model {

namespace detail {
// The address an await_iteration() note carries, so sources recognise it.
inline constexpr char await_marker = 0;
}  // namespace detail

// The end of a failed iteration of an await loop (see above; src/spin.cc).
void await_iteration(source_loc loc = source_loc::current());

template <unsigned SpinIterations = 16>
struct spinning_platform : platform {
  static constexpr unsigned wait_spin_iterations = SpinIterations;
  static constexpr unsigned wait_yield_iterations = 0;
  static void spin_pause(source_loc loc = source_loc::current()) {
    platform::preemption_point(loc);
  }
};

}  // namespace lastref::model
