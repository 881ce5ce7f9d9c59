/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>
#include <lastref/linux/compiler.h>

#include "waiters.h"

static struct job* j;

LASTREF_SETUP() { j = job_new(4); }
LASTREF_THREAD(finisher) { job_finish(j, 5); }
LASTREF_THREAD(w1) {
  wait_for_completion(&j->done);
  LASTREF_ASSERT(READ_ONCE(j->result) == 5);
  job_put(j);
}
LASTREF_THREAD(w2) {
  wait_for_completion(&j->done);
  LASTREF_ASSERT(READ_ONCE(j->result) == 5);
  job_put(j);
}
LASTREF_THREAD(w3) {
  wait_for_completion(&j->done);
  LASTREF_ASSERT(READ_ONCE(j->result) == 5);
  job_put(j);
}
