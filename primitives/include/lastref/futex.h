// SPDX-License-Identifier: MIT
#pragma once
// lastref futex — thin wrappers over the Linux futex syscall (private
// futexes) on a 32-bit atomic word: what std_platform's futex operations
// use, public for code that needs the raw primitive next to lastref's
// (the benchmarks' raw-futex baselines and their harness).
//
// Contract: futex_wait(word, expected) sleeps only while *word == expected
// and may return spuriously (EAGAIN, EINTR): callers re-check their
// condition in a loop. futex_wait_until takes an absolute steady_clock
// deadline and returns false only when it passed. futex_wake wakes up to
// `count` waiters (futex_wake_everyone: all). std::atomic<uint32_t> is
// layout-compatible with uint32_t on every Linux ABI (static_assert below),
// which is what the kernel reads.
//
// Lifetime rule: the word must stay mapped while a waiter may sleep on it
// or a waker may pass its address to the kernel.
//
// Memory ordering: none added (the syscall is not a fence the caller may
// rely on); publish with the atomic's own release/acquire, as platform.h
// describes.

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace lastref {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(std::atomic<uint32_t>::is_always_lock_free);

inline constexpr int futex_wake_everyone = INT_MAX;

inline long futex_syscall(const void* addr, int op, uint32_t val, const timespec* ts,
                          uint32_t val3) noexcept {
  return ::syscall(SYS_futex, addr, op, val, ts, nullptr, val3);
}

inline void futex_wait(const std::atomic<uint32_t>* word, uint32_t expected) noexcept {
  // EAGAIN (value changed), EINTR and spurious returns all mean "re-check".
  futex_syscall(word, FUTEX_WAIT_PRIVATE, expected, nullptr, 0);
}

// Absolute CLOCK_MONOTONIC deadline (steady_clock is CLOCK_MONOTONIC on
// Linux), so repeated spurious wake-ups never stretch the total wait.
// Returns false only when the deadline passed.
inline bool futex_wait_until(const std::atomic<uint32_t>* word, uint32_t expected,
                             std::chrono::steady_clock::time_point deadline) noexcept {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
  if (ns.count() < 0) ns = std::chrono::nanoseconds(0);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
  long r = futex_syscall(word, FUTEX_WAIT_BITSET_PRIVATE, expected, &ts, FUTEX_BITSET_MATCH_ANY);
  return !(r == -1 && errno == ETIMEDOUT);
}

inline void futex_wake(const std::atomic<uint32_t>* word, int count) noexcept {
  futex_syscall(word, FUTEX_WAKE_PRIVATE, static_cast<uint32_t>(count), nullptr, 0);
}

}  // namespace lastref
