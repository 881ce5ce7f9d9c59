/* SPDX-License-Identifier: MIT */
#ifndef WQ_H
#define WQ_H
void wq_init(void);
void wq_wait(void);
void wq_signal(void);
#endif
