/* SPDX-License-Identifier: MIT */
/* dm_mod: creates the object at load, and at unload drops its reference,
 * waits until the object is released, and frees it. */
#include <lastref/linux/module.h>
#include <lastref/linux/slab.h>

#include "dm_obj.h"

struct dm_obj* dm_the_obj;

static int __init dm_init(void) {
  struct dm_obj* o = kzalloc(sizeof(*o), GFP_KERNEL);
  kref_init(&o->ref);
  init_completion(&o->released);
  o->payload = 42;
  kref_get(&o->ref); /* the in-kernel user's reference */
  dm_the_obj = o;
  return 0;
}

static void __exit dm_exit(void) {
  struct dm_obj* o = dm_the_obj;
  kref_put(&o->ref, dm_obj_release);
  wait_for_completion(&o->released);
  kfree(o);
}

module_init(dm_init);
module_exit(dm_exit);
MODULE_LICENSE("GPL");
