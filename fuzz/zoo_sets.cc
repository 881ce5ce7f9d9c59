// SPDX-License-Identifier: MIT
// The bug zoo as fuzzable implementation sets, selected only with
// LASTREF_ZOO=<name> (never by default). See registry.h.
//
// To add a zoo variant: include its header and add ONE line —
//   LASTREF_FUZZ_ZOO(<name>, <kref tmpl>, <completion tmpl>, <module tmpl>)
// with the broken template in its slot and the correct ones elsewhere, or
//   LASTREF_FUZZ_ZOO_QUIRK(<name>, ..., .<quirk> = true)
// for a protocol variant of the correct primitives (quirks: impl_set.h).
// The name is what LASTREF_ZOO takes; use the zoo header's name.
#include "register_impl.h"

// Item 1, DESIGN.md's reference bug: correct primitives, release placed in
// module text, immediate unload.
LASTREF_FUZZ_ZOO_QUIRK(module_release_immediate, lastref::basic_kref, lastref::basic_completion,
                       lastref::basic_module, .module_release_immediate = true)

// Items 2-14 (primitives/zoo/README.md indexes them all).
#include "primitives/zoo/check_then_dec_kref.h"
#include "primitives/zoo/check_then_unload_module.h"
#include "primitives/zoo/counted_complete_all_completion.h"
#include "primitives/zoo/get_from_zero_kref.h"
#include "primitives/zoo/going_try_get_module.h"
#include "primitives/zoo/lost_wakeup_completion.h"
#include "primitives/zoo/reinit_racing_completion.h"
#include "primitives/zoo/relaxed_put_kref.h"
#include "primitives/zoo/touch_after_complete.h"
#include "primitives/zoo/unchecked_kref.h"
#include "primitives/zoo/unserialized_done_completion.h"
#include "primitives/zoo/wrapping_kref.h"
// Items 15-17: weak-memory bugs (found only under the c11 memory model).
#include "primitives/zoo/split_sticky_completion.h"
#include "primitives/zoo/unfenced_going_module.h"
#include "primitives/zoo/waitqueue_active_completion.h"

LASTREF_FUZZ_ZOO(relaxed_put_kref, lastref::zoo::relaxed_put_kref, lastref::basic_completion,
                 lastref::basic_module)
LASTREF_FUZZ_ZOO(get_from_zero_kref, lastref::zoo::get_from_zero_kref, lastref::basic_completion,
                 lastref::basic_module)
LASTREF_FUZZ_ZOO_QUIRK(lookup_with_get, lastref::basic_kref, lastref::basic_completion,
                       lastref::basic_module, .lookup_with_get = true)
LASTREF_FUZZ_ZOO_QUIRK(wrapping_kref, lastref::zoo::wrapping_kref, lastref::basic_completion,
                       lastref::basic_module, .leaked_refs = true)
LASTREF_FUZZ_ZOO_QUIRK(unchecked_kref, lastref::zoo::unchecked_kref, lastref::basic_completion,
                       lastref::basic_module, .double_put = true)
LASTREF_FUZZ_ZOO(check_then_dec_kref, lastref::zoo::check_then_dec_kref, lastref::basic_completion,
                 lastref::basic_module)
LASTREF_FUZZ_ZOO(lost_wakeup_completion, lastref::basic_kref, lastref::zoo::lost_wakeup_completion,
                 lastref::basic_module)
LASTREF_FUZZ_ZOO(counted_complete_all_completion, lastref::basic_kref,
                 lastref::zoo::counted_complete_all_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(touch_after_complete, lastref::basic_kref,
                 lastref::zoo::touch_after_complete_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(unserialized_done_completion, lastref::basic_kref,
                 lastref::zoo::unserialized_done_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(reinit_racing_completion, lastref::basic_kref,
                 lastref::zoo::reinit_racing_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(going_try_get_module, lastref::basic_kref, lastref::basic_completion,
                 lastref::zoo::going_try_get_module)
LASTREF_FUZZ_ZOO_QUIRK(unsafe_thread_exit, lastref::basic_kref, lastref::basic_completion,
                       lastref::basic_module, .unsafe_thread_exit = true)
LASTREF_FUZZ_ZOO(check_then_unload_module, lastref::basic_kref, lastref::basic_completion,
                 lastref::zoo::check_then_unload_module)
LASTREF_FUZZ_ZOO_QUIRK(waitqueue_active_completion, lastref::basic_kref,
                       lastref::zoo::waitqueue_active_completion, lastref::basic_module,
                       .completions_outlive_completers = true)
LASTREF_FUZZ_ZOO_QUIRK(split_sticky_completion, lastref::basic_kref,
                       lastref::zoo::split_sticky_completion, lastref::basic_module,
                       .completions_outlive_completers = true)
LASTREF_FUZZ_ZOO(unfenced_going_module, lastref::basic_kref, lastref::basic_completion,
                 lastref::zoo::unfenced_going_module)
