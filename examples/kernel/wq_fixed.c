/* SPDX-License-Identifier: MIT */
#define WQ_FIXED 1
#include "wq.c"
