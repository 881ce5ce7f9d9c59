// SPDX-License-Identifier: MIT
// The default implementation sets: the correct primitives. Registered first,
// so impl byte 0 (and every byte when nothing else is registered) picks them.
#include "register_impl.h"

LASTREF_FUZZ_REGISTER(correct, lastref::basic_kref, lastref::basic_completion,
                      lastref::basic_module)
