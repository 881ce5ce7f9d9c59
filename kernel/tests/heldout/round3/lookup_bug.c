/* SPDX-License-Identifier: MIT */
/* Lookup takes a reference with kref_get under the registry lock, but the
 * last put drops to zero outside the lock and only then takes the lock to
 * unlink: the lookup can find an object whose count is already zero. */
#include "lookup.h"
#include "lookup_common.inc"

struct obj* obj_lookup(int id) {
  struct obj *o, *found = NULL;
  mutex_lock(&registry_lock);
  list_for_each_entry(o, &registry, node) {
    if (o->id == id) {
      kref_get(&o->ref);
      found = o;
      break;
    }
  }
  mutex_unlock(&registry_lock);
  return found;
}
