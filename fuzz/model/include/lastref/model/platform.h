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
// happens-before and the seq_cst rules allow (src/memory.cc; larger types
// always read the latest store). Happens-before honours the requested orders
// (relaxed synchronises nothing; release/acquire through the store actually
// read, release sequences through RMWs, and fences do).
// Futex operations keep kernel semantics: futex_wait compares against the
// word's latest value in modification order (the kernel reads the word under
// the hash-bucket lock, never a stale copy), and a wake makes the word's
// latest value at that moment visible to the woken waiter (a full barrier on
// the word); futex and text operations create no other happens-before.

#include <lastref/platform.h>
#include <lastref/source_loc.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "detail/location.h"
#include "detail/ops.h"
#include "detail/vclock.h"
#include "observer.h"

namespace lastref::model {

// std::atomic<T>'s member API; every call is a scheduling point.
template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "model::atomic<T> needs a trivially copyable T");
  static constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  // Arithmetic wraps (two's complement), like std::atomic's (the runtime
  // computes it on the value's bits the same way, detail/ops.h).
  using U = std::make_unsigned_t<std::conditional_t<is_int, T, int>>;
  // 1, 2, 4 or 8 bytes: the narrow entry points of detail/ops.h.
  static constexpr bool fast = detail::fast_size<sizeof(T)>;
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
    if constexpr (fast) {
      return detail::from_bits<T>(detail::load_bits<sizeof(T)>(m_, this, &v_, mo, loc));
    } else {
      T v;
      detail::atomic_load(*r, m_, this, &v_, &v, sizeof(T), mo, loc);
      return v;
    }
  }

  void store(T v, std::memory_order mo = detail::sc, source_loc loc = source_loc::current()) {
    auto* r = detail::rt();
    if (r == nullptr) {
      v_ = v;
      return;
    }
    if constexpr (fast)
      detail::store_bits<sizeof(T)>(m_, this, &v_, detail::to_bits(v), mo, loc);
    else
      detail::atomic_store(*r, m_, this, &v_, &v, sizeof(T), mo, loc);
  }

  T exchange(T v, std::memory_order mo = detail::sc, source_loc loc = source_loc::current()) {
    return rmw<op::exchange>(v, mo, loc, [&](T) { return v; });
  }

  T fetch_add(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw<op::fetch_add>(d, mo, loc, [&](T x) {
      return wrap(x, d, [](U a, U b) { return static_cast<U>(a + b); });
    });
  }
  T fetch_sub(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw<op::fetch_sub>(d, mo, loc, [&](T x) {
      return wrap(x, d, [](U a, U b) { return static_cast<U>(a - b); });
    });
  }
  T fetch_or(T d, std::memory_order mo = detail::sc,
             source_loc loc = source_loc::current()) requires is_int {
    return rmw<op::fetch_or>(d, mo, loc, [&](T x) {
      return wrap(x, d, [](U a, U b) { return static_cast<U>(a | b); });
    });
  }
  T fetch_and(T d, std::memory_order mo = detail::sc,
              source_loc loc = source_loc::current()) requires is_int {
    return rmw<op::fetch_and>(d, mo, loc, [&](T x) {
      return wrap(x, d, [](U a, U b) { return static_cast<U>(a & b); });
    });
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
    if constexpr (fast) {
      std::uint64_t e = detail::to_bits(expected);
      const unsigned orders = detail::cas_orders(success, failure);
      const bool ok = weak ? detail::cas_bits<true, sizeof(T)>(
                                 m_, this, &v_, &e, detail::to_bits(desired), orders, loc)
                           : detail::cas_bits<false, sizeof(T)>(
                                 m_, this, &v_, &e, detail::to_bits(desired), orders, loc);
      if (!ok) expected = detail::from_bits<T>(e);
      return ok;
    } else {
      return detail::atomic_cas(*r, m_, this, &v_, &expected, &desired, sizeof(T), success, failure,
                                weak, loc);
    }
  }

  // Outside an execution `f` applies the operation; inside, the runtime
  // does (op names it, `operand` is its argument), after the scheduling point.
  template <op O, class F>
  T rmw(T operand, std::memory_order mo, const source_loc& loc, F f) {
    auto* r = detail::rt();
    if (r == nullptr) {
      T old = v_;
      v_ = f(old);
      return old;
    }
    if constexpr (fast) {
      return detail::from_bits<T>(
          detail::rmw_bits<O, sizeof(T)>(m_, this, &v_, detail::to_bits(operand), mo, loc));
    } else {
      T old = v_;
      detail::atomic_rmw(*r, O, m_, this, &v_, &operand, &old, sizeof(T), mo, loc);
      return old;
    }
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
    detail::cell_read(*r, m_, this, &v_, detail::bits_size<T>, loc);
    return v_;
  }
  void write(T v, source_loc loc = source_loc::current()) {
    auto* r = detail::rt();
    if (r == nullptr) {
      v_ = std::move(v);
      return;
    }
    const std::uint64_t old =
        detail::cell_write_begin(*r, m_, this, &v_, detail::bits_size<T>, loc);
    v_ = std::move(v);
    detail::cell_write_end(*r, this, &v_, detail::bits_size<T>, old, loc);
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

  // The next compare-exchange of this thread on `word` is the CAS of a
  // retry loop (lastref/detail/retry.h states the caller's contract): if it
  // confirms the thread's last read and fails other than spuriously, the
  // execution is pruned as redundant (run_options::prune_failed_retries).
  // Not a scheduling point.
  static void retry_cas(const void* word) noexcept;
  // The next load of this thread, of `word`, starts a retry loop
  // (lastref/detail/retry.h, retry_load, states the caller's contract): for
  // a value v with cas_follows(v) the thread's next operation is the retry
  // CAS confirming v (checked: a breach is a failure), and under c11, on
  // a word declared rmw_only, an exhaustive explore skips reading older
  // stores with such values (run_options::prune_failed_retries). For a v
  // with wait_follows(v) (may be null: none) the next operation is a
  // futex wait on `word` for v, and the one after that wait this load
  // again (checked too), and older stores with such values are skipped
  // likewise. Not a scheduling point.
  static void retry_load(const void* word, bool (*cas_follows)(std::uint64_t) noexcept,
                         bool (*wait_follows)(std::uint64_t) noexcept) noexcept;
  // The next futex wait of this thread on `word` is a re-check wait
  // (lastref/detail/recheck_wait.h states the caller's contract): if it
  // returns at once because the value changed, the thread's next load of
  // the word runs right after it (run_options::prune_stutters; under c11
  // only for a word declared rmw_only). Not a scheduling point.
  static void recheck_wait(const void* word) noexcept;
  // `word` is written only by read-modify-writes from now on, for its
  // lifetime (lastref/detail/rmw_only.h states the caller's contract): a
  // plain store to it is then a failure, in every model and outside any
  // hold, and under c11 the holds after its futex waits are made as under
  // sc (fuzz/model/README.md, "RMW-only words"). Call it after the word's
  // last plain store (its constructor's value is none). Not a scheduling
  // point; also outside an execution (the mark is the atomic's own).
  template <class T>
  static void rmw_only(atomic<T>& word) noexcept {
    word.meta().rmw_only = true;
  }

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
    void* mem =
        detail::make_begin(*r, sizeof(T), alignof(T), [](void* p) { static_cast<T*>(p)->~T(); });
    T* obj = ::new (mem) T(std::forward<A>(args)...);
    detail::make_end(*r, obj, sizeof(T));
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
    if (!detail::destroy_begin(*r, p, sizeof(T), loc)) return;
    p->~T();
    detail::destroy_end(*r, p, loc);
  }
};

}  // namespace lastref::model
