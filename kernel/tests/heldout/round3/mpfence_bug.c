/* SPDX-License-Identifier: MIT */
/* Publication with smp_wmb on the writer side but no smp_rmb on the reader
 * side: on a weakly ordered CPU the reader can see the flag and old data. */
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
#ifdef HELDOUT_FIXED
    smp_rmb();
#endif
    LASTREF_ASSERT(READ_ONCE(m.data) == 42);
  }
}
