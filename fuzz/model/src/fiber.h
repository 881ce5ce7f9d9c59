// SPDX-License-Identifier: MIT
#pragma once
// Fibers for the model runtime: Boost.Context's fcontext (make/jump), pooled
// stacks with guard pages, and the ASan fiber-switch annotations.
//
// Contract: a fiber is only a saved context plus a stack from the pool; the
// runtime switches between fibers directly (no trip through a scheduler
// context), so a switch is one jump_fcontext. Stacks are mmap'd once per
// checker and reused for every execution; a fiber that is abandoned (its
// execution failed) is simply never resumed, and its stack is re-poisoned
// clean (ASan) before reuse.
//
// fcontext was measured faster than ucontext (swapcontext saves and restores
// the signal mask with a system call); see bench/model_bench.cc.
//
// Lifetime rule: stacks live as long as the runtime that allocated them.
//
// Memory ordering: not applicable (one OS thread).

#include <boost/context/detail/fcontext.hpp>

#include <cstddef>

#include "sanitizer.h"

namespace lastref::model::detail {

namespace ctx = boost::context::detail;

struct fiber_stack {
  char* base = nullptr;  // lowest usable address (guard page below)
  std::size_t size = 0;
};

fiber_stack allocate_stack(std::size_t size);
void free_stack(fiber_stack& s) noexcept;
// Clears ASan poisoning left by frames of an abandoned fiber.
void unpoison_stack(const fiber_stack& s) noexcept;

struct fiber {
  ctx::fcontext_t ctx = nullptr;
  fiber_stack stack;                  // empty for the native (caller's) context
  const void* asan_bottom = nullptr;  // for the native context: learned at first switch
  std::size_t asan_size = 0;
};

}  // namespace lastref::model::detail
