/* SPDX-License-Identifier: MIT */
/* The fix: smp_rmb() pairs with the writer's smp_wmb(). */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/compiler.h>

struct msg {
  int data;
  int ready;
};
static struct msg m;

LASTREF_SETUP() {
  WRITE_ONCE(m.data, 0);
  WRITE_ONCE(m.ready, 0);
}
LASTREF_THREAD(writer) {
  WRITE_ONCE(m.data, 42);
  smp_wmb();
  WRITE_ONCE(m.ready, 1);
}
LASTREF_THREAD(reader) {
  if (READ_ONCE(m.ready)) {
    smp_rmb();
    LASTREF_ASSERT(READ_ONCE(m.data) == 42);
  }
}
