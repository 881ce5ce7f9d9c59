// SPDX-License-Identifier: MIT
#pragma once
// lastref concepts — exactly which operations each kind of primitive must
// have for lastref's harnesses (fuzz interpreter, conformance suites, stress
// jobs, benchmarks) to drive it. A user's primitive is checked against them
// by lastref_add_primitive (cmake/LastrefAddPrimitive.cmake), so a missing
// operation is a compile error that names the concept and the expression.
//
// Contract: every concept takes a concrete type (a class template already
// instantiated over a Platform, e.g. my_kref<lastref::std_platform>); the
// *_template forms take the class template itself and check it over
// std_platform. Two levels per counting kind:
//   refcount_primitive — what the harnesses need: one reference at construction
//               (or n with R(n)), set, read, inc, inc_not_zero, dec_and_test.
//   kernel_refcount_primitive — all of Linux refcount_t as lastref::basic_refcount has
//               it (add/sub forms, dec, dec_if_one, dec_not_one, dec_and_lock,
//               the saturated/max constants); the conformance suite then also
//               runs the saturation (LKDTM) cases, which need its semantics.
//   kref_primitive — read, get, get_unless_zero, put(release), put_mutex(release,
//               lock); release is called as release(kref&).
//   kernel_kref_primitive — plus init() and put_lock(release, lock), and refcount_t's
//               saturation reporting (a get on 0 reports add_uaf).
//   completion_primitive — complete, complete_all, wait, wait_for(duration) -> bool,
//               try_wait, done, reinit. (The conformance suite also rebinds
//               the type's platform, so it must be a template over one.)
//   module_primitive — basic_module's lifecycle API; fuzzing a module additionally
//               needs fuzzable_module_primitive (derived from lastref::basic_module,
//               because the builtin safe-exit helpers take one).
// Every kind is non-copyable, as lastref's own primitives are.
//
// Lifetime rule: none; concepts only.
//
// Memory ordering: not expressible as a concept; the fuzzer, the TSan stress
// jobs and the conformance suites check it.

#include <chrono>
#include <concepts>
#include <functional>
#include <mutex>

#include "completion.h"
#include "kref.h"
#include "module.h"
#include "platform.h"
#include "refcount.h"

namespace lastref {

namespace detail {
// A release callable for kref::put in requires-expressions.
template <class K>
struct release_probe {
  void operator()(K&) const noexcept {}
};
}  // namespace detail

template <class T>
concept non_copyable_primitive = !std::copy_constructible<T>;

template <class R>
concept refcount_primitive = non_copyable_primitive<R> && std::default_initializable<R> &&
    std::constructible_from<R, int> && requires(R& r, const R& cr, int n) {
  { cr.read() } -> std::convertible_to<int>;
  r.set(n);
  r.inc();
  { r.inc_not_zero() } -> std::same_as<bool>;
  { r.dec_and_test() } -> std::same_as<bool>;
};

template <class R>
concept kernel_refcount_primitive = refcount_primitive<R> && requires(R& r, int n, std::mutex& m) {
  { R::saturated } -> std::convertible_to<int>;
  { R::max } -> std::convertible_to<int>;
  r.add(n);
  { r.add_not_zero(n) } -> std::same_as<bool>;
  { r.sub_and_test(n) } -> std::same_as<bool>;
  r.dec();
  { r.dec_if_one() } -> std::same_as<bool>;
  { r.dec_not_one() } -> std::same_as<bool>;
  { r.dec_and_lock(m) } -> std::same_as<bool>;
  { r.dec_and_mutex_lock(m) } -> std::same_as<bool>;
};

template <class K>
concept kref_primitive = non_copyable_primitive<K> && std::default_initializable<K> &&
    requires(K& k, const K& ck, detail::release_probe<K> release, std::mutex& m) {
  { ck.read() } -> std::convertible_to<unsigned int>;
  k.get();
  { k.get_unless_zero() } -> std::same_as<bool>;
  { k.put(release) } -> std::same_as<bool>;
  { k.put_mutex(release, m) } -> std::same_as<bool>;
};

template <class K>
concept kernel_kref_primitive = kref_primitive<K> &&
    requires(K& k, detail::release_probe<K> release, std::mutex& m) {
  k.init();
  { k.put_lock(release, m) } -> std::same_as<bool>;
};

template <class C>
concept completion_primitive = non_copyable_primitive<C> && std::default_initializable<C> &&
    requires(C& c, const C& cc, std::chrono::milliseconds timeout) {
  c.complete();
  c.complete_all();
  c.wait();
  { c.wait_for(timeout) } -> std::same_as<bool>;
  { c.try_wait() } -> std::same_as<bool>;
  { cc.done() } -> std::same_as<bool>;
  c.reinit();
};

template <class M>
concept module_primitive = non_copyable_primitive<M> &&
    std::constructible_from<M, const char*, std::function<void()>, unload_policy> &&
    requires(M& m, const M& cm, unload_flags flags) {
  typename M::residency_scope;
  requires std::constructible_from<typename M::residency_scope, M&>;
  { cm.state() } -> std::same_as<module_state>;
  { cm.refcount() } -> std::convertible_to<int>;
  { cm.text() } -> std::same_as<const void*>;
  m.mark_live();
  { m.try_get() } -> std::same_as<bool>;
  m.get();
  m.put();
  { m.unload() } -> std::same_as<unload_result>;
  { m.unload(flags) } -> std::same_as<unload_result>;
};

template <class M>
concept fuzzable_module_primitive = module_primitive<M> && requires {
  typename M::platform_type;
} && std::derived_from<M, basic_module<typename M::platform_type>>;

// The same, for a class template over a Platform (checked over std_platform).
template <template <class> class R>
concept refcount_template = refcount_primitive<R<std_platform>>;
template <template <class> class K>
concept kref_template = kref_primitive<K<std_platform>>;
template <template <class> class C>
concept completion_template = completion_primitive<C<std_platform>>;
template <template <class> class M>
concept module_template = module_primitive<M<std_platform>>;

static_assert(kernel_refcount_primitive<basic_refcount<std_platform>>);
static_assert(kernel_kref_primitive<basic_kref<std_platform>>);
static_assert(completion_primitive<basic_completion<std_platform>>);
static_assert(fuzzable_module_primitive<basic_module<std_platform>>);
static_assert(refcount_template<basic_refcount> && kref_template<basic_kref> &&
              completion_template<basic_completion> && module_template<basic_module>);

}  // namespace lastref
