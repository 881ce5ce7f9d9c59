/* SPDX-License-Identifier: MIT */
/* Await loops, correct (spin.inc). */
#include "spin.inc"
