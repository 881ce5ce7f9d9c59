/* SPDX-License-Identifier: MIT */
/* A module with a worker kthread that signals its end with complete() and
 * then returns: the return runs module text after the module exit, woken
 * by the completion, may have finished the unload. */
#include <lastref/linux/kthread.h>

static struct completion worker_done;
static int work_items;

static int worker(void* data) {
  (void)data;
  work_items++;
  complete(&worker_done);
  return 0;
}

static int __init w_init(void) {
  init_completion(&worker_done);
  work_items = 0;
  kthread_run(worker, NULL, "worker");
  return 0;
}

static void __exit w_exit(void) { wait_for_completion(&worker_done); }

module_init(w_init);
module_exit(w_exit);
