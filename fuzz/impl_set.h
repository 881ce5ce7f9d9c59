// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz implementation sets — which kref / completion / module types a
// scenario runs, and the protocol quirks a zoo entry may switch on.
//
// Contract: an implementation set is a type with three member alias
// templates over a Platform and a constexpr `quirk` value:
//
//   struct my_set {
//     template <class P> using kref = my_kref<P>;              // basic_kref's API
//     template <class P> using completion = lastref::basic_completion<P>;
//     template <class P> using module = lastref::basic_module<P>;
//     static constexpr lastref::fuzz::quirks quirk{};
//   };
//
// Each template must offer the API of the correct primitive it replaces
// (primitives/kref.h, completion.h, module.h): the interpreter calls nothing
// else. A module type must also provide `residency_scope` and work with
// lastref::module_put_and_exit / complete_and_exit (module.h), i.e. be
// basic_module-shaped. Register sets with the macros in registry.h.
//
// Lifetime rule: sets are types; nothing to own.
//
// Memory ordering: none; the primitives carry their own.

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>

namespace lastref::fuzz {

// Protocol variations a zoo entry may select. Each one turns a correct
// protocol into a known-broken one, so correct sets leave them all false.
struct quirks {
  // Zoo item 1, DESIGN.md's reference bug: the object's release runs in
  // module text and unload frees the text immediately. Correct sets never
  // combine those two (the decoder turns that combination into drain).
  bool module_release_immediate = false;
  // Zoo item 3: lookup takes its reference with get() instead of
  // get_unless_zero() (resurrects a dying object).
  bool lookup_with_get = false;
  // Zoo item 13: exit_thread_safely does module_put() and then returns into
  // module text instead of using module_put_and_exit.
  bool unsafe_thread_exit = false;
  // Zoo item 5: a thread's error path and its common exit both put its last
  // reference to an object (a double put; primitives/zoo/unchecked_kref.h).
  bool double_put = false;
  // Zoo item 4: objects start with references leaked by earlier users (the
  // kref type presets them, primitives/zoo/wrapping_kref.h), so a correct
  // count never releases them: check() requires release at most once.
  bool leaked_refs = false;
  // Zoo item 15: the completion type touches itself after the RMW that lets
  // a waiter return (primitives/zoo/waitqueue_active_completion.h), so
  // scenarios never free it on a waiter's stack.
  bool completions_outlive_completers = false;
};

// The correct primitives: what every target fuzzes by default.
struct correct_set {
  template <class P>
  using kref = basic_kref<P>;
  template <class P>
  using completion = basic_completion<P>;
  template <class P>
  using module = basic_module<P>;
  static constexpr quirks quirk{};
};

}  // namespace lastref::fuzz
