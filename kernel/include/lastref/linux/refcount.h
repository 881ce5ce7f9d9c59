/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_REFCOUNT_H
#define LASTREF_LINUX_REFCOUNT_H
/*
 * refcount_t with the kernel's semantics (include/linux/refcount.h,
 * lib/refcount.c): an increment from 0 (use after free), an increment that
 * overflows, and a decrement below 1 (refcount_dec) or below 0 saturate the
 * counter at REFCOUNT_SATURATED and WARN; a saturated counter stays
 * saturated. Orders as the kernel documents them: increments relaxed,
 * decrements release, refcount_dec_and_test acquire on success
 * (smp_acquire__after_ctrl_dep, here an acquire fence after the RMW).
 *
 * Differs from the kernel: a WARN is a failure of kind `refcount` under the
 * model (the execution stops there) and a counted message on real threads;
 * no refcount_dec_and_lock / _mutex variants.
 */
#include <limits.h>

#include <lastref/linux/atomic.h>

typedef struct refcount_struct {
  atomic_t refs;
} refcount_t;

#define REFCOUNT_INIT(n) \
  { .refs = ATOMIC_INIT(n) }
#define REFCOUNT_SATURATED (INT_MIN / 2)
#define REFCOUNT_MAX INT_MAX

LASTREF_KAPI void lastref_refcount_saturate_(refcount_t* r, const char* what, lastref_loc_t loc) {
  lastref_k_store(&r->refs.counter, 4, (uint64_t)(uint32_t)REFCOUNT_SATURATED, __ATOMIC_RELAXED,
                  loc);
  lastref_k_warn(1, what, loc);
}

LASTREF_KAPI void lastref_refcount_set_(refcount_t* r, int n, lastref_loc_t loc) {
  lastref_k_store(&r->refs.counter, 4, (uint64_t)(uint32_t)n, __ATOMIC_RELAXED, loc);
}
LASTREF_KAPI unsigned lastref_refcount_read_(const refcount_t* r, lastref_loc_t loc) {
  return (unsigned)lastref_k_load(&r->refs.counter, 4, __ATOMIC_RELAXED, loc);
}
LASTREF_KAPI void lastref_refcount_add_(int i, refcount_t* r, lastref_loc_t loc) {
  const int old = lastref_atomic_rmw_(&r->refs, LASTREF_K_ADD, i, __ATOMIC_RELAXED, loc);
  if (old == 0)
    lastref_refcount_saturate_(r, "refcount_t: addition on 0; use-after-free", loc);
  else if (old < 0 || old + i < 0)
    lastref_refcount_saturate_(r, "refcount_t: saturated; leaking memory", loc);
}
LASTREF_KAPI bool lastref_refcount_add_not_zero_(int i, refcount_t* r, lastref_loc_t loc) {
  int old = (int)lastref_refcount_read_(r, loc);
  do {
    if (old == 0) break;
  } while (!lastref_atomic_try_cmpxchg_retry_(&r->refs, &old, (int)((unsigned)old + (unsigned)i),
                                              __ATOMIC_RELAXED, loc));
  if (old < 0 || old + i < 0)
    lastref_refcount_saturate_(r, "refcount_t: saturated; leaking memory", loc);
  return old != 0;
}
LASTREF_KAPI bool lastref_refcount_sub_and_test_(int i, refcount_t* r, lastref_loc_t loc) {
  const int old = lastref_atomic_rmw_(&r->refs, LASTREF_K_SUB, i, __ATOMIC_RELEASE, loc);
  if (old == i) {
    lastref_k_acquire_after_rmw(&r->refs.counter, 4, loc);
    return true;
  }
  if (old < 0 || old - i < 0)
    lastref_refcount_saturate_(r, "refcount_t: underflow; use-after-free", loc);
  return false;
}
LASTREF_KAPI void lastref_refcount_dec_(refcount_t* r, lastref_loc_t loc) {
  const int old = lastref_atomic_rmw_(&r->refs, LASTREF_K_SUB, 1, __ATOMIC_RELEASE, loc);
  if (old <= 1) lastref_refcount_saturate_(r, "refcount_t: decrement hit 0; leaking memory", loc);
}

#define refcount_set(r, n) lastref_refcount_set_((r), (n), LASTREF_LOC)
#define refcount_read(r) lastref_refcount_read_((r), LASTREF_LOC)
#define refcount_add(i, r) lastref_refcount_add_((i), (r), LASTREF_LOC)
#define refcount_inc(r) lastref_refcount_add_(1, (r), LASTREF_LOC)
#define refcount_add_not_zero(i, r) lastref_refcount_add_not_zero_((i), (r), LASTREF_LOC)
#define refcount_inc_not_zero(r) lastref_refcount_add_not_zero_(1, (r), LASTREF_LOC)
#define refcount_sub_and_test(i, r) lastref_refcount_sub_and_test_((i), (r), LASTREF_LOC)
#define refcount_dec_and_test(r) lastref_refcount_sub_and_test_(1, (r), LASTREF_LOC)
#define refcount_dec(r) lastref_refcount_dec_((r), LASTREF_LOC)

#endif
