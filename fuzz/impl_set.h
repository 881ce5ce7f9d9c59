// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz implementation sets — which kref / completion / module types a
// scenario runs, and the protocol hooks through which a set decides the few
// steps of the scenario's protocol that a zoo variant breaks.
//
// Contract: an implementation set is a type with three member alias
// templates over a Platform that derives from `correct_protocol` (directly,
// or through `set_of`):
//
//   struct my_set : lastref::fuzz::correct_protocol {
//     template <class P> using kref = my_kref<P>;              // basic_kref's API
//     template <class P> using completion = lastref::basic_completion<P>;
//     template <class P> using module = lastref::basic_module<P>;
//   };
//
// Each template must offer the API of the correct primitive it replaces
// (<lastref/kref.h>, completion.h, module.h): the interpreter calls nothing
// else. A module type must also provide `residency_scope` and work with
// lastref::module_put_and_exit / complete_and_exit (module.h), i.e. be
// basic_module-shaped. Register default sets with LASTREF_FUZZ_REGISTER
// (register_impl.h); zoo variants are entries of fuzz/zoo_manifest.h.
//
// Hooks: a set that breaks the *protocol* rather than a primitive hides one
// of correct_protocol's static members with its own (same name and
// signature); the interpreter calls `Set::hook(...)` and so has no branch
// per zoo variant. The correct definitions below are the contract each hook
// must otherwise keep.
//
// Lifetime rule: sets are types; nothing to own.
//
// Memory ordering: none here; the primitives carry their own.

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>

#include "scenario.h"

namespace lastref::fuzz {

// The correct protocol of the scenario interpreter (fuzz/interpreter.h).
struct correct_protocol {
  // Under the lookup table's lock, a lookup takes its reference to a
  // possibly dying object: only if the count is not zero. Returns whether
  // the caller now holds a reference.
  template <class Kref>
  static bool lookup_ref(Kref& ref) {
    return ref.get_unless_zero();
  }
  // Puts that a thread's error path adds after the put that dropped the
  // thread's last reference to an object (a correct caller adds none).
  static constexpr int error_path_puts = 0;
  // A module kthread inside module text (`in_text`) holding one module pin
  // ends its life. `safe_exit` is the scenario's chosen builtin helper
  // (module_put_and_exit or complete_and_exit); it drops the pin from
  // builtin code and never returns. A correct thread always uses it.
  template <class Module, class Scope, class SafeExit>
  static void exit_module_thread(Module& /*mod*/, Scope& /*in_text*/, SafeExit&& safe_exit) {
    safe_exit();
  }
  // The number of times one object's release ran by the end of an
  // execution is acceptable: exactly once.
  static constexpr bool release_count_ok(int releases) { return releases == 1; }
  // Adjusts a decoded scenario to what this set runs (the reason shows in
  // print() as cfg.note): correct sets never combine a release placed in
  // module text with immediate unload, which is zoo item 1.
  static void adapt(config& cfg) {
    if (cfg.has_module && cfg.release == release_placement::module &&
        cfg.policy == unload_policy::immediate) {
      cfg.policy = unload_policy::drain_residency;
      cfg.note =
          "unload policy drain: module-placed release with immediate unload is the reference "
          "bug, selected only by LASTREF_ZOO=module_release_immediate";
    }
  }
};

// A set of three class templates with the correct protocol; a zoo entry
// derives from it and hides the hooks it breaks.
template <template <class> class K, template <class> class C, template <class> class M>
struct set_of : correct_protocol {
  template <class P>
  using kref = K<P>;
  template <class P>
  using completion = C<P>;
  template <class P>
  using module = M<P>;
};

// The correct primitives: what every target fuzzes by default.
using correct_set = set_of<basic_kref, basic_completion, basic_module>;

}  // namespace lastref::fuzz
