// SPDX-License-Identifier: MIT
#include <lastref/kernel_test.h>

struct my_obj;
extern struct my_obj* the_obj;
void my_obj_put(struct my_obj* o);

LASTREF_THREAD(user) { my_obj_put(the_obj); }
LASTREF_THREAD(unloader) { LASTREF_ASSERT(lastref_delete_module() == 0); }
