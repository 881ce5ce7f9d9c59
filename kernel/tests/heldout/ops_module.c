/* SPDX-License-Identifier: MIT */
/* Held-out bug 1, module part: registers a handler at load, unregisters it
 * at unload. */
#include <lastref/linux/atomic.h>
#include <lastref/linux/module.h>

#include "ops.h"

static atomic_t events;

static void my_handler(void) { atomic_inc(&events); }

static struct my_ops my_ops = {.handler = my_handler};

static int __init ops_init(void) {
  atomic_set(&events, 0);
  subsys_register(&my_ops);
  return 0;
}
static void __exit ops_exit(void) { subsys_unregister(); }
module_init(ops_init);
module_exit(ops_exit);
