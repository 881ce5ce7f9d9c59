/* SPDX-License-Identifier: MIT */
/*
 * The builtin kernel: completion, module refcount and unload, locks, wait
 * queues, kthreads and the test registry, written once in C over the
 * lastref_k_* ABI and linked with either backend (model or real threads).
 *
 * Contract: this file is builtin text. It is never compiled with
 * -finstrument-functions (so none of it is module text) nor with
 * ThreadSanitizer instrumentation under the model (its own plain accesses
 * are runtime bookkeeping, not the user's). Every operation passes the
 * user's call site (loc) through, so traces name the user's line.
 *
 * Lifetime rule: the test registry and THIS_MODULE live for the process;
 * lastref_linux_reset() re-initialises THIS_MODULE and the user's globals
 * at the start of each run.
 *
 * Memory ordering: per function below; each follows its header's contract.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lastref/kernel_test.h>
#include <lastref/linux/completion.h>
#include <lastref/linux/kthread.h>
#include <lastref/linux/module.h>
#include <lastref/linux/spinlock.h>
#include <lastref/linux/wait.h>

#include "linux_internal.h"

#define RELAXED __ATOMIC_RELAXED
#define ACQUIRE __ATOMIC_ACQUIRE
#define RELEASE __ATOMIC_RELEASE
#define ACQ_REL __ATOMIC_ACQ_REL
#define SEQ_CST __ATOMIC_SEQ_CST

static uint32_t load32(const void* p, int mo, lastref_loc_t loc) {
  return (uint32_t)lastref_k_load(p, 4, mo, loc);
}
static uint32_t rmw32(void* p, int op, uint32_t v, int mo, lastref_loc_t loc) {
  return (uint32_t)lastref_k_rmw(p, 4, op, v, mo, loc);
}
static uint32_t cas32(void* p, uint32_t expected, uint32_t desired, int mo, lastref_loc_t loc) {
  return (uint32_t)lastref_k_cmpxchg(p, 4, expected, desired, mo, RELAXED, loc);
}

/* ------------------------------------------------------------ test registry */

static struct lastref_test_fn threads_[LASTREF_MAX_TEST_THREADS];
static int n_threads_;
static void (*setup_fn_)(void);
static void (*check_fn_)(void);
static int kthreads_;
static int (*module_init_fn_)(void);
static void (*module_exit_fn_)(void);

void lastref_test_register(int kind, const char* name, void (*fn)(void), int line) {
  if (kind == LASTREF_TEST_SETUP) {
    setup_fn_ = fn;
    return;
  }
  if (kind == LASTREF_TEST_CHECK) {
    check_fn_ = fn;
    return;
  }
  if (n_threads_ == LASTREF_MAX_TEST_THREADS) {
    fprintf(stderr, "lastref: more than %d LASTREF_THREADs\n", LASTREF_MAX_TEST_THREADS);
    exit(2);
  }
  threads_[n_threads_].name = name;
  threads_[n_threads_].fn = fn;
  threads_[n_threads_].line = line;
  ++n_threads_;
  /* Definition order (constructors may run in any order). */
  for (int i = n_threads_ - 1; i > 0 && threads_[i].line < threads_[i - 1].line; --i) {
    struct lastref_test_fn t = threads_[i];
    threads_[i] = threads_[i - 1];
    threads_[i - 1] = t;
  }
}
void lastref_test_kthreads(int n) { kthreads_ = n; }
void lastref_register_module_init(int (*fn)(void)) { module_init_fn_ = fn; }
void lastref_register_module_exit(void (*fn)(void)) { module_exit_fn_ = fn; }

const struct lastref_test_fn* lastref_test_threads(int* n) {
  *n = n_threads_;
  return threads_;
}
int lastref_test_kthread_count(void) { return kthreads_; }
void lastref_test_run_setup(void) {
  if (setup_fn_ != NULL) setup_fn_();
}
void lastref_test_run_check(void) {
  if (check_fn_ != NULL) check_fn_();
}

/* ------------------------------------------------------------ the user's globals */

/* Every run starts from the user's globals as they were at program start:
 * the writable .data and .bss of the test's own objects, which
 * LastrefKernelTest.cmake links between globals_begin.c and globals_end.c
 * (the linker keeps input sections in link order), are saved at the first
 * run and copied back at each later one, in the model (every execution),
 * the stress driver and the benchmark alike. Weak: a program linked without
 * the markers keeps its globals across runs. LASTREF_KERNEL_KEEP_GLOBALS=1
 * in the environment does the same on purpose. Thread-local variables are
 * not reset. */
extern char lastref_user_data_begin[] __attribute__((weak));
extern char lastref_user_data_end[] __attribute__((weak));
extern char lastref_user_bss_begin[] __attribute__((weak));
extern char lastref_user_bss_end[] __attribute__((weak));

struct saved_range {
  char* begin;
  size_t size;
  unsigned char* copy;
};
static struct saved_range saved_[2];
static int saved_state_; /* 0: not yet; 1: saved; -1: not reset */

static int save_range(struct saved_range* r, char* begin, uintptr_t size) {
  r->begin = begin;
  r->size = (size_t)size;
  r->copy = (unsigned char*)malloc(r->size);
  if (r->copy == NULL) return -1;
  memcpy(r->copy, begin, r->size);
  return 0;
}

static void user_globals_reset(void) {
  if (saved_state_ == 1) {
    for (int i = 0; i < 2; ++i) memcpy(saved_[i].begin, saved_[i].copy, saved_[i].size);
    return;
  }
  if (saved_state_ != 0) return;
  saved_state_ = -1;
  const char* keep = getenv("LASTREF_KERNEL_KEEP_GLOBALS");
  if (keep != NULL && strcmp(keep, "1") == 0) return;
  /* Addresses as integers: the markers are distinct objects. */
  const uintptr_t d0 = (uintptr_t)lastref_user_data_begin, d1 = (uintptr_t)lastref_user_data_end;
  const uintptr_t b0 = (uintptr_t)lastref_user_bss_begin, b1 = (uintptr_t)lastref_user_bss_end;
  if (d0 == 0 || d1 == 0 || b0 == 0 || b1 == 0) return;
  /* A linker that did not keep link order: say so instead of copying
   * over someone else's memory. */
  if (d1 <= d0 || b1 <= b0) {
    fprintf(stderr,
            "lastref: the linker did not keep the test's globals between its markers; "
            "globals are NOT reset between runs\n");
    return;
  }
  if (save_range(&saved_[0], lastref_user_data_begin, d1 - d0) != 0 ||
      save_range(&saved_[1], lastref_user_bss_begin, b1 - b0) != 0) {
    fprintf(stderr, "lastref: out of memory saving the test's globals\n");
    exit(2);
  }
  saved_state_ = 1;
}

/* ------------------------------------------------------------ module */

#define MODULE_GOING 0x80000000u

struct module lastref_this_module = {"this_module", 0};

static const struct lastref_loc harness_loc = {"<lastref harness>", 0, "load_module"};

int lastref_linux_reset(void) {
  user_globals_reset();
  lastref_k_label(&lastref_this_module, "THIS_MODULE");
  lastref_k_label(&lastref_this_module.refcnt, "THIS_MODULE.refcnt");
  lastref_k_init(&lastref_this_module.refcnt, 4, 0, &harness_loc);
  if (module_init_fn_ != NULL) return module_init_fn_();
  return 0;
}

static bool lastref_try_module_get_impl(struct module* m, lastref_loc_t loc) {
  if (m == NULL) return true;
  uint32_t v = load32(&m->refcnt, RELAXED, loc);
  for (;;) {
    if ((v & MODULE_GOING) != 0) return false;
    const uint32_t seen = cas32(&m->refcnt, v, v + 1, SEQ_CST, loc);
    if (seen == v) return true;
    v = seen;
  }
}
static void lastref___module_get_impl(struct module* m, lastref_loc_t loc) {
  if (m != NULL) rmw32(&m->refcnt, LASTREF_K_ADD, 1, SEQ_CST, loc);
}
static void lastref_module_put_impl(struct module* m, lastref_loc_t loc) {
  if (m == NULL) return;
  const uint32_t old = rmw32(&m->refcnt, LASTREF_K_SUB, 1, SEQ_CST, loc);
  if ((old & ~MODULE_GOING) == 0) lastref_k_warn(1, "module_put() without a reference", loc);
}
static unsigned int lastref_module_refcount_impl(struct module* m, lastref_loc_t loc) {
  return load32(&m->refcnt, RELAXED, loc) & ~MODULE_GOING;
}

void (*lastref_linux_unload_hook)(int event, int result);

static int lastref_delete_module_at_impl(lastref_loc_t loc) {
  struct module* m = &lastref_this_module;
  /* try_stop_module(): only with no reference held; then it is going, and
   * try_module_get fails from here on. */
  if (cas32(&m->refcnt, 0, MODULE_GOING, SEQ_CST, loc) != 0) return -EBUSY;
  if (module_exit_fn_ != NULL) module_exit_fn_();
  if (lastref_linux_unload_hook != NULL) lastref_linux_unload_hook(LASTREF_UNLOAD_EXITED, 0);
  /* free_module(): the text is gone; a thread still inside it is reported
   * at its next step there. */
  lastref_k_text_unmap(m, loc);
  return 0;
}

/* ------------------------------------------------------------ completion */

static void lastref_init_completion_impl(struct completion* x, lastref_loc_t loc) {
  lastref_k_init(&x->done, 4, 0, loc);
}
static void lastref_reinit_completion_impl(struct completion* x, lastref_loc_t loc) {
  lastref_k_store(&x->done, 4, 0, RELAXED, loc);
}
static void lastref_complete_impl(struct completion* x, lastref_loc_t loc) {
  uint32_t d = load32(&x->done, RELAXED, loc);
  for (;;) {
    if (d == UINT_MAX) break;
    const uint32_t seen = cas32(&x->done, d, d + 1, RELEASE, loc);
    if (seen == d) break;
    d = seen;
  }
  lastref_k_futex_wake(&x->done, 1, loc);
}
static void lastref_complete_all_impl(struct completion* x, lastref_loc_t loc) {
  rmw32(&x->done, LASTREF_K_XCHG, UINT_MAX, RELEASE, loc);
  lastref_k_futex_wake(&x->done, 1, loc);
}
static bool lastref_try_wait_for_completion_impl(struct completion* x, lastref_loc_t loc) {
  uint32_t d = load32(&x->done, ACQUIRE, loc);
  for (;;) {
    if (d == 0) return false;
    if (d == UINT_MAX) return true;
    const uint32_t seen = cas32(&x->done, d, d - 1, ACQUIRE, loc);
    if (seen == d) return true;
    d = seen;
  }
}
static void lastref_wait_for_completion_impl(struct completion* x, lastref_loc_t loc) {
  while (!lastref_try_wait_for_completion(x, loc)) lastref_k_futex_wait(&x->done, 0, loc);
}
static unsigned long lastref_wait_for_completion_timeout_impl(struct completion* x,
                                                              unsigned long timeout,
                                                              lastref_loc_t loc) {
  if (timeout >= (unsigned long)MAX_SCHEDULE_TIMEOUT) {
    lastref_wait_for_completion_impl(x, loc);
    return timeout;
  }
  const uint64_t ns = (uint64_t)timeout * (1000000000u / HZ);
  for (;;) {
    if (lastref_try_wait_for_completion(x, loc)) return timeout > 0 ? timeout : 1;
    /* Timed out: as the kernel, a done that arrived meanwhile is still
     * taken (and counts as completed); otherwise 0, done untouched. */
    if (timeout == 0 || lastref_k_futex_wait_timeout(&x->done, 0, ns, loc) == 0)
      return lastref_try_wait_for_completion(x, loc) ? 1 : 0;
  }
}
static bool lastref_completion_done_impl(struct completion* x, lastref_loc_t loc) {
  return load32(&x->done, ACQUIRE, loc) != 0;
}

/* ------------------------------------------------------------ locks */

static void lastref_lock_init_impl(unsigned int* w, lastref_loc_t loc) {
  lastref_k_init(w, 4, 0, loc);
}
static bool lastref_trylock_impl(unsigned int* w, lastref_loc_t loc) {
  return cas32(w, 0, 1, ACQUIRE, loc) == 0;
}
static void lastref_lock_impl(unsigned int* w, lastref_loc_t loc) {
  if (cas32(w, 0, 1, ACQUIRE, loc) == 0) return;
  /* Contended: mark waiters (2) and sleep until the holder hands over. */
  while (rmw32(w, LASTREF_K_XCHG, 2, ACQUIRE, loc) != 0) lastref_k_futex_wait(w, 2, loc);
}
static void lastref_unlock_impl(unsigned int* w, lastref_loc_t loc) {
  if (rmw32(w, LASTREF_K_XCHG, 0, RELEASE, loc) == 2) lastref_k_futex_wake(w, 0, loc);
}
static bool lastref_is_locked_impl(unsigned int* w, lastref_loc_t loc) {
  return load32(w, RELAXED, loc) != 0;
}

/* ------------------------------------------------------------ wait queues */

static void lastref_init_waitqueue_head_impl(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_init(&wq->waiters, 4, 0, loc);
  lastref_k_init(&wq->seq, 4, 0, loc);
}
/* A kthread records the queue word it may sleep on before the barrier that
 * precedes its condition check, so kthread_stop (store should_stop, barrier,
 * read this) either sees it and wakes the queue, or the kthread's condition
 * sees the stop request (store buffering, forbidden by the two smp_mb()). */
static void set_sleeping_on(void* word, lastref_loc_t loc) {
  struct task_struct* t = (struct task_struct*)*lastref_k_current_task();
  if (t != NULL)
    lastref_k_store(&t->sleeping_on, (int)sizeof(void*), (uintptr_t)word, RELAXED, loc);
}

static unsigned int lastref_wait_prepare_impl(wait_queue_head_t* wq, lastref_loc_t loc) {
  rmw32(&wq->waiters, LASTREF_K_ADD, 1, RELAXED, loc); /* __add_wait_queue */
  set_sleeping_on(&wq->seq, loc);
  const unsigned int s = load32(&wq->seq, ACQUIRE, loc);
  lastref_k_fence(SEQ_CST, loc); /* set_current_state(): smp_store_mb */
  return s;
}
static void lastref_wait_finish_impl(wait_queue_head_t* wq, lastref_loc_t loc) {
  set_sleeping_on(NULL, loc);
  rmw32(&wq->waiters, LASTREF_K_SUB, 1, RELAXED, loc);
}
static void lastref_wait_sleep_impl(wait_queue_head_t* wq, unsigned int seq, lastref_loc_t loc) {
  lastref_k_futex_wait(&wq->seq, seq, loc);
  lastref_wait_finish(wq, loc);
}
static int lastref_wait_sleep_timeout_impl(wait_queue_head_t* wq, unsigned int seq, long timeout,
                                           lastref_loc_t loc) {
  const uint64_t ns = (uint64_t)timeout * (1000000000u / HZ);
  const int r = lastref_k_futex_wait_timeout(&wq->seq, seq, ns, loc);
  lastref_wait_finish(wq, loc);
  return r;
}
static void lastref_wake_up_impl(wait_queue_head_t* wq, lastref_loc_t loc) {
  rmw32(&wq->seq, LASTREF_K_ADD, 1, ACQ_REL, loc); /* under wq->lock */
  lastref_k_futex_wake(&wq->seq, 1, loc);
}
static bool lastref_waitqueue_active_impl(wait_queue_head_t* wq, lastref_loc_t loc) {
  return load32(&wq->waiters, RELAXED, loc) != 0; /* list_empty(): a plain read */
}

/* ------------------------------------------------------------ kthreads */

struct task_struct* lastref_kthread_create(int (*fn)(void*), void* data, const char* name,
                                           lastref_loc_t loc) {
  struct task_struct* t = (struct task_struct*)lastref_k_malloc(sizeof *t, 1, loc);
  t->threadfn = fn;
  t->data = data;
  t->comm = name;
  lastref_k_label(t, "task_struct");
  lastref_k_init(&t->should_stop, 4, 0, loc);
  lastref_k_init(&t->exited, 4, 0, loc);
  lastref_k_init(&t->result, 4, 0, loc);
  lastref_k_init(&t->sleeping_on, (int)sizeof(void*), 0, loc);
  return t;
}

static void kthread_entry(void* arg) {
  struct task_struct* t = (struct task_struct*)arg;
  *lastref_k_current_task() = t;
  const int r = t->threadfn(t->data);
  static const struct lastref_loc ret = {"<kthread>", 0, "kthread"};
  lastref_kthread_exit(r, &ret);
}

static int lastref_wake_up_process_impl(struct task_struct* t, lastref_loc_t loc) {
  return lastref_k_spawn(kthread_entry, t, loc);
}
static bool lastref_kthread_should_stop_impl(lastref_loc_t loc) {
  struct task_struct* t = (struct task_struct*)*lastref_k_current_task();
  return t != NULL && load32(&t->should_stop, ACQUIRE, loc) != 0;
}
static int lastref_kthread_stop_impl(struct task_struct* t, lastref_loc_t loc) {
  lastref_k_store(&t->should_stop, 4, 1, RELEASE, loc);
  lastref_k_fence(SEQ_CST, loc);
  /* wake_up_process(): out of wait_event, to re-evaluate its condition */
  void* word = (void*)(uintptr_t)lastref_k_load(&t->sleeping_on, (int)sizeof(void*), ACQUIRE, loc);
  if (word != NULL) {
    rmw32(word, LASTREF_K_ADD, 1, ACQ_REL, loc);
    lastref_k_futex_wake(word, 1, loc);
  }
  while (load32(&t->exited, ACQUIRE, loc) == 0) lastref_k_futex_wait(&t->exited, 0, loc);
  return (int)load32(&t->result, RELAXED, loc);
}
__attribute__((noreturn)) static void lastref_kthread_exit_impl(long code, lastref_loc_t loc) {
  struct task_struct* t = (struct task_struct*)*lastref_k_current_task();
  if (t != NULL) {
    lastref_k_store(&t->result, 4, (uint32_t)code, RELAXED, loc);
    lastref_k_store(&t->exited, 4, 1, RELEASE, loc);
    lastref_k_futex_wake(&t->exited, 1, loc);
  }
  lastref_k_thread_exit(loc);
}
__attribute__((noreturn)) static void lastref_kthread_complete_and_exit_impl(struct completion* c,
                                                                             long code,
                                                                             lastref_loc_t loc) {
  if (c != NULL) lastref_complete(c, loc);
  lastref_kthread_exit(code, loc);
}
__attribute__((noreturn)) static void lastref_module_put_and_kthread_exit_impl(long code,
                                                                               lastref_loc_t loc) {
  lastref_module_put(&lastref_this_module, loc);
  lastref_kthread_exit(code, loc);
}

/* ------------------------------------------------------------ builtin entry points */

bool lastref_try_module_get(struct module* m, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_try_module_get_impl(m, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref___module_get(struct module* m, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref___module_get_impl(m, loc);
  lastref_k_builtin_leave();
}

void lastref_module_put(struct module* m, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_module_put_impl(m, loc);
  lastref_k_builtin_leave();
}

unsigned int lastref_module_refcount(struct module* m, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  unsigned int r = lastref_module_refcount_impl(m, loc);
  lastref_k_builtin_leave();
  return r;
}

int lastref_delete_module_at(lastref_loc_t loc) {
  lastref_k_builtin_enter();
  if (lastref_linux_unload_hook != NULL) lastref_linux_unload_hook(LASTREF_UNLOAD_ENTER, 0);
  int r = lastref_delete_module_at_impl(loc);
  if (lastref_linux_unload_hook != NULL) lastref_linux_unload_hook(LASTREF_UNLOAD_RETURN, r);
  lastref_k_builtin_leave();
  return r;
}

void lastref_init_completion(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_init_completion_impl(x, loc);
  lastref_k_builtin_leave();
}

void lastref_reinit_completion(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_reinit_completion_impl(x, loc);
  lastref_k_builtin_leave();
}

void lastref_complete(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_complete_impl(x, loc);
  lastref_k_builtin_leave();
}

void lastref_complete_all(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_complete_all_impl(x, loc);
  lastref_k_builtin_leave();
}

bool lastref_try_wait_for_completion(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_try_wait_for_completion_impl(x, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_wait_for_completion(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_wait_for_completion_impl(x, loc);
  lastref_k_builtin_leave();
}

unsigned long lastref_wait_for_completion_timeout(struct completion* x, unsigned long timeout,
                                                  lastref_loc_t loc) {
  lastref_k_builtin_enter();
  unsigned long r = lastref_wait_for_completion_timeout_impl(x, timeout, loc);
  lastref_k_builtin_leave();
  return r;
}

bool lastref_completion_done(struct completion* x, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_completion_done_impl(x, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_lock_init(unsigned int* w, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_lock_init_impl(w, loc);
  lastref_k_builtin_leave();
}

bool lastref_trylock(unsigned int* w, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_trylock_impl(w, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_lock(unsigned int* w, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_lock_impl(w, loc);
  lastref_k_builtin_leave();
}

void lastref_unlock(unsigned int* w, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_unlock_impl(w, loc);
  lastref_k_builtin_leave();
}

bool lastref_is_locked(unsigned int* w, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_is_locked_impl(w, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_init_waitqueue_head(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_init_waitqueue_head_impl(wq, loc);
  lastref_k_builtin_leave();
}

unsigned int lastref_wait_prepare(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  unsigned int r = lastref_wait_prepare_impl(wq, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_wait_finish(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_wait_finish_impl(wq, loc);
  lastref_k_builtin_leave();
}

void lastref_wait_sleep(wait_queue_head_t* wq, unsigned int seq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_wait_sleep_impl(wq, seq, loc);
  lastref_k_builtin_leave();
}

int lastref_wait_sleep_timeout(wait_queue_head_t* wq, unsigned int seq, long timeout,
                               lastref_loc_t loc) {
  lastref_k_builtin_enter();
  int r = lastref_wait_sleep_timeout_impl(wq, seq, timeout, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_wake_up(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_wake_up_impl(wq, loc);
  lastref_k_builtin_leave();
}

bool lastref_waitqueue_active(wait_queue_head_t* wq, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_waitqueue_active_impl(wq, loc);
  lastref_k_builtin_leave();
  return r;
}

int lastref_wake_up_process(struct task_struct* t, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  int r = lastref_wake_up_process_impl(t, loc);
  lastref_k_builtin_leave();
  return r;
}

bool lastref_kthread_should_stop(lastref_loc_t loc) {
  lastref_k_builtin_enter();
  bool r = lastref_kthread_should_stop_impl(loc);
  lastref_k_builtin_leave();
  return r;
}

int lastref_kthread_stop(struct task_struct* t, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  int r = lastref_kthread_stop_impl(t, loc);
  lastref_k_builtin_leave();
  return r;
}

void lastref_kthread_exit(long code, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_kthread_exit_impl(code, loc);
}

void lastref_kthread_complete_and_exit(struct completion* c, long code, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_kthread_complete_and_exit_impl(c, code, loc);
}

void lastref_module_put_and_kthread_exit(long code, lastref_loc_t loc) {
  lastref_k_builtin_enter();
  lastref_module_put_and_kthread_exit_impl(code, loc);
}
