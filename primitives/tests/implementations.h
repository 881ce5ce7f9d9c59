#pragma once
// The implementations every typed unit-test suite runs over. Adding an
// implementation of a primitive is one line in its list.

#include <gtest/gtest.h>

#include "lastref/completion.h"
#include "lastref/kref.h"
#include "lastref/module.h"
#include "lastref/refcount.h"

namespace lastref::test {

using refcount_implementations = ::testing::Types<basic_refcount<std_platform>>;
using kref_implementations = ::testing::Types<basic_kref<std_platform>>;
using completion_implementations = ::testing::Types<basic_completion<std_platform>>;
using module_implementations = ::testing::Types<basic_module<std_platform>>;

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

}  // namespace lastref::test
