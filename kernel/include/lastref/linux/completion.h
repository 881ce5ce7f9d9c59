/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_COMPLETION_H
#define LASTREF_LINUX_COMPLETION_H
/*
 * struct completion (include/linux/completion.h, kernel/sched/completion.c):
 * a `done` counter. complete() adds one (saturating at UINT_MAX) and wakes a
 * waiter; complete_all() sets UINT_MAX, which every later wait consumes
 * nothing of, until reinit_completion(); wait_for_completion() sleeps until
 * done > 0 and takes one. complete() happens-before the return of the wait
 * that it satisfies (the kernel's wait.lock; here release / acquire on done).
 * These are builtin kernel code (kernel/src/linux.c): never module text.
 *
 * wait_for_completion_timeout(x, jiffies) is wait_for_completion for at
 * most `jiffies`: 0 if it timed out (done untouched), else at least 1 (one
 * done taken). MAX_SCHEDULE_TIMEOUT waits without a timeout.
 *
 * Differs from the kernel: no wait queue inside (waiters sleep on `done`
 * through futex); no _interruptible / _killable variants; HZ is 1000
 * (jiffies.h); a completed wait_for_completion_timeout returns the
 * timeout it was given (not the jiffies left), and a wait woken without
 * taking a done (another waiter took it) sleeps the full timeout again.
 * Under the model a timeout may fire whenever the waiter sleeps (virtual
 * time: every length of sleep is explored).
 */
#include <lastref/linux/jiffies.h>
#include <lastref/linux/types.h>

struct completion {
  unsigned int done;
};

#define COMPLETION_INITIALIZER(work) \
  { 0 }
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) \
  struct completion work;                \
  init_completion(&work)

#ifdef __cplusplus
extern "C" {
#endif
void lastref_init_completion(struct completion* x, lastref_loc_t loc);
void lastref_reinit_completion(struct completion* x, lastref_loc_t loc);
void lastref_complete(struct completion* x, lastref_loc_t loc);
void lastref_complete_all(struct completion* x, lastref_loc_t loc);
void lastref_wait_for_completion(struct completion* x, lastref_loc_t loc);
bool lastref_try_wait_for_completion(struct completion* x, lastref_loc_t loc);
bool lastref_completion_done(struct completion* x, lastref_loc_t loc);
unsigned long lastref_wait_for_completion_timeout(struct completion* x, unsigned long timeout,
                                                  lastref_loc_t loc);
#ifdef __cplusplus
}
#endif

#define init_completion(x) lastref_init_completion((x), LASTREF_LOC)
#define reinit_completion(x) lastref_reinit_completion((x), LASTREF_LOC)
#define complete(x) lastref_complete((x), LASTREF_LOC)
#define complete_all(x) lastref_complete_all((x), LASTREF_LOC)
#define wait_for_completion(x) lastref_wait_for_completion((x), LASTREF_LOC)
#define try_wait_for_completion(x) lastref_try_wait_for_completion((x), LASTREF_LOC)
#define completion_done(x) lastref_completion_done((x), LASTREF_LOC)
#define wait_for_completion_timeout(x, t) lastref_wait_for_completion_timeout((x), (t), LASTREF_LOC)

#endif
