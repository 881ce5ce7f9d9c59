/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_JIFFIES_H
#define LASTREF_LINUX_JIFFIES_H
/*
 * Timeouts in jiffies (include/linux/jiffies.h), for
 * wait_for_completion_timeout and wait_event_timeout.
 *
 * Differs from the kernel: HZ is 1000 (a jiffy is 1 ms); there is no
 * `jiffies` counter (under the model time is virtual: a timeout fires when
 * the scheduler chooses, whatever its length).
 */
#include <lastref/linux/types.h>

#ifndef HZ
#define HZ 1000
#endif
#define MAX_SCHEDULE_TIMEOUT ((long)__LONG_MAX__)

LASTREF_KAPI unsigned long msecs_to_jiffies(unsigned int m) { return m; }
LASTREF_KAPI unsigned long usecs_to_jiffies(unsigned int u) { return (u + 999u) / 1000u; }
LASTREF_KAPI unsigned int jiffies_to_msecs(unsigned long j) { return (unsigned int)j; }

#endif
