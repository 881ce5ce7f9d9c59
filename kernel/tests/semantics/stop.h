/* SPDX-License-Identifier: MIT */
#ifndef STOP_H
#define STOP_H
#include <lastref/linux/wait.h>

extern wait_queue_head_t stop_wq;
extern int stop_kicks;
void stop_kick(void);
#endif
