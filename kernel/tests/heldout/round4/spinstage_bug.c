/* SPDX-License-Identifier: MIT */
/* A staged start-up: the arbiter moves the state 1 -> 2 only if it runs
 * after the starter set 1; otherwise the spinning waiter is never released
 * (a liveness bug: some schedule leaves a thread spinning forever). */
#include <lastref/kernel_test.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/compiler.h>

static int state;

LASTREF_THREAD(starter) { smp_store_release(&state, 1); }
LASTREF_THREAD(arbiter) {
  if (smp_load_acquire(&state) == 1) /* BUG: may run before the starter */
    smp_store_release(&state, 2);
}
LASTREF_THREAD(waiter) {
  while (smp_load_acquire(&state) != 2) {
  }
}
