/* SPDX-License-Identifier: MIT */
/* Held-out bug 1, builtin part: a subsystem calling a module's registered
 * callback. The bug: it calls through the ops pointer without
 * try_module_get(ops->owner), so nothing stops the module from unloading
 * between the read of the pointer and the call (or during the call). */
#include <lastref/linux/compiler.h>

#include "ops.h"

struct my_ops* registered_ops;

void subsys_reset(void) { WRITE_ONCE(registered_ops, NULL); }
void subsys_register(struct my_ops* ops) { WRITE_ONCE(registered_ops, ops); }
void subsys_unregister(void) { WRITE_ONCE(registered_ops, NULL); }

void subsys_event(void) {
  struct my_ops* ops = READ_ONCE(registered_ops);
  if (ops != NULL) ops->handler();
}
