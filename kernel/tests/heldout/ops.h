/* SPDX-License-Identifier: MIT */
#ifndef HELDOUT_OPS_H
#define HELDOUT_OPS_H
struct my_ops {
  void (*handler)(void);
};
void subsys_reset(void);
void subsys_register(struct my_ops* ops);
void subsys_unregister(void);
void subsys_event(void);
#endif
