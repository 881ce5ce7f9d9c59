// SPDX-License-Identifier: MIT
#pragma once
// The DESIGN.md reference bug (Linux dm-builtin.c) as a model program over
// the REAL primitives: basic_module, basic_kref, basic_completion and
// basic_residency_scope instantiated with model::platform.
//
//   T0 "holder":   holds a reference to `obj`; drops it (kref put). If that
//                  is the last reference, release runs — in module text for
//                  release_placement::module — and complete()s `released`.
//   T1 "unloader": unload(dm_mod): the exit callback (module text) drops the
//                  module's own reference to `obj`, waits for `released`,
//                  frees `obj`; then the module's text is unmapped (at once
//                  for unload_policy::immediate, after the residents drained
//                  for drain_residency) and the module is gone.
//
// With module placement + immediate unload, the schedule "T0's release
// completes, T0 is preempted before returning, T1 finishes the unload" makes
// T0 return into unmapped text: failure_kind::unloaded_text. Builtin
// placement and drain_residency are the fixes and must pass every schedule.
//
// check(): release ran exactly once, unload returned ok, the module is gone.
//
// Lifetime rule: `obj` is freed by the unloader after wait(); the module
// object itself is reclaimed by the checker at execution end.
//
// Memory ordering: entirely that of the primitives under test.

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>

#include "check.h"
#include "platform.h"
#include "program.h"

namespace lastref::model {

struct reference_bug_config {
  release_placement placement = release_placement::module;
  unload_policy policy = unload_policy::immediate;
};

class reference_bug final : public program {
 public:
  using P = platform;
  struct object {
    basic_kref<P> ref;  // starts at 1: the module's own reference
    basic_completion<P> released;
  };

  explicit reference_bug(reference_bug_config c = {}) : cfg_(c) {}

  [[nodiscard]] int threads() const override { return 2; }

  void setup() override {
    mod_ = P::make<basic_module<P>>(
        "dm_mod", [this] { module_exit(); }, cfg_.policy);
    model::label(mod_, "dm_mod");
    model::label_next_access("dm_mod.state");
    (void)mod_->state();
    model::label_next_access("dm_mod.refcnt");
    (void)mod_->refcount();
    model::label_next_access("dm_mod.residency");
    (void)mod_->residents();
    mod_->mark_live();
    obj_ = P::make<object>();
    model::label(obj_, "obj");
    model::label(&obj_->ref, "obj.ref");
    model::label(&obj_->released, "obj.released");
    obj_->ref.get();  // the holder's reference
  }

  void run(int thread) override {
    if (thread == 0) {
      obj_->ref.put([this](basic_kref<P>&) { release(); });
    } else {
      result_ = mod_->unload();
    }
  }

  void check() override {
    release_.expect_once();
    model::check(result_ == unload_result::ok, "unload() returned ok");
    model::check(mod_->state() == module_state::gone, "module is gone after unload");
  }

 private:
  // kobject release: runs wherever the configuration places it.
  void release() {
    release_.hit();
    run_placed(cfg_.placement, *mod_, [this] { obj_->released.complete(); });
  }

  // The module's exit function: module text.
  void module_exit() {
    mod_->call_in_text([this] {
      object* o = obj_;
      o->ref.put([this](basic_kref<P>&) { release(); });
      o->released.wait();
      P::destroy(o);
    });
  }

  reference_bug_config cfg_;
  basic_module<P>* mod_ = nullptr;
  object* obj_ = nullptr;
  unload_result result_ = unload_result::busy;
  exactly_once release_{"release"};
};

}  // namespace lastref::model
