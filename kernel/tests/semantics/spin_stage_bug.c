/* SPDX-License-Identifier: MIT */
/* Await loops: a waiter nothing may release (spin.inc). */
#define SPIN_BUG_STAGE
#include "spin.inc"
