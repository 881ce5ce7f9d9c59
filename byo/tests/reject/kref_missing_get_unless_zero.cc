// SPDX-License-Identifier: MIT
// Must NOT compile: a kref without get_unless_zero(). The byo.concept_rejects
// test requires the compiler's error to name the concept.
#include <lastref/concepts.h>

template <class P>
struct no_lookup_kref {
  no_lookup_kref() = default;
  no_lookup_kref(const no_lookup_kref&) = delete;
  unsigned read() const { return 1; }
  void get() {}
  template <class R>
  bool put(R&&) {
    return false;
  }
  template <class R, class L>
  bool put_mutex(R&&, L&) {
    return false;
  }
};

static_assert(lastref::kref_primitive<no_lookup_kref<lastref::std_platform>>);
