// SPDX-License-Identifier: MIT
// Must NOT compile: a module type without residency scopes.
#include <lastref/concepts.h>

struct no_scope_module {
  no_scope_module(const char*, std::function<void()>, lastref::unload_policy) {}
  no_scope_module(const no_scope_module&) = delete;
  lastref::module_state state() const { return lastref::module_state::live; }
  int refcount() const { return 0; }
  const void* text() const { return this; }
  void mark_live() {}
  bool try_get() { return true; }
  void get() {}
  void put() {}
  lastref::unload_result unload(lastref::unload_flags = {}) { return lastref::unload_result::ok; }
};

static_assert(lastref::module_primitive<no_scope_module>);
