/* SPDX-License-Identifier: MIT */
/* The fix: kref_get_unless_zero skips an object on its way out. */
#include "lookup.h"
#include "lookup_common.inc"

struct obj* obj_lookup(int id) {
  struct obj *o, *found = NULL;
  mutex_lock(&registry_lock);
  list_for_each_entry(o, &registry, node) {
    if (o->id == id) {
      if (!kref_get_unless_zero(&o->ref)) break;
      found = o;
      break;
    }
  }
  mutex_unlock(&registry_lock);
  return found;
}
