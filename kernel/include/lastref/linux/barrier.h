/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_BARRIER_H
#define LASTREF_LINUX_BARRIER_H
/*
 * Memory barriers (Documentation/memory-barriers.txt), mapped to C11 as
 * GenMC's include/lkmm.h maps the LKMM's acquire/release and ONCE accesses
 * (github.com/MPI-SWS/genmc, include/lkmm.h); GenMC keeps the LKMM fences as
 * LKMM events, which a C11 model cannot, so here they are C11 fences:
 *   smp_mb()                  atomic_thread_fence(seq_cst)
 *   smp_rmb()                 atomic_thread_fence(acquire)   (approximation)
 *   smp_wmb()                 atomic_thread_fence(release)   (approximation)
 *   smp_mb__before_atomic()   atomic_thread_fence(seq_cst)
 *   smp_mb__after_atomic()    atomic_thread_fence(seq_cst)
 *   smp_store_release(p, v)   atomic_store_explicit(p, v, release)
 *   smp_load_acquire(p)       atomic_load_explicit(p, acquire)
 *   smp_store_mb(x, v)        WRITE_ONCE(x, v); smp_mb()
 *   smp_cond_load_relaxed(p, c)  READ_ONCE(*p) until c holds (VAL names the
 *   smp_cond_load_acquire(p, c)  value read), cpu_relax() between: an await
 *                                loop under the model (processor.h); the
 *                                acquire form's last load is an acquire
 *
 * Differs from the kernel: smp_rmb/smp_wmb order only through
 * synchronisation (a C11 acquire fence orders earlier loads before all later
 * accesses once it synchronises; the LKMM's rmb orders load->load
 * unconditionally), so code relying on rmb/wmb alone between two relaxed
 * accesses with no synchronising pair may be reported where the LKMM allows
 * it, or vice versa; address and control dependencies are not modelled (a
 * dependent load is a plain relaxed load). See kernel/README.md.
 */
#include <lastref/linux/compiler.h>
#include <lastref/linux/processor.h>

#define smp_mb() lastref_k_fence(__ATOMIC_SEQ_CST, LASTREF_LOC)
#define smp_rmb() lastref_k_fence(__ATOMIC_ACQUIRE, LASTREF_LOC)
#define smp_wmb() lastref_k_fence(__ATOMIC_RELEASE, LASTREF_LOC)
#define mb() smp_mb()
#define rmb() smp_rmb()
#define wmb() smp_wmb()
#define smp_mb__before_atomic() lastref_k_fence(__ATOMIC_SEQ_CST, LASTREF_LOC)
#define smp_mb__after_atomic() lastref_k_fence(__ATOMIC_SEQ_CST, LASTREF_LOC)

#define smp_store_release(p, v) \
  lastref_k_store((p), (int)sizeof(*(p)), (uint64_t)(uintptr_t)(v), __ATOMIC_RELEASE, LASTREF_LOC)
#define smp_load_acquire(p)                                                              \
  ((__typeof__(*(p)))(uintptr_t)lastref_k_load((p), (int)sizeof(*(p)), __ATOMIC_ACQUIRE, \
                                               LASTREF_LOC))
#define smp_store_mb(x, v) \
  do {                     \
    WRITE_ONCE(x, v);      \
    smp_mb();              \
  } while (0)

/* As the kernel's generic versions (asm-generic/barrier.h): VAL is the
 * value just read; the loop is an await loop (processor.h's contract holds:
 * the condition depends on VAL and the loop writes nothing). */
#define smp_cond_load_relaxed(ptr, cond_expr)  \
  ({                                           \
    __typeof__(ptr) lastref_cond_ptr_ = (ptr); \
    __typeof__(*(ptr)) VAL;                    \
    for (;;) {                                 \
      VAL = READ_ONCE(*lastref_cond_ptr_);     \
      if (cond_expr) break;                    \
      cpu_relax();                             \
    }                                          \
    VAL;                                       \
  })
#define smp_cond_load_acquire(ptr, cond_expr)    \
  ({                                             \
    __typeof__(ptr) lastref_cond_ptr_ = (ptr);   \
    __typeof__(*(ptr)) VAL;                      \
    for (;;) {                                   \
      VAL = smp_load_acquire(lastref_cond_ptr_); \
      if (cond_expr) break;                      \
      cpu_relax();                               \
    }                                            \
    VAL;                                         \
  })

#endif
