/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_MUTEX_H
#define LASTREF_LINUX_MUTEX_H
/*
 * struct mutex: mutex_lock is an acquire, mutex_unlock a release; a
 * contended lock sleeps.
 *
 * Differs from the kernel: no owner tracking or lockdep (unlocking a mutex
 * another thread holds is not reported); no _interruptible / _killable
 * variants (mutex_lock_interruptible always succeeds and returns 0).
 */
#include <lastref/linux/spinlock.h>

struct mutex {
  unsigned int locked;
};

#define __MUTEX_INITIALIZER(x) \
  { 0 }
#define DEFINE_MUTEX(x) struct mutex x = __MUTEX_INITIALIZER(x)

#define mutex_init(m) lastref_lock_init(&(m)->locked, LASTREF_LOC)
#define mutex_lock(m) lastref_lock(&(m)->locked, LASTREF_LOC)
#define mutex_lock_interruptible(m) (lastref_lock(&(m)->locked, LASTREF_LOC), 0)
#define mutex_trylock(m) ((int)lastref_trylock(&(m)->locked, LASTREF_LOC))
#define mutex_unlock(m) lastref_unlock(&(m)->locked, LASTREF_LOC)
#define mutex_is_locked(m) lastref_is_locked(&(m)->locked, LASTREF_LOC)

#endif
