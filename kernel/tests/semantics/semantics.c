/* SPDX-License-Identifier: MIT */
/* The kernel API's documented semantics, checked in one thread (one model
 * execution; the same file runs on real threads): kref_put's return value,
 * refcount saturation, completion's done counter and complete_all,
 * try_module_get while the module is going, atomic_t and atomic64_t return
 * values, locks,
 * READ_ONCE / smp_load_acquire round trips, list.h. */
#include <lastref/kernel_test.h>
#include <lastref/linux/atomic.h>
#include <lastref/linux/barrier.h>
#include <lastref/linux/completion.h>
#include <lastref/linux/kref.h>
#include <lastref/linux/list.h>
#include <lastref/linux/module.h>
#include <lastref/linux/mutex.h>
#include <lastref/linux/slab.h>
#include <lastref/linux/spinlock.h>

static int released;
static void count_release(struct kref* k) {
  (void)k;
  released++;
}

/* A stack atomic initialised by plain C, its address reused by the next call. */
static int stack_atomic(void) {
  atomic_t v = ATOMIC_INIT(3);
  return atomic_inc_return(&v);
}

struct item {
  int v;
  struct list_head node;
};

LASTREF_THREAD(semantics) {
  /* kref: 1 on the put that released, 0 otherwise; get_unless_zero fails at 0 */
  struct kref* k = kmalloc(sizeof(*k), GFP_KERNEL);
  kref_init(k);
  kref_get(k);
  LASTREF_ASSERT(kref_read(k) == 2);
  released = 0;
  LASTREF_ASSERT(kref_put(k, count_release) == 0);
  LASTREF_ASSERT(released == 0);
  LASTREF_ASSERT(kref_put(k, count_release) == 1);
  LASTREF_ASSERT(released == 1);
  LASTREF_ASSERT(!kref_get_unless_zero(k));
  kfree(k);

  /* atomic_t: value-returning forms return new / old values */
  atomic_t a = ATOMIC_INIT(5);
  LASTREF_ASSERT(atomic_add_return(2, &a) == 7);
  LASTREF_ASSERT(atomic_fetch_sub(3, &a) == 7);
  LASTREF_ASSERT(atomic_read(&a) == 4);
  LASTREF_ASSERT(atomic_cmpxchg(&a, 4, 9) == 4);
  LASTREF_ASSERT(atomic_cmpxchg(&a, 4, 1) == 9);
  LASTREF_ASSERT(atomic_xchg(&a, 0) == 9);
  LASTREF_ASSERT(!atomic_inc_not_zero(&a));
  LASTREF_ASSERT(atomic_dec_if_positive(&a) == -1);
  atomic_set(&a, 1);
  LASTREF_ASSERT(atomic_dec_and_test(&a));
  atomic_set(&a, -1);
  LASTREF_ASSERT(atomic_read(&a) == -1);

  LASTREF_ASSERT(stack_atomic() == 4);
  LASTREF_ASSERT(stack_atomic() == 4);

  /* atomic64_t: all 64 bits, signed, the same return conventions */
  atomic64_t b = ATOMIC64_INIT(0x100000000LL);
  LASTREF_ASSERT(atomic64_add_return(0x200000000LL, &b) == 0x300000000LL);
  LASTREF_ASSERT(atomic64_fetch_sub(0x300000001LL, &b) == 0x300000000LL);
  LASTREF_ASSERT(atomic64_read(&b) == -1);
  LASTREF_ASSERT(atomic64_inc_and_test(&b));
  LASTREF_ASSERT(!atomic64_inc_not_zero(&b));
  LASTREF_ASSERT(atomic64_cmpxchg(&b, 0, 1LL << 62) == 0);
  LASTREF_ASSERT(atomic64_xchg(&b, 5) == 1LL << 62);
  s64 old = 4;
  LASTREF_ASSERT(!atomic64_try_cmpxchg(&b, &old, 6) && old == 5);
  LASTREF_ASSERT(atomic64_dec_if_positive(&b) == 4);
  LASTREF_ASSERT(atomic64_fetch_or(0x10, &b) == 4);
  LASTREF_ASSERT(atomic64_dec_return(&b) == 0x13);

  /* completion: a done counter; complete_all stays done until reinit */
  struct completion c;
  init_completion(&c);
  LASTREF_ASSERT(!try_wait_for_completion(&c));
  complete(&c);
  complete(&c);
  wait_for_completion(&c);
  LASTREF_ASSERT(completion_done(&c));
  LASTREF_ASSERT(try_wait_for_completion(&c));
  LASTREF_ASSERT(!completion_done(&c));
  complete_all(&c);
  wait_for_completion(&c);
  wait_for_completion(&c);
  LASTREF_ASSERT(completion_done(&c));
  reinit_completion(&c);
  LASTREF_ASSERT(!completion_done(&c));

  /* module: references block unload; a going module refuses try_module_get */
  LASTREF_ASSERT(try_module_get(THIS_MODULE));
  LASTREF_ASSERT(module_refcount(THIS_MODULE) == 1);
  LASTREF_ASSERT(lastref_delete_module() == -EBUSY);
  module_put(THIS_MODULE);
  LASTREF_ASSERT(lastref_delete_module() == 0);
  LASTREF_ASSERT(!try_module_get(THIS_MODULE));

  /* locks */
  DEFINE_SPINLOCK(sl);
  spin_lock(&sl);
  LASTREF_ASSERT(spin_is_locked(&sl));
  LASTREF_ASSERT(!spin_trylock(&sl));
  spin_unlock(&sl);
  LASTREF_ASSERT(spin_trylock(&sl));
  spin_unlock(&sl);
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  LASTREF_ASSERT(mutex_is_locked(&m));
  mutex_unlock(&m);
  LASTREF_ASSERT(!mutex_is_locked(&m));

  /* ONCE and acquire/release accessors keep the value and the type */
  long big = 0;
  WRITE_ONCE(big, -5L);
  LASTREF_ASSERT(READ_ONCE(big) == -5L);
  int* p = NULL;
  smp_store_release(&p, &released);
  LASTREF_ASSERT(smp_load_acquire(&p) == &released);

  /* list.h */
  LIST_HEAD(head);
  struct item x = {.v = 1}, y = {.v = 2};
  list_add_tail(&x.node, &head);
  list_add_tail(&y.node, &head);
  int sum = 0, n = 0;
  struct item* it;
  list_for_each_entry(it, &head, node) {
    sum = sum * 10 + it->v;
    n++;
  }
  LASTREF_ASSERT(n == 2 && sum == 12);
  list_del(&x.node);
  LASTREF_ASSERT(list_first_entry(&head, struct item, node) == &y);
}
