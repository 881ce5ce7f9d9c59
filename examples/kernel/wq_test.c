/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>

#include "wq.h"

LASTREF_SETUP() { wq_init(); }
LASTREF_THREAD(waiter) { wq_wait(); }
LASTREF_THREAD(waker) { wq_signal(); }
