// SPDX-License-Identifier: MIT
// Held-out implementation sets (fuzz/heldout/README.md): registered like zoo
// sets, so only LASTREF_ZOO=<name> runs them, but linked only into the
// *_heldout_fuzzer executables (fuzz/CMakeLists.txt), never into the zoo, the
// scorecard or the default targets.
#include "../register_impl.h"
#include "contended_get_kref.h"
#include "live_then_inc_module.h"
#include "racy_inc_not_zero_kref.h"
#include "relaxed_complete_completion.h"
#include "split_get_kref.h"
#include "timeout_store_completion.h"
#include "unlocked_fast_put_kref.h"
#include "wake_one_all_completion.h"

LASTREF_FUZZ_ZOO(heldout_racy_inc_not_zero_kref, lastref::heldout::racy_inc_not_zero_kref,
                 lastref::basic_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_relaxed_complete_completion, lastref::basic_kref,
                 lastref::heldout::relaxed_complete_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_contended_get_kref, lastref::heldout::contended_get_kref,
                 lastref::basic_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_wake_one_all_completion, lastref::basic_kref,
                 lastref::heldout::wake_one_all_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_live_then_inc_module, lastref::basic_kref, lastref::basic_completion,
                 lastref::heldout::live_then_inc_module)
LASTREF_FUZZ_ZOO(heldout_unlocked_fast_put_kref, lastref::heldout::unlocked_fast_put_kref,
                 lastref::basic_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_split_get_kref, lastref::heldout::split_get_kref,
                 lastref::basic_completion, lastref::basic_module)
LASTREF_FUZZ_ZOO(heldout_timeout_store_completion, lastref::basic_kref,
                 lastref::heldout::timeout_store_completion, lastref::basic_module)
