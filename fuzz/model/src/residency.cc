// SPDX-License-Identifier: MIT
// Module-text residency (residency.h).

#include "residency.h"

namespace lastref::model::detail {

void residency::unmap(const void* text, std::uint32_t step, std::uint8_t tid) {
  if (unmapped(text) == nullptr) unmapped_.push_back(unmapped_text{text, step, tid});
}

const unmapped_text* residency::unmapped(const void* text) const noexcept {
  for (const unmapped_text& u : unmapped_)
    if (u.text == text) return &u;
  return nullptr;
}

const unmapped_text* residency::running_unmapped(int tid) const noexcept {
  for (int d = depth_[tid]; d-- > 0;)
    if (const unmapped_text* u = unmapped(texts_[tid][d])) return u;
  return nullptr;
}

bool residency::unmapped_before(const void* text, std::uint32_t step) const noexcept {
  const unmapped_text* u = unmapped(text);
  return u != nullptr && u->step < step;
}

}  // namespace lastref::model::detail
