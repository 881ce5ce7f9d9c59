/* SPDX-License-Identifier: MIT */
/* The fix: complete_all() releases every waiter. */
#include <lastref/linux/compiler.h>

#include "waiters.h"
#include "waiters_common.inc"

void job_finish(struct job* j, int result) {
  WRITE_ONCE(j->result, result);
  complete_all(&j->done);
  job_put(j);
}
