// SPDX-License-Identifier: MIT
#pragma once
// held-out variant — live_then_inc_module: a module whose try_get() checks
// that the module is live and then takes its reference with a plain
// increment. DELIBERATELY WRONG; NOT part of the zoo (fuzz/heldout/README.md).
//
// What is wrong: the liveness check and the increment are two steps. An
// unloader that runs between them drops the base reference (count 0: "no
// references, no new ones"), marks the module going and unmaps its text; the
// increment then resurrects the count from 0 and try_get() reports success,
// so the caller calls into (or later returns into) unmapped module text. The
// kernel's try_module_get() takes the reference with atomic_inc_not_zero()
// (kernel/module/main.c, strong_try_module_get / try_module_get), so a
// stopped module refuses it even after the liveness check passed;
// lastref::basic_module::try_get does the same with a compare-exchange loop.
//
// Real bug class: a liveness flag tested before an unconditional get
// ("if (obj->state == LIVE) atomic_inc(&obj->ref)"): time-of-check to
// time-of-use between the flag and the count that teardown decides on.
//
// Interface: identical to lastref::basic_module (it is one, with try_get
// replaced). Lifetime rule: basic_module's, broken by the race above. Unlike
// the zoo, the window is not marked with Platform::preemption_point().
//
// Memory ordering: basic_module's; the increment is relaxed like get().

#include <lastref/module.h>

namespace lastref::heldout {

template <class Platform = std_platform>
class live_then_inc_module : public basic_module<Platform> {
  using base = basic_module<Platform>;

 public:
  using base::base;

  [[nodiscard]] bool try_get() {
    if (this->state() != module_state::live) return false;
    this->get();  // BUG: the unloader may have stopped the module since the check
    return true;
  }
};

}  // namespace lastref::heldout
