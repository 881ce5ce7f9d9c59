/* SPDX-License-Identifier: MIT */
/* The finisher wakes one waiter with complete(); with several waiters the
 * others sleep forever. */
#include <lastref/linux/compiler.h>

#include "waiters.h"
#include "waiters_common.inc"

void job_finish(struct job* j, int result) {
  WRITE_ONCE(j->result, result);
  complete(&j->done);
  job_put(j);
}
