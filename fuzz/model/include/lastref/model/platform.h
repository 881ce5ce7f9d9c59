// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::platform — the Platform (see <lastref/platform.h>) whose
// every operation is a scheduling point of the model checker.
//
// Contract: satisfies <lastref/platform.h> exactly; each operation takes a
// trailing defaulted `source_loc` so traces name the line of the primitive
// that issued it. Inside an execution (see checker.h) every operation first
// lets the schedule source pick who runs next, then executes atomically and
// is checked by the oracles; outside an execution operations act directly
// (futex waits return at once, as a spurious wake-up would).
//
// Lifetime rule: objects made with make() live in the model allocator: at
// destroy() every cell and atomic inside counts as written by the destroying
// thread (a free not ordered after another thread's access is a data race),
// the block is quarantined, and any later operation on it except a futex wake
// is a use-after-free naming the step that freed it. Everything is reclaimed
// when the execution ends.
//
// Memory ordering: operations execute one at a time. Under memory_model::sc
// a load returns the latest store; under memory_model::c11 (the default) an
// atomic of a trivially copyable type of at most 8 bytes keeps a store
// history and a load may return an older store that coherence,
// happens-before and the seq_cst rules allow (detail/memory.cc; larger types
// always read the latest store). Happens-before honours the requested orders
// (relaxed synchronises nothing; release/acquire through the store actually
// read, release sequences through RMWs, and fences do).
// Futex operations keep kernel semantics: futex_wait compares against the
// word's latest value in modification order (the kernel reads the word under
// the hash-bucket lock, never a stale copy), and a wake makes the word's
// latest value at that moment visible to the woken waiter (a full barrier on
// the word); futex and text operations create no other happens-before.

#include <lastref/source_loc.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "detail/runtime.h"

namespace lastref::model {

namespace detail {
inline runtime* rt() noexcept { return current_rt; }
inline constexpr std::memory_order sc = std::memory_order_seq_cst;
constexpr std::memory_order load_order(std::memory_order mo) noexcept {
  return mo == std::memory_order_acq_rel   ? std::memory_order_acquire
         : mo == std::memory_order_release ? std::memory_order_relaxed
                                           : mo;
}
}  // namespace detail

// std::atomic<T>'s member API; every call is a scheduling point.
template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "model::atomic<T> needs a trivially copyable T");
  // Values that fit a store history record (memory_model::c11).
  static constexpr bool historied = sizeof(T) <= 8;
  static T from_bits(std::uint64_t b) noexcept {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
  }
  static constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  // Arithmetic wraps (two's complement), like std::atomic's.
  using U = std::make_unsigned_t<std::conditional_t<is_int, T, int>>;
  template <class F>
  static T wrap(T x, T d, F f) noexcept {
    return static_cast<T>(f(static_cast<U>(x), static_cast<U>(d)));
  }

 public:
  atomic() noexcept : v_() {}
  explicit atomic(T v) noexcept : v_(v) {}
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  T load(std::memory_order mo = detail::sc, source_loc loc = source_loc::current()) const {
    auto* r = detail::rt();
    if (r == nullptr) return v_;
    r->point(op::load, this, loc);
    T v = v_;
    if (historied && r->weak()) {
      v = from_bits(r->c11_load(m_, detail::to_bits(v_), mo));
    } else {
      r->access_atomic(m_, false);
      r->acquire_from(m_, mo);
    }
    r->note(op::load, this, loc, detail::to_bits(v), 0, mo);
    return v;
  }

  void store(T v, std::memory_order mo = detail::sc, source_loc loc = source_loc::current()) {
    auto* r = detail::rt();
    if (r == nullptr) {
      v_ = v;
      return;
    }
    r->point(op::store, this, loc);
    T old = v_;
    if (historied && r->weak()) {
      // Placed before a newer store, it is not the value the location holds.
      if (r->c11_store(m_, detail::to_bits(old), detail::to_bits(v), mo)) v_ = v;
    } else {
      r->access_atomic(m_, true);
      r->release_store(m_, mo);
      v_ = v;
    }
    r->note(op::store, this, loc, detail::to_bits(old), detail::to_bits(v), mo);
  }

  T exchange(T v, std::memory_order mo = detail::sc, source_loc loc = source_loc::current()) {
    return rmw(op::exchange, mo, loc, [&](T) { return v; });
  }

  T fetch_add(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw(op::fetch_add, mo, loc,
               [&](T x) { return wrap(x, d, [](U a, U b) { return static_cast<U>(a + b); }); });
  }
  T fetch_sub(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw(op::fetch_sub, mo, loc,
               [&](T x) { return wrap(x, d, [](U a, U b) { return static_cast<U>(a - b); }); });
  }
  T fetch_or(T d, std::memory_order mo = detail::sc,
             source_loc loc = source_loc::current()) requires is_int {
    return rmw(op::fetch_or, mo, loc,
               [&](T x) { return wrap(x, d, [](U a, U b) { return static_cast<U>(a | b); }); });
  }
  T fetch_and(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw(op::fetch_and, mo, loc,
               [&](T x) { return wrap(x, d, [](U a, U b) { return static_cast<U>(a & b); }); });
  }

  // Under memory_model::c11 the read part may return an older store whose
  // value differs from `expected` (the operation then fails), and the weak
  // form may fail spuriously (run_options::max_spurious_cas per execution).
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, source_loc loc = source_loc::current()) {
    return cas(expected, desired, success, failure, false, loc);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo = detail::sc,
                               source_loc loc = source_loc::current()) {
    return cas(expected, desired, mo, detail::load_order(mo), false, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, source_loc loc = source_loc::current()) {
    return cas(expected, desired, success, failure, true, loc);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo = detail::sc,
                             source_loc loc = source_loc::current()) {
    return cas(expected, desired, mo, detail::load_order(mo), true, loc);
  }

  // The value without a scheduling point or any check; for the runtime
  // (futex_wait's comparison) and for tests inspecting state after a run.
  [[nodiscard]] T raw() const noexcept { return v_; }
  // For the platform's futex operations.
  [[nodiscard]] detail::atomic_meta& meta() const noexcept { return m_; }

 private:
  bool cas(T& expected, T desired, std::memory_order success, std::memory_order failure, bool weak,
           const source_loc& loc) {
    auto* r = detail::rt();
    if (r == nullptr) {
      if (std::memcmp(&v_, &expected, sizeof(T)) == 0) {
        v_ = desired;
        return true;
      }
      expected = v_;
      return false;
    }
    r->point(op::cas_ok, this, loc);
    const bool equal = std::memcmp(&v_, &expected, sizeof(T)) == 0;
    if (historied && r->weak()) {
      std::uint64_t seen_bits = 0;
      if (r->c11_cas(m_, detail::to_bits(v_), equal, detail::to_bits(expected),
                     detail::to_bits(desired), success, failure, weak, seen_bits)) {
        const T old = v_;
        v_ = desired;
        r->note(op::cas_ok, this, loc, detail::to_bits(old), detail::to_bits(desired), success);
        return true;
      }
      const T seen = from_bits(seen_bits);
      r->note(op::cas_fail, this, loc, seen_bits, detail::to_bits(expected), failure);
      expected = seen;
      return false;
    }
    if (equal) {
      T old = v_;
      v_ = desired;
      r->access_atomic(m_, true);
      r->acquire_from(m_, success);
      r->release_rmw(m_, success);
      r->note(op::cas_ok, this, loc, detail::to_bits(old), detail::to_bits(desired), success);
      return true;
    }
    T seen = v_;
    r->access_atomic(m_, false);
    r->acquire_from(m_, failure);
    r->note(op::cas_fail, this, loc, detail::to_bits(seen), detail::to_bits(expected), failure);
    expected = seen;
    return false;
  }

  template <class F>
  T rmw(op o, std::memory_order mo, const source_loc& loc, F f) {
    auto* r = detail::rt();
    T old = v_;
    if (r == nullptr) {
      v_ = f(old);
      return old;
    }
    r->point(o, this, loc);
    old = v_;
    v_ = f(old);
    if (historied && r->weak()) {
      r->c11_rmw(m_, detail::to_bits(old), detail::to_bits(v_), mo);
    } else {
      r->access_atomic(m_, true);
      r->acquire_from(m_, mo);
      r->release_rmw(m_, mo);
    }
    r->note(o, this, loc, detail::to_bits(old), detail::to_bits(v_), mo);
    return old;
  }

  mutable detail::atomic_meta m_;
  T v_;
};

// A plain field: read()/write() are scheduling points checked for data races.
template <class T>
class cell {
 public:
  cell() : v_() {}
  explicit cell(T v) : v_(std::move(v)) {}
  cell(const cell&) = delete;
  cell& operator=(const cell&) = delete;

  [[nodiscard]] const T& read(source_loc loc = source_loc::current()) const {
    auto* r = detail::rt();
    if (r == nullptr) return v_;
    r->point(op::cell_read, this, loc);
    r->cell_read(m_);
    r->note(op::cell_read, this, loc, detail::to_bits(v_), 0);
    return v_;
  }
  void write(T v, source_loc loc = source_loc::current()) {
    auto* r = detail::rt();
    if (r == nullptr) {
      v_ = std::move(v);
      return;
    }
    r->point(op::cell_write, this, loc);
    r->cell_write(m_);
    std::uint64_t old = detail::to_bits(v_);
    v_ = std::move(v);
    r->note(op::cell_write, this, loc, old, detail::to_bits(v_));
  }

 private:
  mutable detail::cell_meta m_;
  T v_;
};

// Scheduler-aware mutex: a contended lock blocks the fiber (never the OS
// thread); unlock → lock is a release → acquire edge.
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  void lock(source_loc loc = source_loc::current());
  bool try_lock(source_loc loc = source_loc::current());
  void unlock(source_loc loc = source_loc::current());

 private:
  detail::atomic_meta m_;  // its release clock is the unlock → lock edge
  std::uint8_t owner_ = detail::no_thread;
};

// Virtual time: advances only when the scheduler fires a timeout.
struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

struct platform {
  template <class T>
  using atomic = model::atomic<T>;
  template <class T>
  using cell = model::cell<T>;
  using mutex = model::mutex;
  using clock = model::clock;

  static clock::time_point now(source_loc loc = source_loc::current());
  static void fence(std::memory_order mo, source_loc loc = source_loc::current());

  static void futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected,
                         source_loc loc = source_loc::current());
  // False: the deadline passed (the scheduler chose to fire the timeout).
  static bool futex_wait_until(atomic<std::uint32_t>& word, std::uint32_t expected,
                               clock::time_point deadline, source_loc loc = source_loc::current());
  // Allowed on freed memory: never dereferences the word.
  static void futex_wake_one(atomic<std::uint32_t>& word, source_loc loc = source_loc::current());
  static void futex_wake_all(atomic<std::uint32_t>& word, source_loc loc = source_loc::current());

  static void preemption_point(source_loc loc = source_loc::current());
  static void text_enter(const void* text, source_loc loc = source_loc::current());
  static void text_leave(const void* text, source_loc loc = source_loc::current());
  static void text_unmap(const void* text, source_loc loc = source_loc::current());
  [[noreturn]] static void exit_thread(thread_exit how = {},
                                       source_loc loc = source_loc::current());

  template <class T, class... A>
  static T* make(A&&... args) {
    auto* r = detail::rt();
    if (r == nullptr) return new T(std::forward<A>(args)...);
    static constexpr source_loc loc{"?", 0, "make"};
    r->point(op::make, nullptr, loc);
    void* mem = r->allocate(sizeof(T), alignof(T), [](void* p) { static_cast<T*>(p)->~T(); });
    T* obj = ::new (mem) T(std::forward<A>(args)...);
    r->note(op::make, obj, loc, sizeof(T), 0);
    return obj;
  }
  template <class T>
  static void destroy(T* p, source_loc loc = source_loc::current()) {
    if (p == nullptr) return;
    auto* r = detail::rt();
    if (r == nullptr) {
      delete p;
      return;
    }
    r->point(op::destroy, p, loc);
    if (!r->destroy_begin(p, loc)) return;
    r->note(op::destroy, p, loc, sizeof(T), 0);
    p->~T();
    r->destroy_end(p, loc);
  }
};

}  // namespace lastref::model
