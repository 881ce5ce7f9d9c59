/* SPDX-License-Identifier: MIT */
/* wq_timeout_test.c claiming wait_event_timeout never times out (it can). */
#define WQ_TIMEOUT_MUST_SEE
#include "wq_timeout_test.c"
