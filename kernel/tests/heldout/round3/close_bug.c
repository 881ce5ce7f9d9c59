/* SPDX-License-Identifier: MIT */
/* Close drops the handle's reference once, guarded by a check-then-set on a
 * flag: two concurrent closes can both see it clear and both put. */
#include <lastref/linux/compiler.h>

#include "close.h"
#include "close_common.inc"

void session_close(struct session* s) {
  if (!READ_ONCE(s->closed_flag)) {
    WRITE_ONCE(s->closed_flag, 1);
    session_put(s);
  }
}
