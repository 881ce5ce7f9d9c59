/* SPDX-License-Identifier: MIT */
#include <lastref/linux/completion.h>
#include <lastref/linux/kref.h>
#include <lastref/linux/slab.h>
struct job {
  struct kref ref;
  struct completion done;
  int result;
};
struct job* job_new(int refs);
void job_finish(struct job* j, int result);
void job_put(struct job* j);
