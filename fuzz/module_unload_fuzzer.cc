// SPDX-License-Identifier: MIT
// module_unload_fuzzer: see fuzz/README.md for what it fuzzes.
#include "target.h"

LASTREF_FUZZ_TARGET(module_unload)
