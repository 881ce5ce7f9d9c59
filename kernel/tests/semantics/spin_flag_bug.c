/* SPDX-License-Identifier: MIT */
/* Await loops: a flag published without release (spin.inc). */
#define SPIN_BUG_FLAG
#include "spin.inc"
