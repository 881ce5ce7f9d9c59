/* SPDX-License-Identifier: MIT */
/* wait_for_completion_timeout against a complete() that may come late: the
 * search explores both outcomes (the model fires the timeout whenever the
 * waiter sleeps). Either the wait timed out and left the done for later
 * (0), or it took it: the timeout it was given, or 1 when the complete()
 * landed between the timeout and the wait's last look (as the kernel's
 * do_wait_for_common returns `timeout ?: 1`). With TIMEOUT_MUST_COMPLETE the
 * test claims the timeout never fires, which the search refutes. */
#include <lastref/kernel_test.h>
#include <lastref/linux/completion.h>

static struct completion done;
static unsigned long waited;

LASTREF_SETUP() { init_completion(&done); }

LASTREF_THREAD(waiter) {
  waited = wait_for_completion_timeout(&done, msecs_to_jiffies(10));
#ifdef TIMEOUT_MUST_COMPLETE
  LASTREF_ASSERT(waited != 0);
#endif
}

LASTREF_THREAD(completer) { complete(&done); }

LASTREF_CHECK() {
  LASTREF_ASSERT(waited == 0 || waited == 1 || waited == msecs_to_jiffies(10));
  /* A timed-out wait left the done; a completed one took it. */
  LASTREF_ASSERT(try_wait_for_completion(&done) == (waited == 0));
}
