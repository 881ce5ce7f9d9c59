/* SPDX-License-Identifier: MIT */
/* One completion reused for two rounds: the consumer re-arms it with
 * reinit_completion() after the first wait, but the producer's second
 * complete() may already have landed, and the re-arm erases it: the
 * consumer's second wait never returns. */
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
  reinit_completion(&step); /* BUG: may erase the second complete() */
  wait_for_completion(&step);
  LASTREF_ASSERT(READ_ONCE(round_data[1]) == 20);
}
