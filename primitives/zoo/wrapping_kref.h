// SPDX-License-Identifier: MIT
#pragma once
// zoo item 4 — wrapping refcount: basic_wrapping_refcount (refcount_t's API on
// a plain atomic_t that wraps instead of saturating) and wrapping_kref, a kref
// on it that starts near the limit. DELIBERATELY WRONG.
//
// What is wrong: a 32-bit count that wraps. If references are leaked (an
// error path that takes one and never puts it, repeated by an attacker), the
// count passes 2^32 and lands on small values again; the next put that
// "reaches 0" frees the object while real holders remain — use-after-free.
// refcount_t instead saturates at REFCOUNT_SATURATED on overflow, warns, and
// never frees the object again (a leak, not a use-after-free); it also
// refuses an increment from 0.
//
// The limit in a model run: nobody can leak 2^32 references one step at a
// time, so wrapping_kref starts with `leaked_refs` (2^32 - 2) references
// already leaked by earlier users — the state an attacker's leak loop leaves
// behind. From there, two extra references held at once (a lookup and a
// nested get) wrap the count through 0, and the following put releases an
// object that two holders still use. Such an object is never released by a
// correct count (the leaked references pin it forever), which is why the
// zoo set that runs it (fuzz/zoo_manifest.h) replaces the `release_count_ok` hook: the
// scenario then requires "release at most once, and never while held"
// instead of "exactly once".
//
// Real bug class: atomic_t reference counts overflowed by reference leaks —
// CVE-2016-0728 (keyring: join_session_keyring leaked a reference per call,
// 2^32 calls wrapped the count and freed a live key), CVE-2019-11487 (struct
// page refcount overflowed through FUSE / pipes; fixed by try_get_page()).
// They are why refcount_t (Linux 4.11, from PaX/grsecurity's REFCOUNT)
// saturates.
//
// Interface: basic_wrapping_refcount has lastref::basic_refcount's API;
// wrapping_kref has lastref::basic_kref's. Lifetime rule: as theirs while
// nothing wraps.
//
// Memory ordering: as basic_refcount (relaxed increments, release
// decrements, acquire after the decrement that reaches 0), so the only bug is
// the arithmetic.

#include <climits>
#include <cstdint>
#include <utility>

#include <lastref/platform.h>

namespace lastref::zoo {

template <class Platform = std_platform>
class basic_wrapping_refcount {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  static constexpr int saturated = INT_MIN / 2;  // never used: nothing saturates
  static constexpr int max = INT_MAX;

  explicit basic_wrapping_refcount(int n = 1) : refs_(n) {}
  basic_wrapping_refcount(const basic_wrapping_refcount&) = delete;
  basic_wrapping_refcount& operator=(const basic_wrapping_refcount&) = delete;

  void set(int n) { refs_.store(n, std::memory_order_relaxed); }
  [[nodiscard]] int read() const { return refs_.load(std::memory_order_relaxed); }

  // Relaxed (as refcount_inc_not_zero): the value says the object lives.
  [[nodiscard]] bool add_not_zero(int i) {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 0) return false;
    } while (!refs_.compare_exchange_weak(old, wrap_add(old, i), std::memory_order_relaxed,
                                          std::memory_order_relaxed));
    return true;  // BUG: no overflow check; the sum may have wrapped
  }
  [[nodiscard]] bool inc_not_zero() { return add_not_zero(1); }

  // BUG: atomic_add — wraps, and adds to 0 without a word.
  void add(int i) { refs_.fetch_add(i, std::memory_order_relaxed); }
  void inc() { add(1); }

  [[nodiscard]] bool sub_and_test(int i) {
    // Release: this holder's writes happen-before the free.
    if (refs_.fetch_sub(i, std::memory_order_release) != i) return false;
    acquire_after_last();
    return true;
  }
  [[nodiscard]] bool dec_and_test() { return sub_and_test(1); }

  // Release, as refcount_dec. BUG: reaching 0 (or below) is not reported.
  void dec() { refs_.fetch_sub(1, std::memory_order_release); }

  [[nodiscard]] bool dec_if_one() {
    int expected = 1;
    // Release on success: as sub_and_test; relaxed failure reads only.
    if (!refs_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed))
      return false;
    acquire_after_last();
    return true;
  }

  [[nodiscard]] bool dec_not_one() {
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 1) return false;
    } while (!refs_.compare_exchange_weak(old, wrap_add(old, -1), std::memory_order_release,
                                          std::memory_order_relaxed));
    return true;
  }

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
  // smp_acquire__after_ctrl_dep(): the freeing thread sees every holder's writes.
  void acquire_after_last() { (void)refs_.load(std::memory_order_acquire); }

  // The count, an atomic_t: relaxed increments, release decrements, acquire
  // after the last one. Wraps modulo 2^32 (std::atomic<int> arithmetic does).
  atomic<int> refs_;
};

template <class Platform = std_platform>
class wrapping_kref {
 public:
  using platform_type = Platform;
  // References leaked before the scenario starts: 2^32 - 2, i.e. the count
  // reads as (real references - 2) modulo 2^32.
  static constexpr std::uint32_t leaked_refs = 0xFFFF'FFFEu;

  wrapping_kref() : refcount_(initial()) {}
  wrapping_kref(const wrapping_kref&) = delete;
  wrapping_kref& operator=(const wrapping_kref&) = delete;

  void init() { refcount_.set(initial()); }
  [[nodiscard]] unsigned int read() const { return static_cast<unsigned int>(refcount_.read()); }

  void get() { refcount_.inc(); }
  [[nodiscard]] bool get_unless_zero() { return refcount_.inc_not_zero(); }

  template <class Release>
  bool put(Release&& release) {
    if (!refcount_.dec_and_test()) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_mutex(Release&& release, Lockable& lock) {
    if (!refcount_.dec_and_mutex_lock(lock)) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

  template <class Release, class Lockable>
  bool put_lock(Release&& release, Lockable& lock) {
    if (!refcount_.dec_and_lock(lock)) return false;
    std::forward<Release>(release)(*this);
    return true;
  }

 private:
  // kref_init's 1 plus the leaked references, modulo 2^32.
  static constexpr int initial() noexcept { return static_cast<int>(1u + leaked_refs); }

  basic_wrapping_refcount<Platform> refcount_;
};

}  // namespace lastref::zoo
