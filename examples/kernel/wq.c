/* SPDX-License-Identifier: MIT */
/* A flag and a wait queue. The waker checks waitqueue_active() to skip an
 * unneeded wake_up(); include/linux/wait.h requires smp_mb() between the
 * flag store and that check. WQ_FIXED selects the version with it. */
#include <lastref/linux/barrier.h>
#include <lastref/linux/wait.h>

#include "wq.h"

static wait_queue_head_t wq;
static int ready;

void wq_init(void) {
  init_waitqueue_head(&wq);
  WRITE_ONCE(ready, 0);
}

void wq_wait(void) { wait_event(wq, READ_ONCE(ready)); }

void wq_signal(void) {
  WRITE_ONCE(ready, 1);
#ifdef WQ_FIXED
  smp_mb(); /* pairs with set_current_state() in wait_event() */
#endif
  if (waitqueue_active(&wq)) wake_up(&wq);
}
