/* SPDX-License-Identifier: MIT */
/* Deliberately racy: two threads count hits in a plain int. */
#include <lastref/kernel_test.h>
#include <lastref/linux/slab.h>

struct stats {
  int hits;
};
static struct stats* st;

LASTREF_SETUP() { st = kzalloc(sizeof(*st), GFP_KERNEL); }
LASTREF_THREAD(a) { st->hits++; }
LASTREF_THREAD(b) { st->hits++; }
LASTREF_CHECK() { kfree(st); }
