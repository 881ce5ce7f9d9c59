// SPDX-License-Identifier: MIT
#pragma once
// zoo item 14 — check_then_unload_module: a module whose unload() checks that
// the reference count is zero and then frees the module, as two separate
// steps. DELIBERATELY WRONG.
//
// What is wrong: between the check ("nobody holds a reference") and the
// teardown, a try_get() still succeeds — the module is still live — so the
// unloader frees a module that a thread has just pinned and is about to call
// into. The holder then runs (or returns into) unmapped text. The kernel's
// delete_module makes "no references" and "no new references" one atomic
// step: try_stop_module() drops MODULE_REF_BASE with an atomic
// sub-and-return, after which try_module_get()'s inc-not-zero fails;
// lastref::basic_module::unload does the same. The window is marked with
// Platform::preemption_point().
//
// Real bug class: check-then-free unload and teardown paths — "if
// (atomic_read(&obj->refcnt) == 0) destroy(obj)" with lookups still able to
// find the object (the unload race that Linux 2.5's module rewrite closed
// with stop_machine() and later with the MODULE_REF_BASE drop), and every
// teardown that tests a count and then frees without excluding new users.
//
// Interface: identical to lastref::basic_module (it is one, with unload
// replaced). Lifetime rule: basic_module's, broken by the race above.
//
// Memory ordering: basic_module's. The free after the check is basic_module's
// forced unload (O_TRUNC): going, exit, unmap — whatever references exist.

#include <lastref/module.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class check_then_unload_module : public basic_module<Platform> {
  using base = basic_module<Platform>;

 public:
  using base::base;

  unload_result unload(unload_flags flags = {}) {
    if (this->state() != module_state::live) return unload_result::busy;
    // BUG: check...
    if (!flags.force && this->refcount() != 0) return unload_result::would_block;
    Platform::preemption_point();
    // ...then free, without re-checking: a get since the check is ignored.
    return base::unload(unload_flags{.force = true});
  }
};

}  // namespace lastref::zoo
