// SPDX-License-Identifier: MIT
#pragma once
// Registration must fail: a module whose residency_scope cannot be entered
// from the module (the scenarios and the suite write `scope s(m)`).
#include <functional>

#include <lastref/module.h>

namespace reject {
template <class P>
struct module {
  struct residency_scope {};
  module(const char*, std::function<void()>, lastref::unload_policy) {}
  module(const module&) = delete;
  lastref::module_state state() const { return lastref::module_state::live; }
  int refcount() const { return 0; }
  const void* text() const { return this; }
  void mark_live() {}
  bool try_get() { return true; }
  void get() {}
  void put() {}
  lastref::unload_result unload() { return lastref::unload_result::ok; }
  lastref::unload_result unload(lastref::unload_flags) { return lastref::unload_result::ok; }
};
}  // namespace reject
