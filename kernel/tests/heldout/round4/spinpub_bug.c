/* SPDX-License-Identifier: MIT */
/* Publication through a spin-waited flag with plain WRITE_ONCE/READ_ONCE:
 * nothing orders the payload before the flag (a c11-only bug; under sc the
 * spin loop's read synchronises). The reader spins without cpu_relax, as
 * much kernel code does. */
#include <lastref/kernel_test.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/slab.h>

struct msg {
  int a, b;
};
static struct msg* m;
static int ready;

LASTREF_SETUP() { m = kzalloc(sizeof(*m), GFP_KERNEL); }
LASTREF_THREAD(writer) {
  m->a = 1;
  m->b = 2;
  WRITE_ONCE(ready, 1); /* BUG: needs smp_store_release */
}
LASTREF_THREAD(reader) {
  while (!READ_ONCE(ready)) {
  }
  LASTREF_ASSERT(m->a + m->b == 3);
}
LASTREF_CHECK() { kfree(m); }
