// SPDX-License-Identifier: MIT
#pragma once
// lastref::detail::retry_cas_weak / retry_cas_strong — the compare-exchange
// of a read–compute–CAS retry loop, with the optional Platform member that
// tells a model checker so:
//
//   static void retry_cas(const void* word);  // default: nothing
//
// Contract (what the caller promises by calling these instead of the
// atomic's own compare_exchange_*): `expected` holds the value of the
// calling thread's last read of `word` (a load, or the failed CAS of the
// previous iteration), nothing but local computation happened since, and
// when the CAS fails the caller continues exactly as it would after a
// fresh read of the value the CAS returns: it restarts the loop from that
// value, takes every check the first pass takes (a retry path that skips
// one, e.g. a get-unless-zero that tests for zero only before the loop,
// breaks the contract), and counts nothing (no retry counter, no give-up
// after N tries). Under that contract an execution in which the CAS fails
// (other than spuriously) shows nothing that the execution with the read
// moved to the CAS's place does not show, so the model
// (lastref::model::platform) runs the CAS right after the read: fuzz/model/
// README.md, "Retry loops". The model applies it only when the CAS does
// confirm the read (same word, the value read) and the CAS's failure order
// is at least as strong as that read's order (else the read's
// happens-before would be lost); otherwise the CAS is explored like any
// other. A loop that breaks the contract must use the plain
// compare_exchange_*; the model then explores its failures (held-out round
// 5, fuzz/model/tests/heldout5/, shows both kinds of breach hidden with the
// hint and found without it).
//
// Lifetime rule: none beyond the atomic's.
//
// Memory ordering: exactly the compare_exchange_* it calls; the hint is not
// a memory operation.

#include <atomic>
#include <memory>

#include "../source_loc.h"

namespace lastref::detail {

template <class Platform, class Atomic>
inline void retry_cas_hint(const Atomic& word) noexcept {
  if constexpr (requires { Platform::retry_cas(static_cast<const void*>(&word)); })
    Platform::retry_cas(static_cast<const void*>(std::addressof(word)));
}

// `loc` names the caller (a platform whose atomics take a source_loc, as
// the model's do, reports the CAS where the loop is, not here).
template <class Platform, class Atomic, class T>
inline bool retry_cas_weak(Atomic& word, T& expected, T desired, std::memory_order success,
                           std::memory_order failure,
                           source_loc loc = source_loc::current()) noexcept {
  retry_cas_hint<Platform>(word);
  if constexpr (requires { word.compare_exchange_weak(expected, desired, success, failure, loc); })
    return word.compare_exchange_weak(expected, desired, success, failure, loc);
  else
    return word.compare_exchange_weak(expected, desired, success, failure);
}

template <class Platform, class Atomic, class T>
inline bool retry_cas_strong(Atomic& word, T& expected, T desired, std::memory_order success,
                             std::memory_order failure,
                             source_loc loc = source_loc::current()) noexcept {
  retry_cas_hint<Platform>(word);
  if constexpr (requires {
                  word.compare_exchange_strong(expected, desired, success, failure, loc);
                })
    return word.compare_exchange_strong(expected, desired, success, failure, loc);
  else
    return word.compare_exchange_strong(expected, desired, success, failure);
}

}  // namespace lastref::detail
