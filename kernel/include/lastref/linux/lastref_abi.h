/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_LASTREF_ABI_H
#define LASTREF_LINUX_LASTREF_ABI_H
/*
 * The C ABI every <lastref/linux/...> header calls. Not for users: it is the
 * seam between the kernel-style headers and the two backends that implement
 * it, the model checker (kernel/src/model_backend.cc: every call is a model
 * operation with a scheduling point) and real threads
 * (kernel/src/real_backend.cc: __atomic builtins and futex(2), for
 * ThreadSanitizer stress runs).
 *
 * Contract: `p` is the address of the kernel object's word in the user's own
 * memory and `size` its width (1, 2, 4 or 8 bytes). Values travel as
 * uint64_t, zero-extended; the backend stores `size` bytes. Memory orders use
 * the C11 numbering (__ATOMIC_RELAXED .. __ATOMIC_SEQ_CST). Every call carries
 * the caller's source location (LASTREF_LOC) so traces name the user's C line.
 *
 * Lifetime rule: the location struct is read during the call only; its
 * strings (__FILE__, __func__) are static.
 *
 * Memory ordering: each operation has exactly the C11 semantics of its order
 * argument; the kernel-to-C11 mapping lives in the headers (see
 * kernel/README.md), not here.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lastref_loc {
  const char* file;
  int line;
  const char* func;
};
typedef const struct lastref_loc* lastref_loc_t;

#ifndef __cplusplus
/* The caller's file, line and function, as a pointer to a compound literal. */
#define LASTREF_LOC (&(const struct lastref_loc){__FILE__, __LINE__, __func__})
#endif

/* Every kernel API function in the headers is builtin code: never
 * instrumented for residency or plain-access checks, even when inlined into a
 * module file. */
#define LASTREF_KAPI static inline __attribute__((no_instrument_function, unused))

enum lastref_k_rmw_op {
  LASTREF_K_ADD,
  LASTREF_K_SUB,
  LASTREF_K_AND,
  LASTREF_K_OR,
  LASTREF_K_XOR,
  LASTREF_K_XCHG
};

/* Atomics on the user's memory; `mo` in C11 numbering. */
uint64_t lastref_k_load(const volatile void* p, int size, int mo, lastref_loc_t loc);
void lastref_k_store(volatile void* p, int size, uint64_t v, int mo, lastref_loc_t loc);
/* Returns the old value. */
uint64_t lastref_k_rmw(volatile void* p, int size, int op, uint64_t v, int mo, lastref_loc_t loc);
/* Returns the value read (== expected iff it stored), as the kernel's cmpxchg. */
uint64_t lastref_k_cmpxchg(volatile void* p, int size, uint64_t expected, uint64_t desired,
                           int success_mo, int failure_mo, lastref_loc_t loc);
/* Initialisation (atomic_set before publication, init_completion, ...): a
 * fresh location with no store history. */
void lastref_k_init(volatile void* p, int size, uint64_t v, lastref_loc_t loc);
void lastref_k_fence(int mo, lastref_loc_t loc);
/* The acquire half of "RMW, then smp_acquire__after_ctrl_dep()" on p (the
 * model: an acquire fence; real threads: an acquire load of p, which
 * ThreadSanitizer understands and a fence it does not). */
void lastref_k_acquire_after_rmw(const volatile void* p, int size, lastref_loc_t loc);
/* The end of a failed iteration of an await loop (cpu_relax(), processor.h):
 * the model blocks the thread until another thread writes a location the
 * iteration read (lastref::model::await_iteration); real threads yield. */
void lastref_k_await_iteration(lastref_loc_t loc);
/* The next cmpxchg of this thread on p is the CAS of a read-compute-CAS
 * retry loop that keeps lastref/detail/retry.h's contract (its expected
 * value is the thread's last read of p; a failure restarts the loop from
 * the value returned, every check retaken, nothing counted): the model may
 * run it right after that read; real threads: nothing. Used by the library
 * loops below (atomic.h, refcount.h), not offered as a kernel API. */
void lastref_k_retry_hint(const volatile void* p);

/* futex(2) on a 32-bit word: sleeps while *word == expected. */
void lastref_k_futex_wait(volatile void* word, uint32_t expected, lastref_loc_t loc);
void lastref_k_futex_wake(volatile void* word, int all, lastref_loc_t loc);
/* As futex_wait, for at most timeout_ns: 0 when the timeout fired, 1
 * otherwise (woken, the value changed, or spurious). Under the model time is
 * virtual: the scheduler may fire the timeout at any point while the thread
 * sleeps (a choice it explores), whatever timeout_ns is. */
int lastref_k_futex_wait_timeout(volatile void* word, uint32_t expected, uint64_t timeout_ns,
                                 lastref_loc_t loc);

/* The allocator: kmalloc/kfree. zero: kzalloc. */
void* lastref_k_malloc(size_t size, int zero, lastref_loc_t loc);
void lastref_k_free(const void* p, lastref_loc_t loc);

/* A WARN() of the kernel API (refcount saturation, ...): a failure of kind
 * `refcount` (kind 1) or `invariant` (kind 0) under the model, a counted
 * message on real threads. */
void lastref_k_warn(int kind, const char* what, lastref_loc_t loc);

/* Threads: runs entry(arg) on a new thread (a kthread). 0 on success. */
int lastref_k_spawn(void (*entry)(void*), void* arg, lastref_loc_t loc);
/* Ends the calling thread without returning into its callers (do_exit). */
__attribute__((noreturn)) void lastref_k_thread_exit(lastref_loc_t loc);

/* The calling thread's kthread (null for test threads): a per-thread slot. */
void** lastref_k_current_task(void);

/* The module: text identity for residency, and its unmapping. */
void lastref_k_text_unmap(const void* text, lastref_loc_t loc);
/* Builtin kernel code (kernel/src/linux.c) brackets every exported function
 * with these: while it runs, the calling thread executes builtin text even
 * if it was called from module text, so an unmap meanwhile is reported only
 * when the thread returns into the module (and never, if it exits first, as
 * kthread_complete_and_exit does). Nested calls are counted. */
void lastref_k_builtin_enter(void);
void lastref_k_builtin_leave(void);
/* Names an address in traces (a string literal). */
void lastref_k_label(const void* p, const char* name);

#ifdef __cplusplus
}
#endif
#endif
