/* SPDX-License-Identifier: MIT */
/* A module kthread serving kicks (stop_core.c) until kthread_stop(): it sleeps in
 * wait_event on a condition that includes kthread_should_stop(), and the
 * module exit stops it (kthread_stop must wake it) and checks its result. */
#include <lastref/linux/bug.h>
#include <lastref/linux/compiler.h>
#include <lastref/linux/kthread.h>
#include <lastref/linux/wait.h>

#include "stop.h"

static struct task_struct* task;

static int serve(void* data) {
  (void)data;
  while (!kthread_should_stop()) {
    wait_event(stop_wq, READ_ONCE(stop_kicks) != 0 || kthread_should_stop());
    WRITE_ONCE(stop_kicks, 0);
  }
  return 7;
}

static int __init stop_init(void) {
  init_waitqueue_head(&stop_wq);
  WRITE_ONCE(stop_kicks, 0);
  task = kthread_run(serve, NULL, "serve");
  return IS_ERR(task) ? -EAGAIN : 0;
}

static void __exit stop_exit(void) { WARN_ON(kthread_stop(task) != 7); }

module_init(stop_init);
module_exit(stop_exit);
