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
//
// lastref::detail::retry_load<Platform, CasFollows>(word, order) — the load
// that starts such a loop (or whose value the loop's first CAS confirms),
// with the optional Platform member
//
//   static void retry_load(const void* word, bool (*cas_follows)(std::uint64_t bits));
//
// Contract: CasFollows is a pure function of the value, and whenever the
// load returns a value v with CasFollows(v) true, the thread's next
// operation on shared memory (only local computation in between) is a
// retry_cas_weak/strong of `word` with expected == v, whose success and
// failure orders are each at least as strong as the load's (relaxed <
// acquire < seq_cst). For other values the caller may do anything (return,
// sleep on the value, ...). The model (lastref::model::platform) uses it
// only on a word declared RMW-only (rmw_only.h), under c11, in an
// exhaustive explore with prune_failed_retries: there a read of an older
// store whose value v has CasFollows(v) is an option the search skips
// (decision::redundant): its held retry CAS either fails, and the
// execution would be pruned, or reads the latest store with the same value
// and ends in the state the read of the latest store reaches
// (fuzz/model/README.md, "Retry loads"). The model checks the contract on
// every hinted load it runs, in every model and source (but in a thread
// unwinding after exit_thread, where no older store is skipped): a breach (another
// operation next, another word, another expected value, weaker orders) is a
// failure with the load's trace; a breach only for a value that is never
// the latest when the load runs is not seen.
//
// lastref::detail::retry_load<Platform, CasFollows, WaitFollows>(word,
// order) — the same load when the loop may also sleep on the value it
// read (a wait loop's re-check), with the Platform member
//
//   static void retry_load(const void* word, bool (*cas_follows)(std::uint64_t bits),
//                          bool (*wait_follows)(std::uint64_t bits));
//
// Contract, on top of CasFollows's: WaitFollows is a pure function of the
// value, false wherever CasFollows is true, and whenever the load returns
// a value v with WaitFollows(v) true, the thread's next operation on
// shared memory is a futex wait (or wait_until) on `word` for v, and its
// next one after that wait returns (at once, woken, timed out or
// spuriously) is this load again: a load of `word` with an order at least
// as strong. When the wait returned at once, the thread is then in the
// state it was in before this load: the loop keeps nothing of the value it
// read or of having waited (no first value remembered, no count) and
// decides from the value the re-check reads alone, as recheck_wait.h's
// contract asks. The model then also skips, on the same terms, a read of
// an older store whose value v has WaitFollows(v): the wait compares the
// word's newest value, so it either returns at once and the re-check
// reads at least the store the load could have read instead, or it sleeps
// on a value the newest store holds, and the re-check after it acquires
// at least what that store's read would have (fuzz/model/README.md,
// "Retry loads", waits). The model checks the operations (another
// operation, another word or value, a weaker re-check is a failure), not
// the state: a loop that remembers or counts loses outcomes to the skip
// (fuzz/model/tests/wait_follows_review_test.cc).
//
// Memory ordering: exactly the load it calls.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

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

template <class T, auto CasFollows>
inline bool retry_load_test(std::uint64_t bits) noexcept {
  T v;
  std::memcpy(&v, &bits, sizeof v);  // the value's bits, as the model records them
  return CasFollows(v);
}

template <class Platform, auto CasFollows, auto WaitFollows = nullptr, class Atomic>
inline auto retry_load(Atomic& word, std::memory_order order,
                       source_loc loc = source_loc::current()) noexcept {
  using T = decltype(word.load(order));
  static_assert(sizeof(T) <= sizeof(std::uint64_t));
  if constexpr (requires {
                  Platform::retry_load(static_cast<const void*>(&word),
                                       &retry_load_test<T, CasFollows>, nullptr);
                }) {
    bool (*wait_follows)(std::uint64_t) noexcept = nullptr;
    if constexpr (!std::is_null_pointer_v<decltype(WaitFollows)>)
      wait_follows = &retry_load_test<T, WaitFollows>;
    Platform::retry_load(static_cast<const void*>(std::addressof(word)),
                         &retry_load_test<T, CasFollows>, wait_follows);
  }
  if constexpr (requires { word.load(order, loc); })
    return word.load(order, loc);
  else
    return word.load(order);
}

}  // namespace lastref::detail
