// SPDX-License-Identifier: MIT
#pragma once
// lastref::source_loc — where a platform operation was issued from.
//
// std::source_location needs __builtin_source_location, which clang 14 does
// not have, so this is the portable subset built on the GCC/clang builtins.
// A defaulted `source_loc loc = source_loc::current()` parameter captures the
// caller's position at zero cost; std_platform never takes one, the model
// platform takes one on every operation so that traces name the line in the
// primitive that performed the step.

namespace lastref {

struct source_loc {
  const char* file = "?";
  unsigned line = 0;
  const char* function = "?";

  static constexpr source_loc current(const char* file = __builtin_FILE(),
                                      unsigned line = __builtin_LINE(),
                                      const char* function = __builtin_FUNCTION()) noexcept {
    return source_loc{file, line, function};
  }
};

}  // namespace lastref
