/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_MODULE_H
#define LASTREF_LINUX_MODULE_H
/*
 * struct module, THIS_MODULE, try_module_get / module_put, module_init /
 * module_exit (include/linux/module.h, kernel/module/main.c).
 *
 * The module's state: try_module_get() fails once unloading began (the
 * module is going), else takes a reference (fully ordered on success);
 * module_put() drops one (fully ordered; a put with no reference WARNs).
 * Unloading (lastref_delete_module() from a test thread, the model of
 * delete_module(2) with O_NONBLOCK) fails with -EBUSY while references are
 * held, else marks the module going, runs the module_exit function and
 * unmaps the module's text: a thread still executing a function of a module
 * source file is then reported (code residency, kernel/README.md).
 *
 * Differs from the kernel: one module per test binary (THIS_MODULE is the
 * same object in every file); refcount and state share one word, so
 * try_module_get reads both at once (the kernel reads state, then
 * increments); module_init runs before the test's LASTREF_SETUP, alone.
 */
#include <lastref/linux/types.h>

struct module {
  const char* name;    /* first: the module's address is its text's identity */
  unsigned int refcnt; /* bit 31: going; low bits: references */
};

#ifdef __cplusplus
extern "C" {
#endif
extern struct module lastref_this_module;
bool lastref_try_module_get(struct module* m, lastref_loc_t loc);
void lastref___module_get(struct module* m, lastref_loc_t loc);
void lastref_module_put(struct module* m, lastref_loc_t loc);
unsigned int lastref_module_refcount(struct module* m, lastref_loc_t loc);
void lastref_register_module_init(int (*fn)(void));
void lastref_register_module_exit(void (*fn)(void));
/* delete_module(2): 0, or -EBUSY while references are held. */
int lastref_delete_module_at(lastref_loc_t loc);
#ifdef __cplusplus
}
#endif

#define THIS_MODULE (&lastref_this_module)
#define try_module_get(m) lastref_try_module_get((m), LASTREF_LOC)
#define __module_get(m) lastref___module_get((m), LASTREF_LOC)
#define module_put(m) lastref_module_put((m), LASTREF_LOC)
#define module_refcount(m) lastref_module_refcount((m), LASTREF_LOC)
#define lastref_delete_module() lastref_delete_module_at(LASTREF_LOC)

#define module_init(fn)                                                                       \
  __attribute__((constructor, no_instrument_function)) static void lastref_minit_##fn(void) { \
    lastref_register_module_init(fn);                                                         \
  }
#define module_exit(fn)                                                                       \
  __attribute__((constructor, no_instrument_function)) static void lastref_mexit_##fn(void) { \
    lastref_register_module_exit(fn);                                                         \
  }
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define __init
#define __exit

#endif
