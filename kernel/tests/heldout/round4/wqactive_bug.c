/* SPDX-License-Identifier: MIT */
/* The waker skips wake_up() when waitqueue_active() says nobody sleeps, but
 * without smp_mb() between setting the condition and that check, the waker
 * can miss a waiter that misses the condition (include/linux/wait.h's
 * comment on waitqueue_active): a lost wake-up under c11 only. Two waiters. */
#include <lastref/kernel_test.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/wait.h>

static wait_queue_head_t wq;
static int cond;

LASTREF_SETUP() { init_waitqueue_head(&wq); }
LASTREF_THREAD(waker) {
  WRITE_ONCE(cond, 1);
  if (waitqueue_active(&wq)) /* BUG: needs smp_mb() before this check */
    wake_up(&wq);
}
LASTREF_THREAD(w1) { wait_event(wq, READ_ONCE(cond)); }
LASTREF_THREAD(w2) { wait_event(wq, READ_ONCE(cond)); }
