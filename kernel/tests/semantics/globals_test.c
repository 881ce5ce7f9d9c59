/* SPDX-License-Identifier: MIT */
/* Every run must start from the program-start values of the test's globals
 * (.data, .bss, a relocated pointer, a function-local static, and the
 * module's own in globals_module.c): each run changes them all, so a second
 * run that saw the first one's values fails its LASTREF_SETUP check. Two
 * threads with an atomic each give the search more than one execution. */
#include <lastref/kernel_test.h>
#include <lastref/linux/atomic.h>

int globals_module_inits(void);

static int runs;               /* .bss */
static int seven = 7;          /* .data */
static int* to_seven = &seven; /* relocated data */
static atomic_t hits = ATOMIC_INIT(0);

static int calls(void) {
  static int n; /* a function-local static */
  return n++;
}

LASTREF_SETUP() {
  LASTREF_ASSERT(runs == 0);
  LASTREF_ASSERT(seven == 7);
  LASTREF_ASSERT(to_seven == &seven);
  LASTREF_ASSERT(calls() == 0);
  LASTREF_ASSERT(globals_module_inits() == 1);
  LASTREF_ASSERT(atomic_read(&hits) == 0);
  runs++;
  seven = 8;
  to_seven = NULL;
}

LASTREF_THREAD(a) { atomic_inc(&hits); }
LASTREF_THREAD(b) { atomic_add(2, &hits); }

LASTREF_CHECK() { LASTREF_ASSERT(atomic_read(&hits) == 3); }
