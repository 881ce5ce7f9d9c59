/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_KERNEL_LINUX_INTERNAL_H
#define LASTREF_KERNEL_LINUX_INTERNAL_H
/*
 * Between linux.c and the backends' drivers: the registered test, and the
 * per-run reset. Not for users.
 */
#ifdef __cplusplus
extern "C" {
#endif

#define LASTREF_MAX_TEST_THREADS 8

struct lastref_test_fn {
  const char* name;
  void (*fn)(void);
  int line;
};

const struct lastref_test_fn* lastref_test_threads(int* n);
int lastref_test_kthread_count(void);
void lastref_test_run_setup(void);
void lastref_test_run_check(void);
/* A fresh, live THIS_MODULE with no references, then module_init (its
 * result). */
int lastref_linux_reset(void);

/* The release-latency benchmark's stopwatch (release_bench.cc):
 * lastref_delete_module() calls it at its entry (ENTER), once module_exit
 * has returned (EXITED, only when the unload goes ahead) and before it
 * returns (RETURN, with its result). NULL, the default, in the model and
 * stress drivers. Called on the unloading thread. */
enum { LASTREF_UNLOAD_ENTER, LASTREF_UNLOAD_EXITED, LASTREF_UNLOAD_RETURN };
extern void (*lastref_linux_unload_hook)(int event, int result);

#ifdef __cplusplus
}
#endif
#endif
