// SPDX-License-Identifier: MIT
#pragma once
// lastref::detail::recheck_futex_wait / recheck_futex_wait_until — the futex
// wait of a wait loop that re-checks the word after every return, with the
// optional Platform member that tells a model checker so:
//
//   static void recheck_wait(const void* word);  // default: nothing
//
// Contract (what the caller promises by calling these instead of
// Platform::futex_wait / futex_wait_until): when the wait returns at once
// because `word` no longer holds `expected`, the thread's next operation on
// shared memory is a load of `word`; and when that load reads `expected` —
// the value the wait was for — the thread, its local state as it was when
// it called the wait, calls the same wait again from the same place, for
// `expected` and with the same deadline. So the loop decides from the
// value it reads alone and counts nothing (no iteration counter, no
// deadline recomputed from the clock). What it does after a timeout, or
// after a wake-up whose re-check reads another value, is its own business;
// after a wake-up whose re-check reads `expected` again, the rule of every
// futex wait applies (hinted or not): a loop that counts such wake-ups is
// explored only with stutters kept (run_options::prune_stutters,
// --keep-stutters; fuzz/model/README.md, wake-up stutters; held-out round
// 6's P7b). The usual loop keeps it:
//
//   while (!done(v)) { recheck_futex_wait<P>(w, v); v = w.load(); }
//
// Under that contract a wait that returns at once because the word no
// longer holds `expected` shows nothing more when other threads run
// between it and the re-check than when the re-check runs right after it,
// so the model (lastref::model::platform) runs the load right after such a
// return, under sc: fuzz/model/README.md, "Re-check waits". (Under c11 only
// when the word is declared RMW-only, detail/rmw_only.h: else a plain store
// can join the modification order before a newer one, and a load held
// after a wait that observed the newest would never read it;
// fuzz/model/tests/recheck_review_test.cc.) A loop that breaks
// the contract must call the platform's futex wait directly; the model
// then explores every schedule around it (fuzz/model/tests/
// wakeup_stutter_test.cc shows a breach hidden with the hint and found
// without it).
//
// Lifetime rule: none beyond the word's and the futex wait's own.
//
// Memory ordering: exactly the futex wait it calls; the hint is not a
// memory operation.

#include <cstdint>
#include <memory>

#include "../source_loc.h"

namespace lastref::detail {

template <class Platform, class Atomic>
inline void recheck_wait_hint(const Atomic& word) noexcept {
  if constexpr (requires { Platform::recheck_wait(static_cast<const void*>(&word)); })
    Platform::recheck_wait(static_cast<const void*>(std::addressof(word)));
}

// `loc` names the caller (a platform whose futex waits take a source_loc,
// as the model's does, reports the wait where the loop is, not here).
template <class Platform, class Atomic>
inline void recheck_futex_wait(Atomic& word, std::uint32_t expected,
                               source_loc loc = source_loc::current()) {
  recheck_wait_hint<Platform>(word);
  if constexpr (requires { Platform::futex_wait(word, expected, loc); })
    Platform::futex_wait(word, expected, loc);
  else
    Platform::futex_wait(word, expected);
}

// False: the deadline passed, as Platform::futex_wait_until.
template <class Platform, class Atomic, class TimePoint>
inline bool recheck_futex_wait_until(Atomic& word, std::uint32_t expected,
                                     const TimePoint& deadline,
                                     source_loc loc = source_loc::current()) {
  recheck_wait_hint<Platform>(word);
  if constexpr (requires { Platform::futex_wait_until(word, expected, deadline, loc); })
    return Platform::futex_wait_until(word, expected, deadline, loc);
  else
    return Platform::futex_wait_until(word, expected, deadline);
}

}  // namespace lastref::detail
