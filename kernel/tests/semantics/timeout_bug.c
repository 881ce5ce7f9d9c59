/* SPDX-License-Identifier: MIT */
/* timeout_test.c claiming the timeout never fires (it can: the search finds
 * the schedule where the waiter sleeps until its timeout). */
#define TIMEOUT_MUST_COMPLETE
#include "timeout_test.c"
