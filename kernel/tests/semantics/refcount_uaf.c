/* SPDX-License-Identifier: MIT */
/* refcount_inc on 0 is the kernel's "addition on 0; use-after-free" WARN. */
#include <lastref/kernel_test.h>
#include <lastref/linux/refcount.h>

LASTREF_THREAD(inc_on_zero) {
  refcount_t r = REFCOUNT_INIT(1);
  LASTREF_ASSERT(refcount_dec_and_test(&r));
  refcount_inc(&r);
}
