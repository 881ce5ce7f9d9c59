// SPDX-License-Identifier: MIT
// The bug zoo as fuzzable implementation sets: every `zoo` entry of
// fuzz/zoo_manifest.h, registered under its manifest name and selected only
// with LASTREF_ZOO=<name> (never by default; registry.h). The fixed twins
// are correct code and not registered here: the scorecard catalog runs them.
#include "register_impl.h"
#include "zoo_manifest.h"

namespace lastref::fuzz {
namespace {

[[maybe_unused]] const bool zoo_registered = [] {
  for_each_variant([]<class V>() {
    if constexpr (V::info.kind == variant_kind::zoo)
      register_impl({V::info.name, true, &V::adapt, &run_in_model<V>});
  });
  return true;
}();

}  // namespace
}  // namespace lastref::fuzz
