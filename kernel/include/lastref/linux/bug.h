/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_BUG_H
#define LASTREF_LINUX_BUG_H
/*
 * WARN_ON / BUG_ON: a failure of kind `invariant` under the model (naming
 * the line), a message on real threads (BUG_ON also aborts there).
 * Differs from the kernel: WARN_ON stops the model's execution.
 */
#include <lastref/linux/types.h>

#define WARN_ON(cond)                                                     \
  ({                                                                      \
    const bool lastref_w_ = !!(cond);                                     \
    if (lastref_w_) lastref_k_warn(0, "WARN_ON(" #cond ")", LASTREF_LOC); \
    lastref_w_;                                                           \
  })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define BUG_ON(cond)                                               \
  do {                                                             \
    if (cond) lastref_k_warn(2, "BUG_ON(" #cond ")", LASTREF_LOC); \
  } while (0)
#define BUG() lastref_k_warn(2, "BUG()", LASTREF_LOC)

#endif
