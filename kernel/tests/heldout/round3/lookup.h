/* SPDX-License-Identifier: MIT */
#include <lastref/linux/kref.h>
#include <lastref/linux/list.h>
#include <lastref/linux/mutex.h>
#include <lastref/linux/slab.h>
struct obj {
  struct kref ref;
  struct list_head node;
  int id;
  int payload;
};
void registry_init(void);
struct obj* obj_create(int id);
struct obj* obj_lookup(int id);
void obj_put(struct obj* o);
