// SPDX-License-Identifier: MIT
#pragma once
// lastref::basic_refcount — Linux refcount_t (include/linux/refcount.h and
// lib/refcount.c, Linux 5.10+ semantics), over a Platform.
//
// Contract: a saturating signed 32-bit reference count. Values below 0 are
// "saturated": an operation that would overflow, add to 0, go below 0, or
// have a plain dec() reach 0 stores `saturated` (REFCOUNT_SATURATED,
// INT_MIN/2) and reports through refcount_report.h; a saturated count never
// reaches 0 again, so the object is leaked instead of used after free. As in
// the kernel, the fast paths are a single unconditional RMW and the check
// happens after it (the counter may briefly hold an unchecked value before
// the warning path re-saturates it); only the *_not_zero and dec_not_one
// operations are CAS loops. refcount_dec_not_one warns on 0 without
// saturating, exactly as lib/refcount.c does.
//
// Lifetime rule: once dec_and_test / sub_and_test / dec_if_one /
// dec_and_lock return true, the caller holds the last reference and the
// primitive never touches the counter again, so the caller may free it.
//
// Memory ordering (Documentation/core-api/refcount-vs-atomic.rst):
// - set, read, inc, add, inc_not_zero, add_not_zero: relaxed. Taking a
//   reference needs no ordering: the caller already holds one (or, for
//   *_not_zero, learns from the value that the object is still alive).
// - dec, sub_and_test, dec_and_test, dec_not_one, dec_if_one: release, so
//   everything this holder did to the object happens-before the free.
// - dec_and_test, sub_and_test, dec_if_one (and dec_and_lock) additionally
//   acquire on success, so the freeing thread sees every other holder's
//   writes. (For dec_if_one this is stronger than the kernel, whose
//   refcount_dec_if_one is release only: its caller frees the object next,
//   which needs the acquire anyway.) The kernel uses smp_acquire__after_ctrl_dep() (a fence); here
//   it is an acquire load of the counter after the successful RMW, which reads the value our RMW
//   wrote and so synchronises with every earlier release in the RMW chain ([atomics.order] release
//   sequences). It is as strong as the fence and, unlike a fence, ThreadSanitizer (clang 14) models
//   it.
// Integer arithmetic wraps, as in the kernel (-fno-strict-overflow): it is
// done in unsigned and converted back (modular in C++20), and Platform's
// atomic<int>::fetch_add/fetch_sub must wrap like std::atomic's.

#include <climits>
#include <cstdint>

#include "detail/retry.h"
#include "platform.h"
#include "refcount_report.h"

namespace lastref {

template <class Platform = std_platform>
class basic_refcount {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  static constexpr int saturated = INT_MIN / 2;  // REFCOUNT_SATURATED
  static constexpr int max = INT_MAX;            // REFCOUNT_MAX

  // REFCOUNT_INIT(n); the default is one reference, as most objects start.
  explicit basic_refcount(int n = 1) : refs_(n) {}
  basic_refcount(const basic_refcount&) = delete;
  basic_refcount& operator=(const basic_refcount&) = delete;

  void set(int n) { refs_.store(n, std::memory_order_relaxed); }
  [[nodiscard]] int read() const { return refs_.load(std::memory_order_relaxed); }

  [[nodiscard]] bool add_not_zero(int i) {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 0) break;
    } while (!detail::retry_cas_weak<Platform>(
        refs_, old, wrap_add(old, i), std::memory_order_relaxed, std::memory_order_relaxed));
    if (old < 0 || wrap_add(old, i) < 0) [[unlikely]]
      warn_saturate(refcount_saturation::add_not_zero_ovf);
    return old != 0;
  }
  [[nodiscard]] bool inc_not_zero() { return add_not_zero(1); }

  void add(int i) {
    int old = refs_.fetch_add(i, std::memory_order_relaxed);
    if (old == 0) [[unlikely]]
      warn_saturate(refcount_saturation::add_uaf);
    else if (old < 0 || wrap_add(old, i) < 0) [[unlikely]]
      warn_saturate(refcount_saturation::add_ovf);
  }
  void inc() { add(1); }

  [[nodiscard]] bool sub_and_test(int i) {
    int old = refs_.fetch_sub(i, std::memory_order_release);
    if (old == i) {
      acquire_after_last();
      return true;
    }
    if (old < 0 || wrap_sub(old, i) < 0) [[unlikely]]
      warn_saturate(refcount_saturation::sub_uaf);
    return false;
  }
  [[nodiscard]] bool dec_and_test() { return sub_and_test(1); }

  // A decrement that must not be the last one (the caller still holds a
  // reference); reaching 0 leaks instead of freeing.
  void dec() {
    int old = refs_.fetch_sub(1, std::memory_order_release);
    if (old <= 1) [[unlikely]]
      warn_saturate(refcount_saturation::dec_leak);
  }

  // 1 -> 0 only; true when it made the transition (caller frees).
  [[nodiscard]] bool dec_if_one() {
    int expected = 1;
    if (!refs_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed))
      return false;
    acquire_after_last();
    return true;
  }

  // Decrements unless the count is 1 (returns false then); saturated stays.
  [[nodiscard]] bool dec_not_one() {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == saturated) [[unlikely]]
        return true;
      if (old == 1) return false;
      if (old == 0) [[unlikely]] {
        warn_only(refcount_saturation::sub_uaf);
        return true;
      }
    } while (!detail::retry_cas_weak<Platform>(
        refs_, old, wrap_sub(old, 1), std::memory_order_release, std::memory_order_relaxed));
    return true;
  }

  // refcount_dec_and_lock / refcount_dec_and_mutex_lock: true with `lock`
  // held when the count dropped to 0; false (lock not held) otherwise.
  template <class Lockable>
  [[nodiscard]] bool dec_and_lock(Lockable& lock) {
    if (dec_not_one()) return false;
    lock.lock();
    if (!dec_and_test()) {
      lock.unlock();
      return false;
    }
    return true;
  }
  template <class Lockable>
  [[nodiscard]] bool dec_and_mutex_lock(Lockable& lock) {
    return dec_and_lock(lock);
  }

 private:
  static constexpr int wrap_add(int a, int b) noexcept {
    return static_cast<int>(static_cast<unsigned>(a) + static_cast<unsigned>(b));
  }
  static constexpr int wrap_sub(int a, int b) noexcept {
    return static_cast<int>(static_cast<unsigned>(a) - static_cast<unsigned>(b));
  }

  // Stands in for smp_acquire__after_ctrl_dep(); see "Memory ordering".
  void acquire_after_last() { (void)refs_.load(std::memory_order_acquire); }

  // refcount_warn_saturate(): saturate, then report.
  [[gnu::cold, gnu::noinline]] void warn_saturate(refcount_saturation kind) {
    refs_.store(saturated, std::memory_order_relaxed);
    detail::report_refcount(kind, this);
  }
  [[gnu::cold, gnu::noinline]] void warn_only(refcount_saturation kind) {
    detail::report_refcount(kind, this);
  }

  // The count. Orders per operation as listed in the header; no plain data
  // is published through it except by the release decrements.
  atomic<int> refs_;
};

using refcount = basic_refcount<>;

}  // namespace lastref
