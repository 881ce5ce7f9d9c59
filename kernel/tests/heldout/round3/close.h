/* SPDX-License-Identifier: MIT */
#include <lastref/linux/atomic.h>
#include <lastref/linux/kref.h>
#include <lastref/linux/slab.h>
struct session {
  struct kref ref;
  atomic_t closed;
  int closed_flag;
};
struct session* session_open(void);
void session_close(struct session* s);
void session_put(struct session* s);
