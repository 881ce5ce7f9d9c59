/* SPDX-License-Identifier: MIT */
/* wait_event_timeout against a waker that may come late: the search
 * explores the waiter timing out (0; or 1 when the condition turned true
 * between the timeout and its last look) and being woken in time (the
 * jiffies it was given). With WQ_TIMEOUT_MUST_SEE the test claims the
 * timeout never fires, which the search refutes. */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/wait.h>

static wait_queue_head_t wq;
static int ready;
static long waited;

LASTREF_SETUP() {
  init_waitqueue_head(&wq);
  WRITE_ONCE(ready, 0);
}

LASTREF_THREAD(waiter) {
  waited = wait_event_timeout(wq, smp_load_acquire(&ready), msecs_to_jiffies(10));
#ifdef WQ_TIMEOUT_MUST_SEE
  LASTREF_ASSERT(waited != 0);
#endif
}

LASTREF_THREAD(waker) {
  smp_store_release(&ready, 1);
  smp_mb();
  if (waitqueue_active(&wq)) wake_up(&wq);
}

LASTREF_CHECK() { LASTREF_ASSERT(waited == 0 || waited == 1 || waited == msecs_to_jiffies(10)); }
