/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_SPINLOCK_H
#define LASTREF_LINUX_SPINLOCK_H
/*
 * spinlock_t: spin_lock is an acquire, spin_unlock a release, and the lock
 * is mutually exclusive. The _irq / _irqsave / _bh forms are the same lock
 * (there are no interrupts here; flags is set to 0).
 *
 * Differs from the kernel: a contended spin_lock sleeps on the lock word
 * (futex) instead of spinning, so the model sees a blocked thread, not a
 * loop; spin_lock is no preemption-disabled section (the model may switch
 * threads inside it, which the kernel's preempt_disable forbids on one CPU
 * but another CPU does anyway).
 */
#include <lastref/linux/types.h>

typedef struct {
  unsigned int locked; /* 0 free, 1 held, 2 held with waiters */
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(x) \
  { 0 }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

#ifdef __cplusplus
extern "C" {
#endif
void lastref_lock_init(unsigned int* w, lastref_loc_t loc);
void lastref_lock(unsigned int* w, lastref_loc_t loc);
bool lastref_trylock(unsigned int* w, lastref_loc_t loc);
void lastref_unlock(unsigned int* w, lastref_loc_t loc);
bool lastref_is_locked(unsigned int* w, lastref_loc_t loc);
#ifdef __cplusplus
}
#endif

#define spin_lock_init(l) lastref_lock_init(&(l)->locked, LASTREF_LOC)
#define spin_lock(l) lastref_lock(&(l)->locked, LASTREF_LOC)
#define spin_trylock(l) lastref_trylock(&(l)->locked, LASTREF_LOC)
#define spin_unlock(l) lastref_unlock(&(l)->locked, LASTREF_LOC)
#define spin_is_locked(l) lastref_is_locked(&(l)->locked, LASTREF_LOC)
#define spin_lock_irq(l) spin_lock(l)
#define spin_unlock_irq(l) spin_unlock(l)
#define spin_lock_bh(l) spin_lock(l)
#define spin_unlock_bh(l) spin_unlock(l)
#define spin_lock_irqsave(l, flags) \
  do {                              \
    (flags) = 0;                    \
    spin_lock(l);                   \
  } while (0)
#define spin_unlock_irqrestore(l, flags) \
  do {                                   \
    (void)(flags);                       \
    spin_unlock(l);                      \
  } while (0)

#endif
