/* SPDX-License-Identifier: MIT */
/* The release. As a MODULE source (the bug): after complete() the releasing
 * thread still has to return through this function's text, which the
 * unload may already have unmapped. As a BUILTIN source (the fix, as
 * dm-builtin.c does it): the text outlives every module. */
#include <lastref/linux/completion.h>

#include "dm_obj.h"

void dm_obj_release(struct kref* ref) {
  struct dm_obj* o = container_of(ref, struct dm_obj, ref);
  complete(&o->released);
}
