// SPDX-License-Identifier: MIT
#include <lastref/linux/completion.h>
#include <lastref/linux/kref.h>
#include <lastref/linux/module.h>
#include <lastref/linux/slab.h>

struct my_obj {
  struct kref ref;
  struct completion released;
};
struct my_obj* the_obj;

static void my_release(struct kref* ref) { /* module text */
  complete(&container_of(ref, struct my_obj, ref)->released);
}
void my_obj_put(struct my_obj* o) { kref_put(&o->ref, my_release); }

static int __init my_init(void) {
  the_obj = kzalloc(sizeof(*the_obj), GFP_KERNEL);
  kref_init(&the_obj->ref);
  init_completion(&the_obj->released);
  kref_get(&the_obj->ref); /* an in-kernel user's reference */
  return 0;
}
static void __exit my_exit(void) {
  struct my_obj* o = the_obj;
  my_obj_put(o);
  wait_for_completion(&o->released);
  kfree(o);
}
module_init(my_init);
module_exit(my_exit);
