// SPDX-License-Identifier: MIT
// The model heap (heap.h).

#include "heap.h"

#include <new>

#include "sanitizer.h"

#if defined(LASTREF_MODEL_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace lastref::model::detail {

namespace {
constexpr std::uint8_t not_pooled = 0xff;
constexpr std::uint8_t nobody = 0xff;
}  // namespace

heap::heap() { blocks_.reserve(64); }

heap::~heap() {
  for (auto& list : pool_)
    for (void* p : list) ::operator delete (p, std::align_val_t{16});
}

void* heap::allocate(std::size_t size, std::size_t align, void (*dtor)(void*), std::uint32_t step) {
  block b{};
  b.size = size;
  b.dtor = dtor;
  b.alloc_step = step;
  b.free_tid = nobody;
  if (size <= 1024 && align <= 16) {
    const std::size_t cls = (size == 0 ? 0 : (size - 1) / 16);
    b.size_class = static_cast<std::uint8_t>(cls);
    auto& list = pool_[cls];
    if (!list.empty()) {
      b.ptr = static_cast<char*>(list.back());
      list.pop_back();
    } else {
      b.ptr = static_cast<char*>(::operator new ((cls + 1) * 16, std::align_val_t{16}));
    }
  } else {
    b.size_class = not_pooled;
    b.ptr = static_cast<char*>(::operator new (size, std::align_val_t{64}));
  }
  blocks_.push_back(b);
  return b.ptr;
}

const block* heap::find(const void* p) const noexcept {
  for (std::size_t i = blocks_.size(); i-- > 0;)
    if (blocks_[i].ptr == p) return &blocks_[i];
  return nullptr;
}

void heap::mark_freed(const void* p, std::uint8_t tid, std::uint32_t step, bool counted) noexcept {
  for (std::size_t i = blocks_.size(); i-- > 0;) {
    block& b = blocks_[i];
    if (b.ptr != p || b.freed) continue;
    b.freed = true;
    b.free_step = step;
    b.free_tid = tid;
    if (counted) ++n_freed_;
#if defined(LASTREF_MODEL_ASAN)
    __asan_poison_memory_region(b.ptr, b.size);  // quarantined: any raw access is an ASan report
#endif
    return;
  }
}

const block* heap::freed_containing(const void* addr) const noexcept {
  const char* a = static_cast<const char*>(addr);
  for (const block& b : blocks_)
    if (b.freed && a >= b.ptr && a < b.ptr + b.size) return &b;
  return nullptr;
}

long heap::index_containing(const void* addr) const noexcept {
  const char* a = static_cast<const char*>(addr);
  for (std::size_t i = 0; i < blocks_.size(); ++i)
    if (a >= blocks_[i].ptr && a < blocks_[i].ptr + blocks_[i].size) return static_cast<long>(i);
  return -1;
}

void heap::reclaim() {
  // Objects still alive are destroyed (their destructors may destroy others).
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (!blocks_[i].freed) {
      blocks_[i].freed = true;
      blocks_[i].dtor(blocks_[i].ptr);
    }
  }
  for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) {
    const block& b = *it;
#if defined(LASTREF_MODEL_ASAN)
    __asan_unpoison_memory_region(b.ptr, b.size);
#endif
    if (b.size_class != not_pooled)
      pool_[b.size_class].push_back(b.ptr);
    else
      ::operator delete (b.ptr, std::align_val_t{64});
  }
  blocks_.clear();
  n_freed_ = 0;
}

}  // namespace lastref::model::detail
