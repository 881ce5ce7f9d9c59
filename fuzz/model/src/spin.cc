// SPDX-License-Identifier: MIT
// Await loops (spin.h): the end of a failed iteration.

#include <lastref/model/spin.h>

#include "runtime.h"

namespace lastref::model {

void await_iteration(source_loc loc) {
  auto* r = detail::rt();
  if (r == nullptr) return;
  r->point(op::preemption_point, nullptr, loc);
  r->note(op::preemption_point, &detail::await_marker, loc, 0, 0, "await iteration");
  // The iteration wrote nothing; if no other thread is sure to take a step
  // (a spurious wake-up may never come), nothing will ever change what the
  // next iteration reads — unless (c11) it read an older store of some
  // location: then the next iteration reads the latest stores of those
  // (eventual visibility) and may still exit.
  const bool stalled = !r->others_will_run();
  if (r->await_refresh(stalled)) return;
  // Failed at once, with no scheduling point before it (as failf would
  // make): the verdict is the thread's own, and a point would let a
  // spurious wake-up run first, which a search may cut as a stutter
  // (dpor.h), losing the verdict with it.
  if (stalled)
    r->fail(failure_kind::invariant,
            "await loop never released: T%d polls again and no other thread is sure to run to "
            "change what it reads (a spurious wake-up may never come; liveness failure)",
            thread_id());
}

}  // namespace lastref::model
