// SPDX-License-Identifier: MIT
#pragma once
// lastref::testing — read-only probes of a completion's state word, for
// tests and stress harnesses, kept out of basic_completion's public API
// (which is what the kernel's struct completion offers: complete,
// complete_all, the waits, try_wait, done, reinit).
//
// completion_count(c)    the done field: 0..done_max completions, or done_all
// completion_waiters(c)  threads registered to sleep (255: the sticky "maybe
//                        some"), so a test knows a waiter reached its
//                        blocking path
//
// For lastref's basic_completion they read the futex word through
// completion_probe (a friend of the class: no member, no code in the
// primitive). For any other completion (a zoo variant, a user's type under
// the conformance suites) they call its own count() / waiters() if it has
// them; a type without them does not satisfy the calls, which is how the
// conformance suites skip what needs them. Installed with the primitives
// because the installed conformance suites include it; not part of the API
// a primitive's user programs against.
//
// Contract: a snapshot, stale as soon as it is taken when other threads
// act; use it for quiescent checks or in a bounded poll.
//
// Lifetime: c must be alive for the duration of the call.
//
// Memory ordering: completion_count is an acquire load (like done(): a
// count seen non-zero orders what the completer did before); the waiters
// count is relaxed (it publishes nothing, see completion.h).
//
// Name lookup: inside namespace lastref, `testing::` now means this
// namespace; GoogleTest's is `::testing::`.

#include <atomic>
#include <concepts>
#include <cstdint>

#include "../completion.h"

namespace lastref::testing {

class completion_probe {
 public:
  template <class Platform>
  [[nodiscard]] static std::uint32_t count(const basic_completion<Platform>& c) noexcept {
    return c.word_.load(std::memory_order_acquire) & basic_completion<Platform>::done_mask;
  }
  template <class Platform>
  [[nodiscard]] static std::uint32_t waiters(const basic_completion<Platform>& c) noexcept {
    using C = basic_completion<Platform>;
    return (c.word_.load(std::memory_order_relaxed) & C::waiters_mask) >> 24;
  }
};

template <class Platform>
[[nodiscard]] std::uint32_t completion_count(const basic_completion<Platform>& c) noexcept {
  return completion_probe::count(c);
}
template <class Platform>
[[nodiscard]] std::uint32_t completion_waiters(const basic_completion<Platform>& c) noexcept {
  return completion_probe::waiters(c);
}

// Another completion type's own accessors, when it has them.
template <class C>
requires requires(const C& c) {
  { c.count() } -> std::convertible_to<std::uint32_t>;
}
[[nodiscard]] std::uint32_t completion_count(const C& c) { return c.count(); }
template <class C>
requires requires(const C& c) {
  { c.waiters() } -> std::convertible_to<std::uint32_t>;
}
[[nodiscard]] std::uint32_t completion_waiters(const C& c) { return c.waiters(); }

}  // namespace lastref::testing
