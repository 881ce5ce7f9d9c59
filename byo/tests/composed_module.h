// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo_test::composed_module — a module kind with exactly
// module_primitive's operations (concepts.h) and nothing of basic_module's
// extras: it holds a basic_module instead of deriving from one. It shows the
// module conformance suite compiles for any module_primitive and runs its
// Linux-semantics cases on it, skipping (never weakening) the cases that
// need basic_module itself (name(), residents(), the safe-exit helpers, the
// Platform text hooks). Not fuzzable: the fuzz scenarios need a basic_module.
//
// Lifetime rule and memory ordering: those of lastref::basic_module, to
// which every operation forwards.
#include <functional>
#include <utility>

#include <lastref/module.h>

namespace lastref::byo_test {

template <class P>
class composed_module {
 public:
  // Holds the inner module's scope; deliberately without active()/end().
  class residency_scope {
   public:
    explicit residency_scope(composed_module& m) : inner_(m.inner_) {}
    residency_scope(const residency_scope&) = delete;
    residency_scope& operator=(const residency_scope&) = delete;

   private:
    typename basic_module<P>::residency_scope inner_;
  };

  composed_module(const char* name, std::function<void()> exit, unload_policy policy)
      : inner_(name, std::move(exit), policy) {}
  composed_module(const composed_module&) = delete;
  composed_module& operator=(const composed_module&) = delete;

  [[nodiscard]] module_state state() const { return inner_.state(); }
  [[nodiscard]] int refcount() const { return inner_.refcount(); }
  [[nodiscard]] const void* text() const { return inner_.text(); }
  void mark_live() { inner_.mark_live(); }
  [[nodiscard]] bool try_get() { return inner_.try_get(); }
  void get() { inner_.get(); }
  void put() { inner_.put(); }
  unload_result unload() { return inner_.unload(); }
  unload_result unload(unload_flags flags) { return inner_.unload(flags); }

 private:
  basic_module<P> inner_;
};

}  // namespace lastref::byo_test
