/* SPDX-License-Identifier: MIT */
/* The fix: the arbiter itself waits for state 1 before it moves to 2. */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/compiler.h>

static int state;

LASTREF_THREAD(starter) { smp_store_release(&state, 1); }
LASTREF_THREAD(arbiter) {
  while (smp_load_acquire(&state) != 1) {
  }
  smp_store_release(&state, 2);
}
LASTREF_THREAD(waiter) {
  while (smp_load_acquire(&state) != 2) {
  }
}
