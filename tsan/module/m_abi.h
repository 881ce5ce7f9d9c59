// SPDX-License-Identifier: MIT
#pragma once
// The ABI between the real-module test program ("builtin" code: the main
// executable, never unloaded) and module M (lastref_tsan_module_m.so, which
// the program dlopen()s and dlclose()s).
//
// Contract: M exports two release functions for m_object, both of type
// m_release_fn:
//   lastref_m_release           frees the object, calls complete() on the
//                               object's completion (M's own instantiation of
//                               basic_completion: that code is in M's text),
//                               calls builtin->preempt_after_complete(), and
//                               then executes more of M's code before it
//                               returns: the reference bug of DESIGN.md.
//   lastref_m_release_and_exit  frees the object and ends the thread through
//                               builtin->complete_and_exit (the
//                               kthread_complete_and_exit fix); never returns.
// The program provides `builtin_services`, the equivalent of symbols exported
// by the kernel proper, which stay mapped whatever happens to M.
//
// Lifetime rule: an m_object is freed by its release function; the
// completion and the residency scope it points to belong to the program and
// outlive the release.
//
// Memory ordering: that of the primitives; this header adds no shared state.

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>
#include <lastref/platform.h>

namespace lastref::tsan::real {

// std_platform, except for two hooks the test program defines (M never
// instantiates them): exit_thread() appends the injected preemption to the
// thread's last action, so the safe-exit helper is held at exactly the same
// point as the other variants (right after complete()); futex_wait() records that the calling
// thread is about to block, so the injection can tell that an unloader is
// draining residency.
struct m_platform : std_platform {
  [[noreturn]] static void exit_thread(thread_exit how = {});
  static void futex_wait(atomic<uint32_t>& word, uint32_t expected) noexcept;
};

using m_completion = basic_completion<m_platform>;
using m_kref = basic_kref<m_platform>;
using m_module = basic_module<m_platform>;
using m_scope = basic_residency_scope<m_platform>;

struct builtin_services {
  // The injected preemption: returns once the unloader is done with M.
  void (*preempt_after_complete)();
  // kthread_complete_and_exit: ends the residency, signals, ends the thread;
  // never returns (a pointer cannot carry [[noreturn]] portably).
  void (*complete_and_exit)(m_completion* done, m_scope* scope);
};

struct m_object {
  m_kref ref;                        // first member: release functions get &ref and cast back
  m_completion* released = nullptr;  // the unloader's exit() waits on it
  m_scope* scope = nullptr;          // the releasing thread's residency in M
  const builtin_services* builtin = nullptr;
  int payload = 0;
};

using m_release_fn = void (*)(m_kref&);

inline m_object* object_of(m_kref& ref) noexcept { return reinterpret_cast<m_object*>(&ref); }

inline constexpr const char* m_release_symbol = "lastref_m_release";
inline constexpr const char* m_release_and_exit_symbol = "lastref_m_release_and_exit";

}  // namespace lastref::tsan::real
