// SPDX-License-Identifier: MIT
#pragma once
// The model heap: the allocator behind platform::make / destroy, its block
// table (what was allocated, when, by whom it was freed) and the recycling
// pools. Private to fuzz/model.
//
// Contract: allocate() hands out a block and records it; mark_freed()
// quarantines it (the memory stays mapped, and under ASan poisoned, until
// the execution ends) so any later access can be named a use after free by
// freed_containing(). The heap decides nothing about failures: the runtime
// asks it and words the report. reclaim() ends an execution: destructors of
// the blocks still live run (they may destroy others through the platform),
// then every block goes back to its pool in reverse allocation order, so the
// next execution's allocations get the same addresses in the same order (the
// pools are LIFO), which keeps address-keyed state of a schedule source
// (dpor_source's footprints) valid across executions replaying one prefix.
// Blocks of at most 1 KiB with alignment <= 16 come from 64 size-class pools
// (16-byte classes); larger ones from aligned operator new.
//
// Lifetime rule: one heap per runtime; pooled memory is released by the
// destructor. Block pointers returned by find/freed_containing are valid
// until the next allocate or reclaim.
//
// Memory ordering: not applicable (one OS thread, the execution's).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lastref::model::detail {

struct block {
  char* ptr;
  std::size_t size;
  void (*dtor)(void*);
  std::uint32_t alloc_step;
  std::uint32_t free_step;
  std::uint8_t free_tid;
  bool freed;
  std::uint8_t size_class;  // 0xff: not pooled
};

class heap {
 public:
  heap();
  ~heap();
  heap(const heap&) = delete;
  heap& operator=(const heap&) = delete;

  void* allocate(std::size_t size, std::size_t align, void (*dtor)(void*), std::uint32_t step);
  // The block starting at p (the newest, if p was reused), or null.
  [[nodiscard]] const block* find(const void* p) const noexcept;
  // Quarantines the live block starting at p. `counted`: the free happened
  // inside setup/threads/check, so later accesses are checked.
  void mark_freed(const void* p, std::uint8_t tid, std::uint32_t step, bool counted) noexcept;
  // Any counted free this execution (the scheduling point's fast test).
  [[nodiscard]] bool any_freed() const noexcept { return n_freed_ != 0; }
  // The first freed block containing addr, or null.
  [[nodiscard]] const block* freed_containing(const void* addr) const noexcept;
  // Index of the block containing addr (its "objN" name), or -1.
  [[nodiscard]] long index_containing(const void* addr) const noexcept;
  [[nodiscard]] const std::vector<block>& blocks() const noexcept { return blocks_; }
  // Ends an execution (see the contract).
  void reclaim();

 private:
  std::vector<block> blocks_;
  std::uint32_t n_freed_ = 0;
  std::vector<void*> pool_[64];  // free lists by 16-byte size class (<= 1 KiB)
};

}  // namespace lastref::model::detail
