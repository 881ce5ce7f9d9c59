// SPDX-License-Identifier: MIT
#pragma once
// The implementations every typed unit-test suite runs over. Adding an
// implementation of a primitive is one line in its list.
//
// The suites double as the conformance tests of a user's primitive
// (lastref_add_primitive, cmake/LastrefAddPrimitive.cmake): compiled with
// LASTREF_CONFORMANCE_HEADER="user.h" and LASTREF_CONFORMANCE_<KIND>=tmpl
// (a class template over a Platform), that kind's list is the user's type
// alone. Tests of operations a type does not have (concepts.h: kernel_*;
// completion_test.cc and module_test.cc: lastref's own extras, e.g.
// waiters() or residents()) are skipped for it, never weakened.

#include <gtest/gtest.h>

#include "lastref/completion.h"
#include "lastref/concepts.h"
#include "lastref/kref.h"
#include "lastref/module.h"
#include "lastref/refcount.h"

#ifdef LASTREF_CONFORMANCE_HEADER
#include LASTREF_CONFORMANCE_HEADER
#endif

namespace lastref::test {

#ifdef LASTREF_CONFORMANCE_REFCOUNT
using refcount_implementations = ::testing::Types<LASTREF_CONFORMANCE_REFCOUNT<std_platform>>;
#else
using refcount_implementations = ::testing::Types<basic_refcount<std_platform>>;
#endif
#ifdef LASTREF_CONFORMANCE_KREF
using kref_implementations = ::testing::Types<LASTREF_CONFORMANCE_KREF<std_platform>>;
#else
using kref_implementations = ::testing::Types<basic_kref<std_platform>>;
#endif
#ifdef LASTREF_CONFORMANCE_COMPLETION
using completion_implementations = ::testing::Types<LASTREF_CONFORMANCE_COMPLETION<std_platform>>;
#else
using completion_implementations = ::testing::Types<basic_completion<std_platform>>;
#endif
#ifdef LASTREF_CONFORMANCE_MODULE
using module_implementations = ::testing::Types<LASTREF_CONFORMANCE_MODULE<std_platform>>;
#else
using module_implementations = ::testing::Types<basic_module<std_platform>>;
#endif

// rebind_platform_t<basic_completion<std_platform>, P> is basic_completion<P>:
// lets a typed test run any implementation over a test platform.
template <class Impl, class P>
struct rebind_platform;
template <template <class> class X, class Q, class P>
struct rebind_platform<X<Q>, P> {
  using type = X<P>;
};
template <class Impl, class P>
using rebind_platform_t = typename rebind_platform<Impl, P>::type;

// platform_of_t<X<P>> is P: the platform of any listed implementation, which
// (unlike platform_type) every one has.
template <class Impl>
struct platform_of;
template <template <class> class X, class P>
struct platform_of<X<P>> {
  using type = P;
};
template <class Impl>
using platform_of_t = typename platform_of<Impl>::type;

}  // namespace lastref::test
