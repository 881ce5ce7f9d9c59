/* SPDX-License-Identifier: MIT */
/* The fix: requester and worker each hold a reference; the last put frees. */
#include <lastref/kernel_test.h>
#include <lastref/linux/completion.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/jiffies.h>
#include <lastref/linux/kref.h>
#include <lastref/linux/slab.h>

struct req {
  struct kref ref;
  struct completion done;
  int status;
};
static struct req* r;

static void req_release(struct kref* k) { kfree(container_of(k, struct req, ref)); }

LASTREF_SETUP() {
  r = kzalloc(sizeof(*r), GFP_KERNEL);
  kref_init(&r->ref);
  kref_get(&r->ref);
  init_completion(&r->done);
}
LASTREF_THREAD(worker) {
  WRITE_ONCE(r->status, 7);
  complete(&r->done);
  kref_put(&r->ref, req_release);
}
LASTREF_THREAD(requester) {
  if (wait_for_completion_timeout(&r->done, HZ)) LASTREF_ASSERT(READ_ONCE(r->status) == 7);
  kref_put(&r->ref, req_release);
}
