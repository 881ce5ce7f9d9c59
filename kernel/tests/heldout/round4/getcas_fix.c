/* SPDX-License-Identifier: MIT */
/* The fix: a try_cmpxchg loop that re-reads on failure and gives up at 0. */
#include <lastref/kernel_test.h>
#include <lastref/linux/atomic.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/slab.h>

struct obj {
  atomic_t refs;
  int payload;
};
static struct obj* o;

static int obj_tryget(struct obj* p) {
  int old = atomic_read(&p->refs);
  do {
    if (old == 0) return 0;
  } while (!atomic_try_cmpxchg(&p->refs, &old, old + 1));
  return 1;
}
static void obj_put(struct obj* p) {
  if (atomic_dec_and_test(&p->refs)) kfree(p);
}

LASTREF_SETUP() {
  o = kzalloc(sizeof(*o), GFP_KERNEL);
  atomic_set(&o->refs, 3); /* owner + one reference lent to each user */
}
LASTREF_THREAD(owner) { obj_put(o); }
LASTREF_THREAD(user1) {
  if (obj_tryget(o)) {
    WRITE_ONCE(o->payload, 1);
    obj_put(o);
  }
  obj_put(o);
}
LASTREF_THREAD(user2) {
  if (obj_tryget(o)) {
    WRITE_ONCE(o->payload, 2);
    obj_put(o);
  }
  obj_put(o);
}
