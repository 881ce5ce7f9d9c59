/* SPDX-License-Identifier: MIT */
#include <lastref/kernel_test.h>

#include "lookup.h"

static struct obj* first;

LASTREF_SETUP() {
  registry_init();
  first = obj_create(1);
}
LASTREF_THREAD(owner) { obj_put(first); }
LASTREF_THREAD(reader) {
  struct obj* o = obj_lookup(1);
  if (o) {
    LASTREF_ASSERT(o->payload == 7);
    obj_put(o);
  }
}
