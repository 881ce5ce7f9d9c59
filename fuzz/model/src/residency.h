// SPDX-License-Identifier: MIT
#pragma once
// Module-text residency: which module text each virtual thread is executing
// inside (a stack per thread, platform::text_enter / text_leave), and which
// texts have been unmapped (platform::text_unmap). Private to fuzz/model.
//
// Contract: the runtime asks before every step of a thread inside module
// text whether a text on its stack is gone (running_unmapped) and words the
// "executing unloaded module text" failure; it decides nothing itself.
// push() refuses nesting deeper than max_residency; pop() refuses a text
// that is not innermost; drop() empties a thread's stack (exit_thread: the
// thread never returns into its callers' text). begin_execution() forgets
// everything.
//
// Lifetime rule: one per runtime; text pointers are compared, never
// dereferenced.
//
// Memory ordering: not applicable (one OS thread, the execution's).

#include <cstdint>
#include <vector>

#include <lastref/model/limits.h>

namespace lastref::model::detail {

inline constexpr int max_residency = 16;

struct unmapped_text {
  const void* text;
  std::uint32_t step;
  std::uint8_t tid;
};

class residency {
 public:
  residency() { unmapped_.reserve(8); }

  void begin_execution() noexcept {
    for (auto& d : depth_) d = 0;
    unmapped_.clear();
  }
  // The scheduling point's fast test: may a step of `tid` run unloaded text?
  [[nodiscard]] bool may_run_unmapped(int tid) const noexcept {
    return !unmapped_.empty() && depth_[tid] != 0;
  }
  [[nodiscard]] int depth(int tid) const noexcept { return depth_[tid]; }
  // The innermost text `tid` runs in, or null.
  [[nodiscard]] const void* innermost(int tid) const noexcept {
    return depth_[tid] != 0 ? texts_[tid][depth_[tid] - 1] : nullptr;
  }
  // False: nested deeper than max_residency (nothing pushed).
  bool push(int tid, const void* text) noexcept {
    if (depth_[tid] == max_residency) return false;
    texts_[tid][depth_[tid]++] = text;
    return true;
  }
  // False: `text` is not the innermost text of `tid` (nothing popped).
  bool pop(int tid, const void* text) noexcept {
    if (depth_[tid] == 0 || texts_[tid][depth_[tid] - 1] != text) return false;
    --depth_[tid];
    return true;
  }
  void drop(int tid) noexcept { depth_[tid] = 0; }

  // Records the first unmapping of `text`.
  void unmap(const void* text, std::uint32_t step, std::uint8_t tid);
  // The unmapping of `text`, or null.
  [[nodiscard]] const unmapped_text* unmapped(const void* text) const noexcept;
  // The first unmapped text on tid's stack, innermost first, or null.
  [[nodiscard]] const unmapped_text* running_unmapped(int tid) const noexcept;
  // `text` was unmapped at a step before `step` (trace annotations).
  [[nodiscard]] bool unmapped_before(const void* text, std::uint32_t step) const noexcept;

 private:
  std::uint8_t depth_[max_threads] = {};
  const void* texts_[max_threads][max_residency] = {};
  std::vector<unmapped_text> unmapped_;
};

}  // namespace lastref::model::detail
