/* SPDX-License-Identifier: MIT */
/* A module whose init counts its calls in a global: 1 in every run when the
 * globals are reset (globals_test.c). */
#include <lastref/linux/module.h>

static int inits;

int globals_module_inits(void) { return inits; }

static int __init g_init(void) {
  inits++;
  return 0;
}

module_init(g_init);
MODULE_LICENSE("GPL");
