/* SPDX-License-Identifier: MIT */
/* kthread_stop must wake the module's kthread sleeping in wait_event.
 * STOP_WITH_KICKER adds a thread that kicks it first: a bigger state space
 * (sc: complete after 68,281 executions; c11: beyond CI budgets). */
#include <lastref/kernel_test.h>

#include "stop.h"

LASTREF_KTHREADS(1)

#ifdef STOP_WITH_KICKER
LASTREF_THREAD(kicker) { stop_kick(); }
#endif
LASTREF_THREAD(unloader) { LASTREF_ASSERT(lastref_delete_module() == 0); }
