// SPDX-License-Identifier: MIT
#pragma once
// my::drained_module — a user's module type: lastref's module protocol with
// drain-residency unload as the default policy. A module kind is fuzzed only
// when it derives from lastref::basic_module<P> (the builtin safe-exit
// helpers the scenarios use take one); this is the smallest such type.
//
// Lifetime and memory ordering: those of lastref::basic_module.
#include <functional>
#include <utility>

#include <lastref/module.h>

namespace my {

template <class P>
class drained_module : public lastref::basic_module<P> {
 public:
  drained_module(const char* name, std::function<void()> exit,
                 lastref::unload_policy policy = lastref::unload_policy::drain_residency)
      : lastref::basic_module<P>(name, std::move(exit), policy) {}
};

}  // namespace my
