// SPDX-License-Identifier: MIT
#pragma once
// Two user lookup structures (lastref/byo/lookup.h) for the TABLE tests: a
// linked list of (key, object) nodes under one lock, correct; and the same
// list whose lookup takes the reference after dropping the lock, the
// kobject bug that lookup-under-lock exists to prevent (the object may be
// released and freed between the two). Both are registered with lastref's
// own kref, so a finding is the table's.
//
// Lifetime rule: nodes are made in publish and destroyed in unlink or by
// the destructor; the list never frees an object.
//
// Memory ordering: every field is a P::cell guarded by lock_ (the model
// checks it); no atomics.
#include <lastref/kref.h>

namespace byo_tables {

template <class P, class T, bool GetOutsideLock>
class basic_list_table {
  struct node {
    typename P::template cell<int> key;
    typename P::template cell<T*> obj;
    typename P::template cell<node*> next;
  };

 public:
  basic_list_table() = default;
  basic_list_table(const basic_list_table&) = delete;
  ~basic_list_table() {
    for (node* n = head_.read(); n != nullptr;) {
      node* next = n->next.read();
      P::destroy(n);
      n = next;
    }
  }
  void publish(int key, T* obj) {
    node* n = P::template make<node>();
    n->key.write(key);
    n->obj.write(obj);
    lock_.lock();
    n->next.write(head_.read());
    head_.write(n);
    lock_.unlock();
  }
  template <class Found>
  void lookup(int key, Found&& found) {
    lock_.lock();
    T* obj = nullptr;
    for (node* n = head_.read(); n != nullptr; n = n->next.read())
      if (n->key.read() == key) obj = n->obj.read();
    if constexpr (GetOutsideLock) {
      lock_.unlock();  // BUG: obj may be released and freed before found() runs
      if (obj != nullptr) found(obj);
    } else {
      if (obj != nullptr) found(obj);
      lock_.unlock();
    }
  }
  typename P::mutex& lock() { return lock_; }
  void unlink(int key, T* obj, bool locked) {
    if (!locked) lock_.lock();
    typename P::template cell<node*>* link = &head_;
    for (node* n = link->read(); n != nullptr; n = link->read()) {
      if (n->key.read() == key && n->obj.read() == obj) {
        link->write(n->next.read());
        P::destroy(n);
        break;
      }
      link = &n->next;
    }
    lock_.unlock();
  }

 private:
  typename P::mutex lock_;
  typename P::template cell<node*> head_{nullptr};  // guarded by lock_
};

template <class P, class T>
using list_table = basic_list_table<P, T, false>;
template <class P, class T>
using get_outside_lock_table = basic_list_table<P, T, true>;

}  // namespace byo_tables
