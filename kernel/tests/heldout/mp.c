/* SPDX-License-Identifier: MIT */
/* Held-out bug 2: publishing a buffer with WRITE_ONCE (relaxed) instead of
 * smp_store_release, and reading the flag with READ_ONCE instead of
 * smp_load_acquire: the consumer's plain read of the payload is not
 * ordered after the producer's plain write. */
#include <lastref/kernel_test.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/slab.h>

struct msg {
  int ready;
  int payload[4];
};
static struct msg* m;

LASTREF_SETUP() { m = kzalloc(sizeof(*m), GFP_KERNEL); }

LASTREF_THREAD(producer) {
  for (int i = 0; i < 4; i++) m->payload[i] = i + 1;
  WRITE_ONCE(m->ready, 1);
}

LASTREF_THREAD(consumer) {
  if (READ_ONCE(m->ready)) {
    int sum = 0;
    for (int i = 0; i < 4; i++) sum += m->payload[i];
    LASTREF_ASSERT(sum == 10);
  }
}

LASTREF_CHECK() { kfree(m); }
