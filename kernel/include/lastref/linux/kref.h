/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_KREF_H
#define LASTREF_LINUX_KREF_H
/*
 * struct kref (include/linux/kref.h) over refcount_t: kref_init sets 1,
 * kref_get increments (WARNs from 0), kref_put decrements and calls
 * `release` when it dropped the last reference, returning 1 then and 0
 * otherwise; kref_get_unless_zero fails on 0. Orders: those of refcount_t.
 *
 * `release` runs in the caller's thread; if it is defined in a module
 * source file it is module text (its entry and its return are tracked for
 * code residency, see kernel/README.md).
 *
 * Differs from the kernel: no kref_put_mutex / kref_put_lock.
 */
#include <lastref/linux/refcount.h>

struct kref {
  refcount_t refcount;
};

#define KREF_INIT(n) \
  { .refcount = REFCOUNT_INIT(n), }

LASTREF_KAPI void lastref_kref_init_(struct kref* k, lastref_loc_t loc) {
  lastref_k_init(&k->refcount.refs.counter, 4, 1, loc);
}
LASTREF_KAPI int lastref_kref_put_(struct kref* k, void (*release)(struct kref*),
                                   lastref_loc_t loc) {
  if (lastref_refcount_sub_and_test_(1, &k->refcount, loc)) {
    release(k);
    return 1;
  }
  return 0;
}

#define kref_init(k) lastref_kref_init_((k), LASTREF_LOC)
#define kref_read(k) refcount_read(&(k)->refcount)
#define kref_get(k) refcount_inc(&(k)->refcount)
#define kref_put(k, release) lastref_kref_put_((k), (release), LASTREF_LOC)
#define kref_get_unless_zero(k) refcount_inc_not_zero(&(k)->refcount)

#endif
