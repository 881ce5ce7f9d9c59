// SPDX-License-Identifier: MIT
// Module M: a shared library whose text is unmapped by dlclose().
//
// Everything here, including the instantiations of the lastref primitives it
// calls (basic_completion<m_platform>::complete), is compiled into M and
// bound inside M (built with -fvisibility=hidden, so no call is interposed by
// the program's own copy); when M is unmapped, so is that code. Only the two
// extern "C" entry points are exported.

#include <type_traits>

#include "m_abi.h"

using namespace lastref::tsan::real;

static_assert(std::is_standard_layout_v<m_object>, "object_of() needs the kref first");

// Work M does after the release proper (statistics in M's data). It runs
// after the call into builtin code, so that call returns into M's text and
// cannot be compiled as a tail call.
static volatile unsigned long m_releases_done = 0;

#if defined(__clang__)
#define LASTREF_M_NO_TAIL_CALLS __attribute__((disable_tail_calls))
#else
#define LASTREF_M_NO_TAIL_CALLS __attribute__((optimize("no-optimize-sibling-calls")))
#endif

extern "C" __attribute__((visibility("default"), noinline)) LASTREF_M_NO_TAIL_CALLS void
lastref_m_release(m_kref& ref) {
  m_object* obj = object_of(ref);
  m_completion* done = obj->released;
  const builtin_services* builtin = obj->builtin;
  delete obj;
  done->complete();                       // the unloader may now finish and unmap M
  builtin->preempt_after_complete();      // ...and here this thread is preempted
  m_releases_done = m_releases_done + 1;  // then returns into M's text
}

extern "C" __attribute__((visibility("default"), noinline, noreturn)) void
lastref_m_release_and_exit(m_kref& ref) {
  m_object* obj = object_of(ref);
  m_completion* done = obj->released;
  m_scope* scope = obj->scope;
  const builtin_services* builtin = obj->builtin;
  delete obj;
  m_releases_done = m_releases_done + 1;
  builtin->complete_and_exit(done, scope);  // builtin code; never returns
  __builtin_trap();
}
