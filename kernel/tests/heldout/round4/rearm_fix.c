/* SPDX-License-Identifier: MIT */
/* The fix: completions count, so the consumer simply waits twice; no
 * re-arm is needed when every complete() is matched by one wait. */
#include <lastref/kernel_test.h>
#include <lastref/linux/completion.h>
#include <lastref/linux/compiler.h>

static struct completion step;
static int round_data[2];

LASTREF_SETUP() { init_completion(&step); }
LASTREF_THREAD(producer) {
  WRITE_ONCE(round_data[0], 10);
  complete(&step);
  WRITE_ONCE(round_data[1], 20);
  complete(&step);
}
LASTREF_THREAD(consumer) {
  wait_for_completion(&step);
  LASTREF_ASSERT(READ_ONCE(round_data[0]) == 10);
  wait_for_completion(&step);
  LASTREF_ASSERT(READ_ONCE(round_data[1]) == 20);
}
