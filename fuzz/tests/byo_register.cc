// SPDX-License-Identifier: MIT
// The one line that adds a user implementation to every fuzz target it is
// linked into (see fuzz/README.md, "Bring your own implementation").
#include "byo_kref.h"
#include "register_impl.h"

LASTREF_FUZZ_REGISTER(byo_cas_kref, lastref::fuzz::byo::cas_kref, lastref::basic_completion,
                      lastref::basic_module)
