/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>

#include "ops.h"

LASTREF_SETUP() {}
LASTREF_THREAD(event) { subsys_event(); }
LASTREF_THREAD(unloader) { LASTREF_ASSERT(lastref_delete_module() == 0); }
