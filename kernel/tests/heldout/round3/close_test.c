/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>

#include "close.h"

static struct session* s;

/* Each closer holds its own reference while it closes (the first version of
 * this test did not, and the model found the closer touching a freed
 * session: close_test_v1.c.txt). */
LASTREF_SETUP() {
  s = session_open();
  kref_get(&s->ref); /* the worker's */
  kref_get(&s->ref); /* closer_a's */
  kref_get(&s->ref); /* closer_b's */
}
LASTREF_THREAD(closer_a) {
  session_close(s);
  session_put(s);
}
LASTREF_THREAD(closer_b) {
  session_close(s);
  session_put(s);
}
LASTREF_THREAD(worker) { session_put(s); }
