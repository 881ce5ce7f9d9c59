/* SPDX-License-Identifier: MIT */
/* A request with a timed wait: on timeout the requester frees the request,
 * assuming the worker is done with it, but the worker may still complete()
 * it: a use-after-free reachable only through the timeout. */
#include <lastref/kernel_test.h>
#include <lastref/linux/completion.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/jiffies.h>
#include <lastref/linux/slab.h>

struct req {
  struct completion done;
  int status;
};
static struct req* r;

LASTREF_SETUP() {
  r = kzalloc(sizeof(*r), GFP_KERNEL);
  init_completion(&r->done);
}
LASTREF_THREAD(worker) {
  WRITE_ONCE(r->status, 7);
  complete(&r->done);
}
LASTREF_THREAD(requester) {
  if (wait_for_completion_timeout(&r->done, HZ)) LASTREF_ASSERT(READ_ONCE(r->status) == 7);
  kfree(r); /* BUG: after a timeout the worker may still touch r */
}
