// SPDX-License-Identifier: MIT
#pragma once
// The metadata the model keeps beside every atomic and cell of the program
// (platform.h embeds one in each model::atomic / model::cell, so it is in
// the public folder; nothing outside fuzz/model/src reads or writes it): the
// happens-before, memory and heap components read and write these records,
// the runtime's registry lists them.
//
// Contract: a location's constructor registers it with the execution running
// on this OS thread (if any) and records its construction as a write by the
// constructing thread; its destructor unregisters it (src/runtime.cc).
//
// Lifetime rule: as long as the atomic / cell that embeds it.
//
// Memory ordering: not applicable (one OS thread, the execution's).

#include <cstdint>

#include "../limits.h"
#include "vclock.h"

namespace lastref::model::detail {

// Base of every model atomic and cell: construction is a (non-atomic) write
// by the constructing thread, and the registry lets destroy() find every
// location inside a freed block.
struct location {
  enum class kind : std::uint8_t { atomic, cell };
  explicit location(kind k) noexcept;
  ~location();
  location(const location&) = delete;
  location& operator=(const location&) = delete;

  kind kind_;
  std::uint8_t init_tid_ = no_thread;
  std::uint32_t init_clk_ = 0;
  std::uint32_t init_step_ = 0;
  std::uint32_t reg_idx_ = 0;
  std::uint32_t reg_gen_ = 0;  // 0: not registered
};

// A free is ordered after another thread's last access to an atomic if that
// access happens-before it, or if it was a write the freeing thread has
// since read past (coherence: the kernel's "dec_and_test, then acquire
// fence" frees after other holders' RMWs that are not themselves released).
struct atomic_meta : location {
  atomic_meta() noexcept : location(kind::atomic) {}
  vclock rel;                           // what an acquire of the current value synchronises with
  std::uint32_t acc[max_threads] = {};  // per thread: epoch of its last access
  std::uint32_t acc_step[max_threads] = {};
  std::uint32_t w_idx[max_threads] =
      {};  // per thread: modification-order index of its last write (0: last access was a read)
  std::uint32_t seen[max_threads] = {};  // per thread: latest modification-order index it has read
  std::uint32_t writes = 0;              // modification-order length
  // c11: the store history lives in the runtime (runtime::hist_), found by
  // index while hist_gen matches the runtime's execution generation.
  std::uint32_t hist_idx = 0;
  std::uint32_t hist_gen = 0;
  // Declared by platform::rmw_only: from then on, for the atomic's
  // lifetime, only read-modify-writes write it (a plain store is a
  // failure), which makes the c11 holds after its futex waits sound
  // (fuzz/model/README.md, "RMW-only words"). Part of the atomic, so it
  // ends with it: memory reused for another object gets a new record.
  bool rmw_only = false;
};

struct cell_meta : location {
  cell_meta() noexcept;
  std::uint8_t w_tid = no_thread;  // last write: thread, epoch, step
  std::uint32_t w_clk = 0;
  std::uint32_t w_step = 0;
  std::uint32_t r_clk[max_threads] = {};  // per thread: epoch / step of its last read
  std::uint32_t r_step[max_threads] = {};
};

}  // namespace lastref::model::detail
