/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_KTHREAD_H
#define LASTREF_LINUX_KTHREAD_H
/*
 * Kernel threads (include/linux/kthread.h, kernel/kthread.c):
 * kthread_run(fn, data, namefmt) starts fn(data) on a new thread (creation
 * happens-before fn); kthread_should_stop() reads the stop request;
 * kthread_stop(k) requests the stop and waits until the thread exited,
 * returning fn's result (or the exit code), and wakes the thread if it
 * sleeps in wait_event (as wake_up_process() does: it re-evaluates its
 * condition, which should test kthread_should_stop()); kthread_exit(code) ends the
 * calling kthread; kthread_complete_and_exit(comp, code) completes `comp`
 * and exits WITHOUT returning into the caller's (module) text: that is the
 * point of it, and the model checks it. module_put_and_kthread_exit(code)
 * drops a THIS_MODULE reference the same way.
 *
 * Differs from the kernel: under the model, a test declares how many
 * kthreads it may start (LASTREF_KTHREADS(n), lastref/kernel_test.h) and
 * kthread_run fails with ERR_PTR(-EAGAIN) beyond that; kthread_stop wakes a
 * kthread sleeping in wait_event by waking every sleeper of that queue
 * (they all re-evaluate their conditions); the name format takes no
 * arguments; task structs are never freed.
 */
#include <lastref/linux/completion.h>
#include <lastref/linux/module.h>

struct task_struct {
  int (*threadfn)(void* data);
  void* data;
  const char* comm;
  int should_stop;
  unsigned int exited;
  int result;
  void* sleeping_on; /* the wait queue word it sleeps on in wait_event, or NULL */
};

#ifdef __cplusplus
extern "C" {
#endif
struct task_struct* lastref_kthread_create(int (*fn)(void*), void* data, const char* name,
                                           lastref_loc_t loc);
int lastref_wake_up_process(struct task_struct* t, lastref_loc_t loc);
bool lastref_kthread_should_stop(lastref_loc_t loc);
int lastref_kthread_stop(struct task_struct* t, lastref_loc_t loc);
__attribute__((noreturn)) void lastref_kthread_exit(long code, lastref_loc_t loc);
__attribute__((noreturn)) void lastref_kthread_complete_and_exit(struct completion* c, long code,
                                                                 lastref_loc_t loc);
__attribute__((noreturn)) void lastref_module_put_and_kthread_exit(long code, lastref_loc_t loc);
#ifdef __cplusplus
}
#endif

#define kthread_create(fn, data, namefmt, ...) \
  lastref_kthread_create((fn), (data), (namefmt), LASTREF_LOC)
#define wake_up_process(t) lastref_wake_up_process((t), LASTREF_LOC)
#define kthread_run(fn, data, namefmt, ...) \
  lastref_kthread_run_((fn), (data), (namefmt), LASTREF_LOC)
#define kthread_should_stop() lastref_kthread_should_stop(LASTREF_LOC)
#define kthread_stop(t) lastref_kthread_stop((t), LASTREF_LOC)
#define kthread_exit(code) lastref_kthread_exit((code), LASTREF_LOC)
#define kthread_complete_and_exit(comp, code) \
  lastref_kthread_complete_and_exit((comp), (code), LASTREF_LOC)
#define module_put_and_kthread_exit(code) lastref_module_put_and_kthread_exit((code), LASTREF_LOC)

LASTREF_KAPI struct task_struct* lastref_kthread_run_(int (*fn)(void*), void* data,
                                                      const char* name, lastref_loc_t loc) {
  struct task_struct* t = lastref_kthread_create(fn, data, name, loc);
  if (!IS_ERR(t)) {
    const int err = lastref_wake_up_process(t, loc);
    if (err != 0) return (struct task_struct*)ERR_PTR(err);
  }
  return t;
}

#endif
