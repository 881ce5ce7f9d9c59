/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_ATOMIC_H
#define LASTREF_LINUX_ATOMIC_H
/*
 * atomic_t (Documentation/atomic_t.txt), mapped to C11 as GenMC's
 * include/lkmm.h maps it:
 *   - non-value-returning operations (atomic_read, atomic_set, atomic_add,
 *     atomic_inc, atomic_and, ...) are relaxed;
 *   - value-returning operations (atomic_add_return, atomic_fetch_add,
 *     atomic_xchg, atomic_cmpxchg, atomic_dec_and_test, ...) are seq_cst
 *     read-modify-writes;
 *   - the _relaxed / _acquire / _release variants have those orders;
 *   - atomic_read_acquire / atomic_set_release are acquire load / release store.
 *   - a failed cmpxchg is a relaxed load (the kernel gives it no ordering).
 *
 * Differs from the kernel: the LKMM makes a value-returning RMW a full
 * barrier (smp_mb() before and after), which also orders surrounding relaxed
 * accesses to other locations; a C11 seq_cst RMW does not. Code that relies
 * on that (rather than on the RMW's own location) can be reported under the
 * c11 model where the LKMM forbids the outcome: add smp_mb__before_atomic /
 * smp_mb__after_atomic to check.
 *
 * atomic64_t (s64) has the same operations, names atomic64_*, and the same
 * mapping, on an 8-byte word (aligned: the kernel's atomic64_t is too).
 * Not provided: atomic_long_t, the andnot / fetch_andnot forms.
 */
#include <lastref/linux/barrier.h>

typedef struct {
  int counter;
} atomic_t;

#define ATOMIC_INIT(i) \
  { (i) }

LASTREF_KAPI int lastref_atomic_rmw_(atomic_t* v, int op, int i, int mo, lastref_loc_t loc) {
  return (int)(uint32_t)lastref_k_rmw(&v->counter, 4, op, (uint64_t)(uint32_t)i, mo, loc);
}
LASTREF_KAPI int lastref_atomic_op_ret_(atomic_t* v, int op, int i, int mo, lastref_loc_t loc) {
  const int old = lastref_atomic_rmw_(v, op, i, mo, loc);
  return op == LASTREF_K_ADD ? (int)((unsigned)old + (unsigned)i)
                             : (int)((unsigned)old - (unsigned)i);
}
LASTREF_KAPI int lastref_atomic_cmpxchg_(atomic_t* v, int old, int new_, int mo,
                                         lastref_loc_t loc) {
  return (int)(uint32_t)lastref_k_cmpxchg(&v->counter, 4, (uint64_t)(uint32_t)old,
                                          (uint64_t)(uint32_t)new_, mo, __ATOMIC_RELAXED, loc);
}
LASTREF_KAPI bool lastref_atomic_try_cmpxchg_(atomic_t* v, int* old, int new_, int mo,
                                              lastref_loc_t loc) {
  const int seen = lastref_atomic_cmpxchg_(v, *old, new_, mo, loc);
  if (seen == *old) return true;
  *old = seen;
  return false;
}
/* The CAS of this header's own retry loops (lastref_k_retry_hint). */
LASTREF_KAPI bool lastref_atomic_try_cmpxchg_retry_(atomic_t* v, int* old, int new_, int mo,
                                                    lastref_loc_t loc) {
  lastref_k_retry_hint(&v->counter);
  return lastref_atomic_try_cmpxchg_(v, old, new_, mo, loc);
}
/* Fully ordered on success, as the kernel's (a failed attempt orders nothing). */
LASTREF_KAPI int lastref_atomic_fetch_add_unless_(atomic_t* v, int a, int u, lastref_loc_t loc) {
  int c = (int)(uint32_t)lastref_k_load(&v->counter, 4, __ATOMIC_RELAXED, loc);
  do {
    if (c == u) break;
  } while (!lastref_atomic_try_cmpxchg_retry_(v, &c, (int)((unsigned)c + (unsigned)a),
                                              __ATOMIC_SEQ_CST, loc));
  return c;
}
LASTREF_KAPI int lastref_atomic_dec_if_positive_(atomic_t* v, lastref_loc_t loc) {
  int c = (int)(uint32_t)lastref_k_load(&v->counter, 4, __ATOMIC_RELAXED, loc);
  int dec;
  do {
    dec = c - 1;
    if (dec < 0) break;
  } while (!lastref_atomic_try_cmpxchg_retry_(v, &c, dec, __ATOMIC_SEQ_CST, loc));
  return dec;
}

#define atomic_read(v) \
  ((int)(uint32_t)lastref_k_load(&(v)->counter, 4, __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic_read_acquire(v) \
  ((int)(uint32_t)lastref_k_load(&(v)->counter, 4, __ATOMIC_ACQUIRE, LASTREF_LOC))
/* atomic_cond_read_*(v, c): smp_cond_load_*() on the counter (barrier.h). */
#define atomic_cond_read_relaxed(v, c) smp_cond_load_relaxed(&(v)->counter, (c))
#define atomic_cond_read_acquire(v, c) smp_cond_load_acquire(&(v)->counter, (c))
#define atomic_set(v, i) \
  lastref_k_store(&(v)->counter, 4, (uint64_t)(uint32_t)(i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_set_release(v, i) \
  lastref_k_store(&(v)->counter, 4, (uint64_t)(uint32_t)(i), __ATOMIC_RELEASE, LASTREF_LOC)

#define atomic_add(i, v) \
  ((void)lastref_atomic_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic_sub(i, v) \
  ((void)lastref_atomic_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic_inc(v) atomic_add(1, v)
#define atomic_dec(v) atomic_sub(1, v)
#define atomic_and(i, v) \
  ((void)lastref_atomic_rmw_((v), LASTREF_K_AND, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic_or(i, v) \
  ((void)lastref_atomic_rmw_((v), LASTREF_K_OR, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic_xor(i, v) \
  ((void)lastref_atomic_rmw_((v), LASTREF_K_XOR, (i), __ATOMIC_RELAXED, LASTREF_LOC))

/* add_return / sub_return: the new value */
#define atomic_add_return(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_add_return_relaxed(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_add_return_acquire(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_add_return_release(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_sub_return(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_sub_return_relaxed(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_sub_return_acquire(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_sub_return_release(i, v) \
  lastref_atomic_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_inc_return(v) atomic_add_return(1, v)
#define atomic_inc_return_relaxed(v) atomic_add_return_relaxed(1, v)
#define atomic_inc_return_acquire(v) atomic_add_return_acquire(1, v)
#define atomic_inc_return_release(v) atomic_add_return_release(1, v)
#define atomic_dec_return(v) atomic_sub_return(1, v)
#define atomic_dec_return_relaxed(v) atomic_sub_return_relaxed(1, v)
#define atomic_dec_return_acquire(v) atomic_sub_return_acquire(1, v)
#define atomic_dec_return_release(v) atomic_sub_return_release(1, v)

/* fetch_<op>: the old value */
#define atomic_fetch_add(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_fetch_add_relaxed(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_fetch_add_acquire(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_fetch_add_release(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_fetch_sub(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_fetch_sub_relaxed(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_fetch_sub_acquire(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_fetch_sub_release(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_fetch_inc(v) atomic_fetch_add(1, v)
#define atomic_fetch_inc_relaxed(v) atomic_fetch_add_relaxed(1, v)
#define atomic_fetch_inc_acquire(v) atomic_fetch_add_acquire(1, v)
#define atomic_fetch_inc_release(v) atomic_fetch_add_release(1, v)
#define atomic_fetch_dec(v) atomic_fetch_sub(1, v)
#define atomic_fetch_dec_relaxed(v) atomic_fetch_sub_relaxed(1, v)
#define atomic_fetch_dec_acquire(v) atomic_fetch_sub_acquire(1, v)
#define atomic_fetch_dec_release(v) atomic_fetch_sub_release(1, v)
#define atomic_fetch_and(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_AND, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_fetch_or(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_OR, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_fetch_xor(i, v) \
  lastref_atomic_rmw_((v), LASTREF_K_XOR, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)

#define atomic_xchg(v, i) \
  lastref_atomic_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_xchg_relaxed(v, i) \
  lastref_atomic_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_xchg_acquire(v, i) \
  lastref_atomic_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_xchg_release(v, i) \
  lastref_atomic_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_cmpxchg(v, o, n) \
  lastref_atomic_cmpxchg_((v), (o), (n), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_cmpxchg_relaxed(v, o, n) \
  lastref_atomic_cmpxchg_((v), (o), (n), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_cmpxchg_acquire(v, o, n) \
  lastref_atomic_cmpxchg_((v), (o), (n), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_cmpxchg_release(v, o, n) \
  lastref_atomic_cmpxchg_((v), (o), (n), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic_try_cmpxchg(v, po, n) \
  lastref_atomic_try_cmpxchg_((v), (po), (n), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic_try_cmpxchg_relaxed(v, po, n) \
  lastref_atomic_try_cmpxchg_((v), (po), (n), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic_try_cmpxchg_acquire(v, po, n) \
  lastref_atomic_try_cmpxchg_((v), (po), (n), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic_try_cmpxchg_release(v, po, n) \
  lastref_atomic_try_cmpxchg_((v), (po), (n), __ATOMIC_RELEASE, LASTREF_LOC)

#define atomic_sub_and_test(i, v) (atomic_sub_return(i, v) == 0)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v) (atomic_inc_return(v) == 0)
#define atomic_add_negative(i, v) (atomic_add_return(i, v) < 0)
#define atomic_fetch_add_unless(v, a, u) \
  lastref_atomic_fetch_add_unless_((v), (a), (u), LASTREF_LOC)
#define atomic_add_unless(v, a, u) (atomic_fetch_add_unless(v, a, u) != (u))
#define atomic_inc_not_zero(v) atomic_add_unless(v, 1, 0)
#define atomic_dec_if_positive(v) lastref_atomic_dec_if_positive_((v), LASTREF_LOC)

/* ------------------------------------------------------------ atomic64_t */

typedef struct {
  s64 counter;
} __attribute__((aligned(8))) atomic64_t;

#define ATOMIC64_INIT(i) \
  { (i) }

LASTREF_KAPI s64 lastref_atomic64_rmw_(atomic64_t* v, int op, s64 i, int mo, lastref_loc_t loc) {
  return (s64)lastref_k_rmw(&v->counter, 8, op, (uint64_t)i, mo, loc);
}
LASTREF_KAPI s64 lastref_atomic64_op_ret_(atomic64_t* v, int op, s64 i, int mo, lastref_loc_t loc) {
  const uint64_t old = (uint64_t)lastref_atomic64_rmw_(v, op, i, mo, loc);
  return op == LASTREF_K_ADD ? (s64)(old + (uint64_t)i) : (s64)(old - (uint64_t)i);
}
LASTREF_KAPI s64 lastref_atomic64_cmpxchg_(atomic64_t* v, s64 old, s64 new_, int mo,
                                           lastref_loc_t loc) {
  return (s64)lastref_k_cmpxchg(&v->counter, 8, (uint64_t)old, (uint64_t)new_, mo, __ATOMIC_RELAXED,
                                loc);
}
LASTREF_KAPI bool lastref_atomic64_try_cmpxchg_(atomic64_t* v, s64* old, s64 new_, int mo,
                                                lastref_loc_t loc) {
  const s64 seen = lastref_atomic64_cmpxchg_(v, *old, new_, mo, loc);
  if (seen == *old) return true;
  *old = seen;
  return false;
}
LASTREF_KAPI bool lastref_atomic64_try_cmpxchg_retry_(atomic64_t* v, s64* old, s64 new_, int mo,
                                                      lastref_loc_t loc) {
  lastref_k_retry_hint(&v->counter);
  return lastref_atomic64_try_cmpxchg_(v, old, new_, mo, loc);
}
LASTREF_KAPI s64 lastref_atomic64_fetch_add_unless_(atomic64_t* v, s64 a, s64 u,
                                                    lastref_loc_t loc) {
  s64 c = (s64)lastref_k_load(&v->counter, 8, __ATOMIC_RELAXED, loc);
  do {
    if (c == u) break;
  } while (!lastref_atomic64_try_cmpxchg_retry_(v, &c, (s64)((uint64_t)c + (uint64_t)a),
                                                __ATOMIC_SEQ_CST, loc));
  return c;
}
LASTREF_KAPI s64 lastref_atomic64_dec_if_positive_(atomic64_t* v, lastref_loc_t loc) {
  s64 c = (s64)lastref_k_load(&v->counter, 8, __ATOMIC_RELAXED, loc);
  s64 dec;
  do {
    dec = c - 1;
    if (dec < 0) break;
  } while (!lastref_atomic64_try_cmpxchg_retry_(v, &c, dec, __ATOMIC_SEQ_CST, loc));
  return dec;
}

#define atomic64_read(v) ((s64)lastref_k_load(&(v)->counter, 8, __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic64_read_acquire(v) \
  ((s64)lastref_k_load(&(v)->counter, 8, __ATOMIC_ACQUIRE, LASTREF_LOC))
#define atomic64_set(v, i) \
  lastref_k_store(&(v)->counter, 8, (uint64_t)(s64)(i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_set_release(v, i) \
  lastref_k_store(&(v)->counter, 8, (uint64_t)(s64)(i), __ATOMIC_RELEASE, LASTREF_LOC)

#define atomic64_add(i, v) \
  ((void)lastref_atomic64_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic64_sub(i, v) \
  ((void)lastref_atomic64_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic64_inc(v) atomic64_add(1, v)
#define atomic64_dec(v) atomic64_sub(1, v)
#define atomic64_and(i, v) \
  ((void)lastref_atomic64_rmw_((v), LASTREF_K_AND, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic64_or(i, v) \
  ((void)lastref_atomic64_rmw_((v), LASTREF_K_OR, (i), __ATOMIC_RELAXED, LASTREF_LOC))
#define atomic64_xor(i, v) \
  ((void)lastref_atomic64_rmw_((v), LASTREF_K_XOR, (i), __ATOMIC_RELAXED, LASTREF_LOC))

#define atomic64_add_return(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_add_return_relaxed(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_add_return_acquire(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_add_return_release(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_ADD, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_sub_return(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_sub_return_relaxed(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_sub_return_acquire(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_sub_return_release(i, v) \
  lastref_atomic64_op_ret_((v), LASTREF_K_SUB, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_inc_return(v) atomic64_add_return(1, v)
#define atomic64_inc_return_relaxed(v) atomic64_add_return_relaxed(1, v)
#define atomic64_inc_return_acquire(v) atomic64_add_return_acquire(1, v)
#define atomic64_inc_return_release(v) atomic64_add_return_release(1, v)
#define atomic64_dec_return(v) atomic64_sub_return(1, v)
#define atomic64_dec_return_relaxed(v) atomic64_sub_return_relaxed(1, v)
#define atomic64_dec_return_acquire(v) atomic64_sub_return_acquire(1, v)
#define atomic64_dec_return_release(v) atomic64_sub_return_release(1, v)

#define atomic64_fetch_add(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_fetch_add_relaxed(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_fetch_add_acquire(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_fetch_add_release(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_ADD, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_fetch_sub(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_fetch_sub_relaxed(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_fetch_sub_acquire(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_fetch_sub_release(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_SUB, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_fetch_inc(v) atomic64_fetch_add(1, v)
#define atomic64_fetch_inc_relaxed(v) atomic64_fetch_add_relaxed(1, v)
#define atomic64_fetch_inc_acquire(v) atomic64_fetch_add_acquire(1, v)
#define atomic64_fetch_inc_release(v) atomic64_fetch_add_release(1, v)
#define atomic64_fetch_dec(v) atomic64_fetch_sub(1, v)
#define atomic64_fetch_dec_relaxed(v) atomic64_fetch_sub_relaxed(1, v)
#define atomic64_fetch_dec_acquire(v) atomic64_fetch_sub_acquire(1, v)
#define atomic64_fetch_dec_release(v) atomic64_fetch_sub_release(1, v)
#define atomic64_fetch_and(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_AND, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_fetch_or(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_OR, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_fetch_xor(i, v) \
  lastref_atomic64_rmw_((v), LASTREF_K_XOR, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)

#define atomic64_xchg(v, i) \
  lastref_atomic64_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_xchg_relaxed(v, i) \
  lastref_atomic64_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_xchg_acquire(v, i) \
  lastref_atomic64_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_xchg_release(v, i) \
  lastref_atomic64_rmw_((v), LASTREF_K_XCHG, (i), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_cmpxchg(v, o, n) \
  lastref_atomic64_cmpxchg_((v), (o), (n), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_cmpxchg_relaxed(v, o, n) \
  lastref_atomic64_cmpxchg_((v), (o), (n), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_cmpxchg_acquire(v, o, n) \
  lastref_atomic64_cmpxchg_((v), (o), (n), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_cmpxchg_release(v, o, n) \
  lastref_atomic64_cmpxchg_((v), (o), (n), __ATOMIC_RELEASE, LASTREF_LOC)
#define atomic64_try_cmpxchg(v, po, n) \
  lastref_atomic64_try_cmpxchg_((v), (po), (n), __ATOMIC_SEQ_CST, LASTREF_LOC)
#define atomic64_try_cmpxchg_relaxed(v, po, n) \
  lastref_atomic64_try_cmpxchg_((v), (po), (n), __ATOMIC_RELAXED, LASTREF_LOC)
#define atomic64_try_cmpxchg_acquire(v, po, n) \
  lastref_atomic64_try_cmpxchg_((v), (po), (n), __ATOMIC_ACQUIRE, LASTREF_LOC)
#define atomic64_try_cmpxchg_release(v, po, n) \
  lastref_atomic64_try_cmpxchg_((v), (po), (n), __ATOMIC_RELEASE, LASTREF_LOC)

#define atomic64_sub_and_test(i, v) (atomic64_sub_return(i, v) == 0)
#define atomic64_dec_and_test(v) (atomic64_dec_return(v) == 0)
#define atomic64_inc_and_test(v) (atomic64_inc_return(v) == 0)
#define atomic64_add_negative(i, v) (atomic64_add_return(i, v) < 0)
#define atomic64_fetch_add_unless(v, a, u) \
  lastref_atomic64_fetch_add_unless_((v), (a), (u), LASTREF_LOC)
#define atomic64_add_unless(v, a, u) (atomic64_fetch_add_unless(v, a, u) != (u))
#define atomic64_inc_not_zero(v) atomic64_add_unless(v, 1, 0)
#define atomic64_dec_if_positive(v) lastref_atomic64_dec_if_positive_((v), LASTREF_LOC)

#endif
