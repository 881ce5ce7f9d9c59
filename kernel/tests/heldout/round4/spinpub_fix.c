/* SPDX-License-Identifier: MIT */
/* The fix: smp_store_release / smp_load_acquire on the spin-waited flag. */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
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
  smp_store_release(&ready, 1);
}
LASTREF_THREAD(reader) {
  while (!smp_load_acquire(&ready)) {
  }
  LASTREF_ASSERT(m->a + m->b == 3);
}
LASTREF_CHECK() { kfree(m); }
