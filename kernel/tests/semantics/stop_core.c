/* SPDX-License-Identifier: MIT */
/* Builtin part: the queue and the kick a builtin caller uses (calling into
 * the module instead, without try_module_get, is a bug the model reports). */
#include <lastref/linux/compiler.h>

#include "stop.h"

wait_queue_head_t stop_wq;
int stop_kicks;

void stop_kick(void) {
  WRITE_ONCE(stop_kicks, 1);
  wake_up(&stop_wq);
}
