/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_LIST_H
#define LASTREF_LINUX_LIST_H
/*
 * A small include/linux/list.h: circular doubly linked lists with plain
 * accesses (so the model checks them for data races, like any plain access
 * of instrumented C). Differs from the kernel: no poisoning on list_del
 * (the entry's pointers are set to NULL), no RCU variants, no hlist.
 */
#include <lastref/linux/types.h>

struct list_head {
  struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) \
  { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head* l) {
  l->next = l;
  l->prev = l;
}
static inline void lastref_list_add_(struct list_head* n, struct list_head* prev,
                                     struct list_head* next) {
  next->prev = n;
  n->next = next;
  n->prev = prev;
  prev->next = n;
}
static inline void list_add(struct list_head* n, struct list_head* head) {
  lastref_list_add_(n, head, head->next);
}
static inline void list_add_tail(struct list_head* n, struct list_head* head) {
  lastref_list_add_(n, head->prev, head);
}
static inline void list_del(struct list_head* e) {
  e->next->prev = e->prev;
  e->prev->next = e->next;
  e->next = NULL;
  e->prev = NULL;
}
static inline void list_del_init(struct list_head* e) {
  list_del(e);
  INIT_LIST_HEAD(e);
}
static inline int list_empty(const struct list_head* head) { return head->next == head; }

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member)                                           \
  for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
       pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_safe(pos, n, head, member)            \
  for (pos = list_entry((head)->next, __typeof__(*pos), member),  \
      n = list_entry(pos->member.next, __typeof__(*pos), member); \
       &pos->member != (head); pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif
