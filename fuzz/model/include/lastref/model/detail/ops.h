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
// Lifetime rule: `r` is the execution running now (rt()); it outlives the
// call. `self` names the object in traces and failure reports (its address
// is never printed). A failure ends the execution from inside the call.
//
// Memory ordering: of the modelled program, as platform.h states; the
// runtime itself runs on one OS thread and needs none.

#include <lastref/source_loc.h>

#include <atomic>
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

// ---- model::atomic<T> (T trivially copyable, `size` = sizeof(T)) ----
// Loads into `out` the value the load reads (under c11 a store of the
// history when size <= 8; else the latest value).
void atomic_load(runtime& r, atomic_meta& m, const void* self, const void* value, void* out,
                 std::size_t size, std::memory_order mo, const source_loc& loc);
// Stores `desired` (under c11 placed in modification order by a decision;
// `value` changes only when the store becomes the latest).
void atomic_store(runtime& r, atomic_meta& m, const void* self, void* value, const void* desired,
                  std::size_t size, std::memory_order mo, const source_loc& loc);
// A read-modify-write: `o` is op::exchange (the new value is `operand`) or
// op::fetch_add / fetch_sub / fetch_or / fetch_and on an integer of `size`
// bytes (two's complement, wrapping). The old value goes to `old_out`.
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
