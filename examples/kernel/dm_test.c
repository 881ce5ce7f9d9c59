/* SPDX-License-Identifier: MIT */
/* An in-kernel user drops its reference while dm_mod is unloaded. */
#include <lastref/kernel_test.h>

#include "dm_obj.h"

LASTREF_THREAD(user) {
  struct dm_obj* o = dm_the_obj;
  LASTREF_ASSERT(o->payload == 42);
  kref_put(&o->ref, dm_obj_release);
}

LASTREF_THREAD(unloader) { LASTREF_ASSERT(lastref_delete_module() == 0); }
