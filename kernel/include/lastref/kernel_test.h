/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_KERNEL_TEST_H
#define LASTREF_KERNEL_TEST_H
/*
 * The test file of a kernel-C test (lastref_add_kernel_test, kernel/README.md):
 *
 *   LASTREF_SETUP()         { ... }   optional; runs alone, after module_init
 *   LASTREF_THREAD(name)    { ... }   1..8 of them (with the kthreads), run
 *                                     concurrently
 *   LASTREF_CHECK()         { ... }   optional; runs after every thread ended
 *   LASTREF_KTHREADS(n)               kthreads the test may start (model)
 *   LASTREF_ASSERT(cond)              a failure of kind `invariant` if false
 *
 * Contract: every run (model execution, fuzzer input, stress iteration,
 * benchmark sample) starts from the global variables of the test's C files
 * as the program started (their .data and .bss are copied back; not
 * thread-locals) and a fresh module (refcount 0, live), runs module_init,
 * then LASTREF_SETUP, the threads, LASTREF_CHECK. Threads run in the order
 * of their definition (thread ids 0, 1, ...). The release-latency benchmark
 * runs the thread named `unloader` (BENCH_UNLOADER) as the unloader and the
 * others as releasers (kernel/README.md, "Benchmark").
 *
 * Memory ordering: SETUP happens-before every thread; every thread
 * happens-before CHECK.
 */
#include <lastref/linux/module.h>
#include <lastref/linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif
enum { LASTREF_TEST_THREAD, LASTREF_TEST_SETUP, LASTREF_TEST_CHECK };
void lastref_test_register(int kind, const char* name, void (*fn)(void), int line);
void lastref_test_kthreads(int n);
#ifdef __cplusplus
}
#endif

#define LASTREF_TEST_FN_(kind, name, fn)                                                 \
  static void fn(void);                                                                  \
  __attribute__((constructor, no_instrument_function)) static void fn##_register(void) { \
    lastref_test_register(kind, name, fn, __LINE__);                                     \
  }                                                                                      \
  static void fn(void)

#define LASTREF_THREAD(name) LASTREF_TEST_FN_(LASTREF_TEST_THREAD, #name, lastref_thread_##name)
#define LASTREF_SETUP() LASTREF_TEST_FN_(LASTREF_TEST_SETUP, "setup", lastref_test_setup_fn)
#define LASTREF_CHECK() LASTREF_TEST_FN_(LASTREF_TEST_CHECK, "check", lastref_test_check_fn)
#define LASTREF_KTHREADS(n)                                                                   \
  __attribute__((constructor, no_instrument_function)) static void lastref_kthreads_n(void) { \
    lastref_test_kthreads(n);                                                                 \
  }
#define LASTREF_ASSERT(cond) \
  ((cond) ? (void)0 : lastref_k_warn(0, "LASTREF_ASSERT(" #cond ")", LASTREF_LOC))

#endif
