// SPDX-License-Identifier: MIT
// kref_fuzzer: see fuzz/README.md for what it fuzzes.
#include "target.h"

LASTREF_FUZZ_TARGET(kref)
