/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_SLAB_H
#define LASTREF_LINUX_SLAB_H
/*
 * kmalloc / kzalloc / kcalloc / kfree. Under the model the memory comes from
 * the model allocator: every plain access to it from instrumented C is
 * checked for data races, any access after kfree is a use-after-free naming
 * the freeing step, and kfree twice is a double free. On real threads it is
 * malloc / free (ThreadSanitizer checks it).
 *
 * Differs from the kernel: gfp flags are ignored; allocation never fails;
 * under the model kmalloc's memory is zeroed too (reads of uninitialised
 * memory are not what it checks); kfree(NULL) is allowed, as in the kernel.
 */
#include <lastref/linux/types.h>

#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u
#define GFP_NOWAIT 2u
#define __GFP_ZERO 0x100u

#define kmalloc(size, flags) lastref_k_malloc((size), ((flags)&__GFP_ZERO) != 0, LASTREF_LOC)
#define kzalloc(size, flags) lastref_k_malloc((size), 1, LASTREF_LOC)
#define kcalloc(n, size, flags) lastref_k_malloc((size_t)(n) * (size), 1, LASTREF_LOC)
#define kfree(p) lastref_k_free((p), LASTREF_LOC)

#endif
