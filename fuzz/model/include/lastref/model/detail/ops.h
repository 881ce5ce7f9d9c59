// SPDX-License-Identifier: MIT
#pragma once
// The narrow interface between the model platform's types (../platform.h)
// and the runtime (fuzz/model/src/, never installed). A platform type keeps
// its value and its metadata record (location.h); everything else about an
// execution (scheduler, happens-before, store histories, heap, residency,
// trace) is the runtime's, reached only through the functions below.
//
// Contract: each function is one whole platform operation of the execution
// `r` running on this OS thread: the scheduling point (which may switch to
// another virtual thread), the memory-model and happens-before bookkeeping,
// the oracles' checks, and the trace / observer record. A function that
// takes the value's address (`value`, `size` bytes) reads and writes it
// itself, after the scheduling point, so no other virtual thread runs
// between the read and the operation. rt() is null outside executions,
// where the types act directly and call none of these.
//
// Lifetime rule: `r` (passed, or rt() for the narrow entry points) is the
// execution running now; it outlives the call. `self` names the object in traces and failure
// reports (its address is never printed). A failure ends the execution from inside the call.
//
// Memory ordering: of the modelled program, as platform.h states; the
// runtime itself runs on one OS thread and needs none.
//
// Cost: an operation is one out-of-line call. The common one (an atomic of
// 1, 2, 4 or 8 bytes) passes at most 7 arguments, all in registers but a
// CAS's last, and no value through memory (model_speed/1000_steps).

#include <lastref/source_loc.h>

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../op.h"
#include "location.h"

namespace lastref::model::detail {

class runtime;
// The runtime of the execution running on this OS thread, only while it
// runs (runtime.cc sets it around an execution); null otherwise.
extern thread_local constinit runtime* current_rt;
inline runtime* rt() noexcept { return current_rt; }

inline constexpr std::memory_order sc = std::memory_order_seq_cst;
// The failure order compare_exchange(expected, desired, mo) uses.
constexpr std::memory_order load_order(std::memory_order mo) noexcept {
  return mo == std::memory_order_acq_rel   ? std::memory_order_acquire
         : mo == std::memory_order_release ? std::memory_order_relaxed
                                           : mo;
}

// The bits a trace record and the store histories keep of a value: its
// bytes when it is trivially copyable and at most 8 bytes, else 0.
template <class T>
inline std::uint64_t to_bits(const T& v) noexcept {
  if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= 8) {
    std::uint64_t r = 0;
    std::memcpy(&r, &v, sizeof(T));
    return r;
  } else {
    return 0;
  }
}
template <class T>
inline constexpr std::size_t bits_size = std::is_trivially_copyable_v<T> && sizeof(T) <= 8
                                             ? sizeof(T)
                                             : 0;

// ---- model::atomic<T> of 1, 2, 4 or 8 bytes: every integer, pointer and
// small struct. The common case is narrowed so that a call passes its
// arguments in registers: the value's bits (its bytes, to_bits) pass by
// value and come back as the result, the operation's kind and the size are
// part of the function (instantiated for N = 1, 2, 4, 8 in platform.cc),
// and the runtime is rt() (these are called only while it is non-null). ----
template <std::size_t N>
inline constexpr bool fast_size = N == 1 || N == 2 || N == 4 || N == 8;
// The bits of the value the load reads (under c11 a store of the history).
template <std::size_t N>
std::uint64_t load_bits(atomic_meta& m, const void* self, const void* value, std::memory_order mo,
                        const source_loc& loc);
// Stores `desired` (under c11 placed in modification order by a decision;
// `value` changes only when the store becomes the latest).
template <std::size_t N>
void store_bits(atomic_meta& m, const void* self, void* value, std::uint64_t desired,
                std::memory_order mo, const source_loc& loc);
// A read-modify-write: O is op::exchange (the new value is `operand`) or
// op::fetch_add / fetch_sub / fetch_or / fetch_and on an integer of N bytes
// (two's complement, wrapping). Returns the old value's bits.
template <op O, std::size_t N>
std::uint64_t rmw_bits(atomic_meta& m, const void* self, void* value, std::uint64_t operand,
                       std::memory_order mo, const source_loc& loc);
// compare_exchange (Weak: the _weak form); `orders` = cas_orders(success,
// failure). On failure `*expected` receives the bits of the value read.
constexpr unsigned cas_orders(std::memory_order success, std::memory_order failure) noexcept {
  return static_cast<unsigned>(success) | static_cast<unsigned>(failure) << 8;
}
template <bool Weak, std::size_t N>
bool cas_bits(atomic_meta& m, const void* self, void* value, std::uint64_t* expected,
              std::uint64_t desired, unsigned orders, const source_loc& loc);

// The value of type T (of a fast_size) whose bits are `b`: the inverse of
// to_bits, which keeps the value in the low bytes (the runtime computes
// fetch_add and friends on the bits as integers: little-endian only).
static_assert(std::endian::native == std::endian::little,
              "the model's value bits are little-endian");
template <class T>
inline T from_bits(std::uint64_t b) noexcept {
  using U = std::conditional_t<
      sizeof(T) == 1, std::uint8_t,
      std::conditional_t<sizeof(T) == 2, std::uint16_t,
                         std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  return std::bit_cast<T>(static_cast<U>(b));
}

// ---- model::atomic<T> of any other size (`size` = sizeof(T)): through
// the value's address ----
// Loads into `out` the value the load reads (the latest value: store
// histories keep values of at most 8 bytes).
void atomic_load(runtime& r, atomic_meta& m, const void* self, const void* value, void* out,
                 std::size_t size, std::memory_order mo, const source_loc& loc);
void atomic_store(runtime& r, atomic_meta& m, const void* self, void* value, const void* desired,
                  std::size_t size, std::memory_order mo, const source_loc& loc);
// `o` as for rmw_bits (in practice op::exchange: integers are of a fast size).
void atomic_rmw(runtime& r, op o, atomic_meta& m, const void* self, void* value,
                const void* operand, void* old_out, std::size_t size, std::memory_order mo,
                const source_loc& loc);
// compare_exchange; on failure `expected` receives the value read.
bool atomic_cas(runtime& r, atomic_meta& m, const void* self, void* value, void* expected,
                const void* desired, std::size_t size, std::memory_order success,
                std::memory_order failure, bool weak, const source_loc& loc);

// ---- model::cell<T>; `bits` = bits_size<T> ----
void cell_read(runtime& r, cell_meta& c, const void* self, const void* value, std::size_t bits,
               const source_loc& loc);
// The scheduling point and race check of a write; returns the old value's
// bits. The type then assigns and calls cell_write_end (the record).
std::uint64_t cell_write_begin(runtime& r, cell_meta& c, const void* self, const void* value,
                               std::size_t bits, const source_loc& loc);
void cell_write_end(runtime& r, const void* self, const void* value, std::size_t bits,
                    std::uint64_t old, const source_loc& loc);

// ---- platform::make / destroy (the model allocator) ----
// The scheduling point and the block; the caller constructs the object in
// it and then calls make_end (the record).
void* make_begin(runtime& r, std::size_t size, std::size_t align, void (*dtor)(void*));
void make_end(runtime& r, const void* obj, std::size_t size);
// Validates the free (double / invalid free, races with earlier accesses)
// and records it; false: do not run the destructor. After the destructor,
// destroy_end quarantines the block.
bool destroy_begin(runtime& r, const void* p, std::size_t size, const source_loc& loc);
void destroy_end(runtime& r, const void* p, const source_loc& loc);

}  // namespace lastref::model::detail
