/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_COMPILER_H
#define LASTREF_LINUX_COMPILER_H
/*
 * READ_ONCE / WRITE_ONCE, as in include/asm-generic/rwonce.h: a relaxed
 * atomic load / store of a scalar of 1, 2, 4 or 8 bytes (the mapping of
 * GenMC's include/lkmm.h). Every use is a model operation: a scheduling
 * point, and under the c11 model a load may read an older store.
 *
 * Differs from the kernel: only scalars (integers, pointers, bool); the
 * kernel also allows small structs. barrier() is a compiler barrier only,
 * as in the kernel.
 */
#include <lastref/linux/types.h>

#define READ_ONCE(x) \
  ((__typeof__(x))(uintptr_t)lastref_k_load(&(x), (int)sizeof(x), __ATOMIC_RELAXED, LASTREF_LOC))
#define WRITE_ONCE(x, val) \
  lastref_k_store(&(x), (int)sizeof(x), (uint64_t)(uintptr_t)(val), __ATOMIC_RELAXED, LASTREF_LOC)

#define barrier() __asm__ __volatile__("" : : : "memory")

#endif
