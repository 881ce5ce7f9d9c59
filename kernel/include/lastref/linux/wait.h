/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_WAIT_H
#define LASTREF_LINUX_WAIT_H
/*
 * Wait queues (include/linux/wait.h): wait_event(wq, cond) sleeps until cond
 * is true; wake_up(wq) wakes the sleepers; waitqueue_active(wq) tells
 * whether anyone is queued, with a relaxed read, exactly the kernel's
 * list_empty() check. As wait.h's comment on waitqueue_active() says, the
 * waker needs smp_mb() between setting the condition and that check (the
 * waiter's set_current_state() has its own): without it, the waker can miss
 * a waiter that misses the condition, a lost wake-up that the model reports
 * as a deadlock under the c11 memory model.
 *
 * The waiter's steps, as prepare_to_wait() + set_current_state() order
 * them: join the queue (a relaxed RMW of the waiter count), read the queue's
 * wake sequence (acquire), smp_mb(), evaluate cond; if false, sleep on the
 * wake sequence. wake_up: bump the sequence (acq_rel: the queue lock) and
 * wake all sleepers, which re-evaluate cond.
 *
 * wait_event_timeout(wq, cond, jiffies) as the kernel's: 0 if cond is
 * still false when the timeout elapsed, 1 if it became true just then,
 * else the jiffies it was given (the kernel: the jiffies left; HZ in
 * jiffies.h; under the model the timeout may fire whenever the waiter
 * sleeps).
 *
 * Differs from the kernel: no exclusive waits (wake_up wakes all, which
 * the kernel does for non-exclusive waiters); interruptible forms never see
 * signals (return 0); a wake-up whose condition is still false sleeps the
 * full timeout again.
 */
#include <lastref/linux/jiffies.h>
#include <lastref/linux/types.h>

typedef struct wait_queue_head {
  int waiters;
  unsigned int seq;
} wait_queue_head_t;

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) \
  { 0, 0 }
#define DECLARE_WAIT_QUEUE_HEAD(name) wait_queue_head_t name = __WAIT_QUEUE_HEAD_INITIALIZER(name)

#ifdef __cplusplus
extern "C" {
#endif
void lastref_init_waitqueue_head(wait_queue_head_t* wq, lastref_loc_t loc);
unsigned int lastref_wait_prepare(wait_queue_head_t* wq, lastref_loc_t loc);
void lastref_wait_finish(wait_queue_head_t* wq, lastref_loc_t loc);
void lastref_wait_sleep(wait_queue_head_t* wq, unsigned int seq, lastref_loc_t loc);
/* 0: the timeout fired. */
int lastref_wait_sleep_timeout(wait_queue_head_t* wq, unsigned int seq, long timeout,
                               lastref_loc_t loc);
void lastref_wake_up(wait_queue_head_t* wq, lastref_loc_t loc);
bool lastref_waitqueue_active(wait_queue_head_t* wq, lastref_loc_t loc);
#ifdef __cplusplus
}
#endif

#define init_waitqueue_head(wq) lastref_init_waitqueue_head((wq), LASTREF_LOC)
#define waitqueue_active(wq) lastref_waitqueue_active((wq), LASTREF_LOC)
#define wake_up(wq) lastref_wake_up((wq), LASTREF_LOC)
#define wake_up_all(wq) lastref_wake_up((wq), LASTREF_LOC)
#define wake_up_interruptible(wq) lastref_wake_up((wq), LASTREF_LOC)
#define wake_up_interruptible_all(wq) lastref_wake_up((wq), LASTREF_LOC)

#define wait_event(wq, condition)                                                 \
  do {                                                                            \
    if (condition) break;                                                         \
    for (;;) {                                                                    \
      const unsigned int lastref_seq_ = lastref_wait_prepare(&(wq), LASTREF_LOC); \
      if (condition) {                                                            \
        lastref_wait_finish(&(wq), LASTREF_LOC);                                  \
        break;                                                                    \
      }                                                                           \
      lastref_wait_sleep(&(wq), lastref_seq_, LASTREF_LOC);                       \
    }                                                                             \
  } while (0)
#define wait_event_timeout(wq, condition, timeout)                                             \
  ({                                                                                           \
    long lastref_ret_ = (long)(timeout);                                                       \
    if (condition) {                                                                           \
      if (lastref_ret_ == 0) lastref_ret_ = 1;                                                 \
    } else {                                                                                   \
      for (;;) {                                                                               \
        const unsigned int lastref_seq_ = lastref_wait_prepare(&(wq), LASTREF_LOC);            \
        if (condition) {                                                                       \
          lastref_wait_finish(&(wq), LASTREF_LOC);                                             \
          break;                                                                               \
        }                                                                                      \
        if (lastref_ret_ == 0 ||                                                               \
            lastref_wait_sleep_timeout(&(wq), lastref_seq_, lastref_ret_, LASTREF_LOC) == 0) { \
          lastref_ret_ = (condition) ? 1 : 0;                                                  \
          break;                                                                               \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
    lastref_ret_;                                                                              \
  })

#define wait_event_interruptible(wq, condition) \
  ({                                            \
    wait_event(wq, condition);                  \
    0;                                          \
  })

#endif
