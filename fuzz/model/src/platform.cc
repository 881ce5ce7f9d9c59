// SPDX-License-Identifier: MIT
// The model platform's operations: the runtime side of every atomic, cell
// and allocation operation (detail/ops.h: one call each), and the futex,
// mutex, time, text and exit operations.

#include <lastref/model/platform.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime.h"

namespace lastref::model {

using detail::rt;

// ---- the narrow interface (detail/ops.h): one call per operation ----
namespace detail {
namespace {
// A value of `size` bytes as record bits and back. N: the size when it is
// known at compile time (1, 2, 4 or 8: one move), 0: any size (bits only of
// values of at most 8 bytes, else 0).
template <std::size_t N>
std::uint64_t get_bits(const void* p, std::size_t size) noexcept {
  std::uint64_t v = 0;
  if constexpr (N != 0)
    std::memcpy(&v, p, N);
  else if (size <= 8)
    std::memcpy(&v, p, size);
  return v;
}
// Only values of at most 8 bytes are ever written from bits.
template <std::size_t N>
void put_bits(void* p, std::size_t size, std::uint64_t v) noexcept {
  std::memcpy(p, &v, N != 0 ? N : (size < 8 ? size : 8));
}
template <std::size_t N>
void copy(void* to, const void* from, std::size_t size) noexcept {
  std::memcpy(to, from, N != 0 ? N : size);
}
// Store histories hold values of at most 8 bytes (memory.cc).
bool historied(const runtime& r, std::size_t size) noexcept { return size <= 8 && r.weak(); }

// The operations, once per compile-time size N (1, 2, 4, 8: the narrow
// entry points below; 0: any size, through the value's address), inlined
// into their entry point so an operation costs one call.
template <std::size_t N>
[[gnu::always_inline]] inline void load_n(runtime& r, atomic_meta& m, const void* self,
                                          const void* value, void* out, std::size_t size,
                                          std::memory_order mo, const source_loc& loc) {
  const runtime::retry_load_tests tests = r.take_retry_load(self);
  r.retry_load_reload(self, mo);
  r.point(op::load, self, loc);
  if (historied(r, size)) {
    put_bits<N>(out, size, r.c11_load(m, get_bits<N>(value, size), mo, tests));
  } else {
    copy<N>(out, value, size);
    r.access_atomic(m, false);
    r.acquire_from(m, mo);
  }
  r.note(op::load, self, loc, get_bits<N>(out, size), 0, mo);
  r.note_read(self, get_bits<N>(out, size), mo);
  if (tests.cas != nullptr) [[unlikely]]
    r.retry_load_read(self, get_bits<N>(out, size), mo, tests);
}

// A plain store to a word declared RMW-only (platform::rmw_only): the
// declaration is wrong, and the c11 holds it allows after the word's futex
// waits would be unsound, so the execution fails at this store (the
// report's trace ends with it), in both models.
[[noreturn, gnu::cold, gnu::noinline]] void rmw_only_store(runtime& r, std::uint64_t v) {
  r.fail(failure_kind::invariant,
         "T%d stores %llu with a plain store to a word declared RMW-only "
         "(platform::rmw_only, lastref/detail/rmw_only.h): such a word may only be written by "
         "read-modify-writes (exchange, fetch_*, compare_exchange) for its lifetime",
         r.cur_, static_cast<unsigned long long>(v));
}

template <std::size_t N>
[[gnu::always_inline]] inline void store_n(runtime& r, atomic_meta& m, const void* self,
                                           void* value, const void* desired, std::size_t size,
                                           std::memory_order mo, const source_loc& loc) {
  r.point(op::store, self, loc);
  const std::uint64_t old = get_bits<N>(value, size);
  const std::uint64_t v = get_bits<N>(desired, size);
  if (m.rmw_only && r.active_checks()) [[unlikely]]
    rmw_only_store(r, v);
  if (historied(r, size)) {
    // Placed before a newer store, it is not the value the location holds.
    if (r.c11_store(m, old, v, mo)) copy<N>(value, desired, size);
  } else {
    r.access_atomic(m, true);
    r.release_store(m, mo);
    copy<N>(value, desired, size);
  }
  r.note(op::store, self, loc, old, v, mo);
}

template <std::size_t N>
[[gnu::always_inline]] inline void rmw_n(runtime& r, op o, atomic_meta& m, const void* self,
                                         void* value, const void* operand, void* old_out,
                                         std::size_t size, std::memory_order mo,
                                         const source_loc& loc) {
  r.point(o, self, loc);
  copy<N>(old_out, value, size);
  const std::uint64_t old = get_bits<N>(value, size);
  if (o == op::exchange) {
    copy<N>(value, operand, size);
  } else {
    // Integers only (1 to 8 bytes): computed on the bits and truncated to
    // the value's size, which is two's complement wrapping.
    const std::uint64_t d = get_bits<N>(operand, size);
    const std::uint64_t n = o == op::fetch_add   ? old + d
                            : o == op::fetch_sub ? old - d
                            : o == op::fetch_or  ? old | d
                                                 : old & d;
    put_bits<N>(value, size, n);
  }
  const std::uint64_t now = get_bits<N>(value, size);
  if (historied(r, size)) {
    r.c11_rmw(m, old, now, mo);
  } else {
    r.access_atomic(m, true);
    r.acquire_from(m, mo);
    r.release_rmw(m, mo);
  }
  r.note(o, self, loc, old, now, mo);
}

template <std::size_t N>
[[gnu::always_inline]] inline bool cas_n(runtime& r, atomic_meta& m, const void* self, void* value,
                                         void* expected, const void* desired, std::size_t size,
                                         std::memory_order success, std::memory_order failure,
                                         bool weak, const source_loc& loc) {
  const std::uint64_t want = get_bits<N>(desired, size);
  const std::uint64_t exp = get_bits<N>(expected, size);
  // Before the point: a stutter is cut before anything else can run.
  if (weak && historied(r, size)) r.stutter_cas(m, exp, want, success, failure, loc);
  const runtime::retry_state retry = r.retry_check(self, exp, failure);
  r.retry_load_cas(self, retry.hinted, exp, success, failure);
  r.point(op::cas_ok, self, loc, retry.confirms);
  const bool equal = std::memcmp(value, expected, N != 0 ? N : size) == 0;
  const std::uint64_t cur = get_bits<N>(value, size);
  if (historied(r, size)) {
    std::uint64_t seen = 0;
    if (r.c11_cas(m, cur, equal, exp, want, success, failure, weak, seen,
                  r.spurious_is_stutter(retry))) {
      copy<N>(value, desired, size);
      r.note(op::cas_ok, self, loc, cur, want, success);
      return true;
    }
    r.note(op::cas_fail, self, loc, seen, exp, failure);
    r.retry_failed(retry, self, seen, exp, failure);
    put_bits<N>(expected, size, seen);
    return false;
  }
  if (equal) {
    copy<N>(value, desired, size);
    r.access_atomic(m, true);
    r.acquire_from(m, success);
    r.release_rmw(m, success);
    r.note(op::cas_ok, self, loc, cur, want, success);
    return true;
  }
  r.access_atomic(m, false);
  r.acquire_from(m, failure);
  r.note(op::cas_fail, self, loc, cur, exp, failure);
  r.retry_failed(retry, self, cur, exp, failure);
  copy<N>(expected, value, size);
  return false;
}

}  // namespace

// The narrow entry points (values of 1, 2, 4 or 8 bytes): the bits live in
// a local the operations above read and write through its address, which
// the compiler keeps in a register once they are inlined.
template <std::size_t N>
std::uint64_t load_bits(atomic_meta& m, const void* self, const void* value, std::memory_order mo,
                        const source_loc& loc) {
  std::uint64_t out = 0;
  load_n<N>(*rt(), m, self, value, &out, N, mo, loc);
  return out;
}

template <std::size_t N>
void store_bits(atomic_meta& m, const void* self, void* value, std::uint64_t desired,
                std::memory_order mo, const source_loc& loc) {
  store_n<N>(*rt(), m, self, value, &desired, N, mo, loc);
}

template <op O, std::size_t N>
std::uint64_t rmw_bits(atomic_meta& m, const void* self, void* value, std::uint64_t operand,
                       std::memory_order mo, const source_loc& loc) {
  std::uint64_t old = 0;
  rmw_n<N>(*rt(), O, m, self, value, &operand, &old, N, mo, loc);
  return old;
}

template <bool Weak, std::size_t N>
bool cas_bits(atomic_meta& m, const void* self, void* value, std::uint64_t* expected,
              std::uint64_t desired, unsigned orders, const source_loc& loc) {
  const auto success = static_cast<std::memory_order>(orders & 0xffu);
  const auto failure = static_cast<std::memory_order>(orders >> 8);
  return cas_n<N>(*rt(), m, self, value, expected, &desired, N, success, failure, Weak, loc);
}

#define LASTREF_MODEL_FAST_OPS(N)                                                                  \
  template std::uint64_t load_bits<N>(atomic_meta&, const void*, const void*, std::memory_order,   \
                                      const source_loc&);                                          \
  template void store_bits<N>(atomic_meta&, const void*, void*, std::uint64_t, std::memory_order,  \
                              const source_loc&);                                                  \
  template std::uint64_t rmw_bits<op::exchange, N>(                                                \
      atomic_meta&, const void*, void*, std::uint64_t, std::memory_order, const source_loc&);      \
  template std::uint64_t rmw_bits<op::fetch_add, N>(                                               \
      atomic_meta&, const void*, void*, std::uint64_t, std::memory_order, const source_loc&);      \
  template std::uint64_t rmw_bits<op::fetch_sub, N>(                                               \
      atomic_meta&, const void*, void*, std::uint64_t, std::memory_order, const source_loc&);      \
  template std::uint64_t rmw_bits<op::fetch_or, N>(                                                \
      atomic_meta&, const void*, void*, std::uint64_t, std::memory_order, const source_loc&);      \
  template std::uint64_t rmw_bits<op::fetch_and, N>(                                               \
      atomic_meta&, const void*, void*, std::uint64_t, std::memory_order, const source_loc&);      \
  template bool cas_bits<false, N>(atomic_meta&, const void*, void*, std::uint64_t*,               \
                                   std::uint64_t, unsigned, const source_loc&);                    \
  template bool cas_bits<true, N>(atomic_meta&, const void*, void*, std::uint64_t*, std::uint64_t, \
                                  unsigned, const source_loc&);
LASTREF_MODEL_FAST_OPS(1)
LASTREF_MODEL_FAST_OPS(2)
LASTREF_MODEL_FAST_OPS(4)
LASTREF_MODEL_FAST_OPS(8)
#undef LASTREF_MODEL_FAST_OPS

// Any other size: through the value's address (N = 0).
void atomic_load(runtime& r, atomic_meta& m, const void* self, const void* value, void* out,
                 std::size_t size, std::memory_order mo, const source_loc& loc) {
  load_n<0>(r, m, self, value, out, size, mo, loc);
}

void atomic_store(runtime& r, atomic_meta& m, const void* self, void* value, const void* desired,
                  std::size_t size, std::memory_order mo, const source_loc& loc) {
  store_n<0>(r, m, self, value, desired, size, mo, loc);
}

void atomic_rmw(runtime& r, op o, atomic_meta& m, const void* self, void* value,
                const void* operand, void* old_out, std::size_t size, std::memory_order mo,
                const source_loc& loc) {
  rmw_n<0>(r, o, m, self, value, operand, old_out, size, mo, loc);
}

bool atomic_cas(runtime& r, atomic_meta& m, const void* self, void* value, void* expected,
                const void* desired, std::size_t size, std::memory_order success,
                std::memory_order failure, bool weak, const source_loc& loc) {
  return cas_n<0>(r, m, self, value, expected, desired, size, success, failure, weak, loc);
}

void cell_read(runtime& r, cell_meta& c, const void* self, const void* value, std::size_t bits,
               const source_loc& loc) {
  r.point(op::cell_read, self, loc);
  r.cell_read(c);
  r.note(op::cell_read, self, loc, get_bits<0>(value, bits), 0);
}

std::uint64_t cell_write_begin(runtime& r, cell_meta& c, const void* self, const void* value,
                               std::size_t bits, const source_loc& loc) {
  r.point(op::cell_write, self, loc);
  r.cell_write(c);
  return get_bits<0>(value, bits);
}

void cell_write_end(runtime& r, const void* self, const void* value, std::size_t bits,
                    std::uint64_t old, const source_loc& loc) {
  r.note(op::cell_write, self, loc, old, get_bits<0>(value, bits));
}

namespace {
constexpr source_loc make_loc{"?", 0, "make"};
}

void* make_begin(runtime& r, std::size_t size, std::size_t align, void (*dtor)(void*)) {
  r.point(op::make, nullptr, make_loc);
  return r.allocate(size, align, dtor);
}

void make_end(runtime& r, const void* obj, std::size_t size) {
  r.note(op::make, obj, make_loc, size, 0);
}

bool destroy_begin(runtime& r, const void* p, std::size_t size, const source_loc& loc) {
  r.point(op::destroy, p, loc);
  if (!r.destroy_begin(p, loc)) return false;
  r.note(op::destroy, p, loc, size, 0);
  return true;
}

void destroy_end(runtime& r, const void* p, const source_loc& loc) { r.destroy_end(p, loc); }

}  // namespace detail

clock::time_point clock::now() noexcept {
  auto* r = rt();
  return time_point(duration(r != nullptr ? r->now() : 0));
}

clock::time_point platform::now(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return clock::now();
  r->point(op::now, nullptr, loc);
  const auto t = r->now();
  r->note(op::now, nullptr, loc, static_cast<std::uint64_t>(t), 0);
  return clock::time_point(clock::duration(t));
}

void platform::fence(std::memory_order mo, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::fence, nullptr, loc);
  r->fence(mo);
  r->note(op::fence, nullptr, loc, 0, 0, mo);
}

void platform::futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->rewait_check(&word, expected, word.raw(), false, 0, loc);
  const bool recheck = r->recheck_hinted(&word, word.meta());
  r->retry_load_wait(&word, expected);
  r->point(op::futex_wait, &word, loc);
  const std::uint32_t v = word.raw();
  if (r->weak()) r->c11_observe_latest(word.meta(), v);
  if (v != expected) {
    r->note(op::futex_wait, &word, loc, v, expected, "returns: value changed");
    if (recheck) r->hold_recheck(&word, expected, loc);
    return;
  }
  r->note(op::futex_wait, &word, loc, v, expected, "sleeps");
  r->futex_sleep(&word, expected, false, 0, loc, &word.meta());
}

bool platform::futex_wait_until(atomic<std::uint32_t>& word, std::uint32_t expected,
                                clock::time_point deadline, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return true;
  r->rewait_check(&word, expected, word.raw(), true, deadline.time_since_epoch().count(), loc);
  const bool recheck = r->recheck_hinted(&word, word.meta());
  r->retry_load_wait(&word, expected);
  r->point(op::futex_wait, &word, loc);
  const std::uint32_t v = word.raw();
  if (r->weak()) r->c11_observe_latest(word.meta(), v);
  if (v != expected) {
    r->note(op::futex_wait, &word, loc, v, expected, "returns: value changed");
    if (recheck) r->hold_recheck(&word, expected, loc);
    return true;
  }
  r->note(op::futex_wait, &word, loc, v, expected, "sleeps with timeout");
  return r->futex_sleep(&word, expected, true, deadline.time_since_epoch().count(), loc,
                        &word.meta()) != detail::wake_reason::timeout;
}

void platform::futex_wake_one(atomic<std::uint32_t>& word, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::futex_wake_one, &word, loc);
  r->note(op::futex_wake_one, &word, loc, 0, 0);
  r->wake(&word, false, loc, op::futex_wake_one);
}

void platform::futex_wake_all(atomic<std::uint32_t>& word, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::futex_wake_all, &word, loc);
  r->note(op::futex_wake_all, &word, loc, 0, 0);
  r->wake(&word, true, loc, op::futex_wake_all);
}

void platform::retry_cas(const void* word) noexcept {
  if (auto* r = rt(); r != nullptr) r->hint_retry(word);
}

void platform::retry_load(const void* word, bool (*cas_follows)(std::uint64_t) noexcept,
                          bool (*wait_follows)(std::uint64_t) noexcept) noexcept {
  if (auto* r = rt(); r != nullptr) r->hint_retry_load(word, cas_follows, wait_follows);
}

void platform::recheck_wait(const void* word) noexcept {
  if (auto* r = rt(); r != nullptr) r->hint_recheck(word);
}

void platform::preemption_point(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::preemption_point, nullptr, loc);
  r->note(op::preemption_point, nullptr, loc, 0, 0);
}

void platform::text_enter(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_enter, nullptr, loc);
  r->text_enter(text, loc);
  r->note(op::text_enter, text, loc, 0, 0);
}

void platform::text_leave(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_leave, nullptr, loc);
  r->note(op::text_leave, text, loc, 0, 0);
  r->text_leave(text, loc);
}

void platform::text_unmap(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_unmap, nullptr, loc);
  r->text_unmap(text, loc);
  r->note(op::text_unmap, text, loc, 0, 0, "module text unmapped");
}

void platform::exit_thread(thread_exit how, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    std::fprintf(stderr, "lastref::model: exit_thread() outside an execution\n");
    std::abort();
  }
  r->point(op::exit_thread, nullptr, loc);
  r->note(op::exit_thread, nullptr, loc, 0, 0);
  r->exit_thread(how, loc);
  __builtin_unreachable();
}

void mutex::lock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    owner_ = 0;
    return;
  }
  r->point(op::mutex_lock, this, loc);
  while (owner_ != detail::no_thread) {
    r->note(op::mutex_lock, this, loc, owner_, 0, "contended: sleeps");
    r->block_on(this, false, false, 0, loc);
  }
  owner_ = r->cur_;
  r->access_atomic(m_, true);
  r->acquire_from(m_, std::memory_order_acquire);
  r->note(op::mutex_lock, this, loc, 0, 0, std::memory_order_acquire);
}

bool mutex::try_lock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    if (owner_ != detail::no_thread) return false;
    owner_ = 0;
    return true;
  }
  r->point(op::mutex_lock, this, loc);
  if (owner_ != detail::no_thread) {
    r->note(op::mutex_lock, this, loc, owner_, 0, "try_lock: busy");
    return false;
  }
  owner_ = r->cur_;
  r->access_atomic(m_, true);
  r->acquire_from(m_, std::memory_order_acquire);
  r->note(op::mutex_lock, this, loc, 0, 0, std::memory_order_acquire, "try_lock");
  return true;
}

void mutex::unlock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    owner_ = detail::no_thread;
    return;
  }
  r->point(op::mutex_unlock, this, loc);
  if (owner_ != r->cur_ && r->active_checks())
    r->fail(failure_kind::invariant, "T%d unlocks a mutex it does not own", r->cur_);
  owner_ = detail::no_thread;
  r->access_atomic(m_, true);
  r->release_store(m_, std::memory_order_release);
  r->note(op::mutex_unlock, this, loc, 0, 0, std::memory_order_release);
  r->wake(this, false, loc, op::mutex_unlock);
}

}  // namespace lastref::model
