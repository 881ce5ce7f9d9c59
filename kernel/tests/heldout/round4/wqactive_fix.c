/* SPDX-License-Identifier: MIT */
/* The fix: smp_mb() between the condition store and waitqueue_active(). */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/wait.h>

static wait_queue_head_t wq;
static int cond;

LASTREF_SETUP() { init_waitqueue_head(&wq); }
LASTREF_THREAD(waker) {
  WRITE_ONCE(cond, 1);
  smp_mb();
  if (waitqueue_active(&wq))
    wake_up(&wq);
}
LASTREF_THREAD(w1) { wait_event(wq, READ_ONCE(cond)); }
LASTREF_THREAD(w2) { wait_event(wq, READ_ONCE(cond)); }
