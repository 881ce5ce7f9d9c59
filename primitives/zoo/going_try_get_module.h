// SPDX-License-Identifier: MIT
#pragma once
// zoo item 12 — going_try_get_module: a module whose try_get() does not check
// that the module is live, and so takes a reference on a module that is going
// (or already gone). DELIBERATELY WRONG.
//
// What is wrong: try_module_get() must fail once unload has begun; a caller
// that gets a reference believes the module's text and data stay until its
// module_put(), and calls into it. This try_get() is a bare increment (the
// shape of kernels whose module reference was a per-CPU counter that could
// not refuse, where module_is_live() was the only guard): it succeeds on a
// going module, whose exit is running and whose text is about to be
// unmapped, and even on a gone one. The caller then enters the module's text
// after it was unmapped (the model reports "executing unloaded module text").
// lastref::basic_module checks `live` and takes the reference with an
// inc-not-zero that cannot revive a stopped module.
//
// Real bug class: module references taken without try_module_get()'s
// liveness check — __module_get() (which is only for callers that already
// hold a reference) used where try_module_get() is needed, or custom
// registration code that pins a module found in a list without checking
// MODULE_STATE_GOING; in the kernel, try_module_get() tests module_is_live()
// and, since Linux 3.19 ("module: Replace module_ref with atomic_t refcnt"),
// uses atomic_inc_not_zero() so a stopped module can never be revived.
//
// Interface: identical to lastref::basic_module (it is one, with try_get
// replaced). Lifetime rule: basic_module's.
//
// Memory ordering: basic_module's; the replaced try_get is its get(), a
// relaxed increment like __module_get.

#include <lastref/module.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class going_try_get_module : public basic_module<Platform> {
 public:
  using basic_module<Platform>::basic_module;

  // BUG: no module_is_live() check, no inc-not-zero: always succeeds.
  [[nodiscard]] bool try_get() {
    this->get();
    return true;
  }
};

}  // namespace lastref::zoo
