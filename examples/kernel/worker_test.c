/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>

LASTREF_KTHREADS(1)

LASTREF_THREAD(unloader) { LASTREF_ASSERT(lastref_delete_module() == 0); }
