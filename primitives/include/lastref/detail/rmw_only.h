// SPDX-License-Identifier: MIT
#pragma once
// lastref::detail::declare_rmw_only — tells a model checker that an atomic
// word is written only by read-modify-writes, through the optional Platform
// member:
//
//   template <class T> static void rmw_only(atomic<T>& word);  // default: nothing
//
// Contract (what the caller promises by declaring): from the call on, for
// the rest of the atomic's lifetime, every write of `word` is a
// read-modify-write (exchange, fetch_*, a successful compare_exchange_*);
// no plain store. Declare it after the word's last plain store (a value
// given to the atomic's constructor is none), usually in the owner's
// constructor. The declaration ends with the atomic: memory reused for
// another object is undeclared.
//
// Why a checker wants it: under a weak memory model (C11) a plain store
// may join the word's modification order before newer stores, so it is
// never the word's latest value; on a word without plain stores every
// store joins at the end, and a load made right after a futex wait on the
// word loses nothing against one made after other threads' steps. The
// model (lastref::model::platform) then holds its re-check and wake-up
// loads under c11 as it does under sc (fuzz/model/README.md, "RMW-only
// words"), and it enforces the declaration: a plain store to a declared
// word is a failure with the store's trace, so a wrong declaration is
// found, never a silent gap in a proof. Real platforms have no such member:
// a no-op.
//
// Lifetime rule: none beyond the atomic's.
//
// Memory ordering: none; the declaration is not a memory operation.

namespace lastref::detail {

template <class Platform, class Atomic>
inline void declare_rmw_only(Atomic& word) noexcept {
  if constexpr (requires { Platform::rmw_only(word); }) Platform::rmw_only(word);
}

}  // namespace lastref::detail
