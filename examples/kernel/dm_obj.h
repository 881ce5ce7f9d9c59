/* SPDX-License-Identifier: MIT */
/* The object of the reference race: the module's own reference and the
 * in-kernel user's, freed by the module exit once `released` completes. */
#ifndef DM_OBJ_H
#define DM_OBJ_H
#include <lastref/linux/completion.h>
#include <lastref/linux/kref.h>

struct dm_obj {
  struct kref ref;
  struct completion released;
  int payload;
};

extern struct dm_obj* dm_the_obj;
void dm_obj_release(struct kref* ref);

#endif
