// SPDX-License-Identifier: MIT
// Happens-before (hb.h).

#include "hb.h"

namespace lastref::model::detail {

void happens_before::fence(int tid, std::memory_order mo) noexcept {
  thread_clocks& t = th_[tid];
  if (is_acquire(mo)) t.clk.join(t.acq_pending);
  if (mo == std::memory_order_seq_cst) t.clk.join(sc_fence_);
  if (is_release(mo)) {
    t.rel_fence = t.clk;
    if (mo == std::memory_order_seq_cst) sc_fence_.join(t.clk);
    ++t.clk.c[tid];
  }
}

race happens_before::unordered_write(const cell_meta& c, int tid) const noexcept {
  if (c.w_tid != no_thread && c.w_tid != tid && th_[tid].clk.c[c.w_tid] < c.w_clk)
    return race{true, true, c.w_tid, c.w_step};
  return {};
}

race happens_before::unordered_read(const cell_meta& c, int tid) const noexcept {
  for (int u = 0; u < max_threads; ++u)
    if (u != tid && c.r_clk[u] != 0 && th_[tid].clk.c[u] < c.r_clk[u])
      return race{true, false, static_cast<std::uint8_t>(u), c.r_step[u]};
  return {};
}

race happens_before::cell_read(cell_meta& c, int tid, std::uint32_t step) noexcept {
  if (race r = unordered_write(c, tid); r.found) return r;
  c.r_clk[tid] = th_[tid].clk.c[tid];
  c.r_step[tid] = step;
  return {};
}

race happens_before::cell_write(cell_meta& c, int tid, std::uint32_t step) noexcept {
  if (race r = unordered_write(c, tid); r.found) return r;
  if (race r = unordered_read(c, tid); r.found) return r;
  c.w_tid = static_cast<std::uint8_t>(tid);
  c.w_clk = th_[tid].clk.c[tid];
  c.w_step = step;
  for (auto& r : c.r_clk) r = 0;
  return {};
}

race happens_before::free_cell(const cell_meta& c, int tid) const noexcept {
  if (race r = unordered_write(c, tid); r.found) return r;
  return unordered_read(c, tid);
}

race happens_before::free_atomic(const atomic_meta& m, int tid) const noexcept {
  for (int u = 0; u < max_threads; ++u)
    if (u != tid && m.acc[u] != 0 && th_[tid].clk.c[u] < m.acc[u] &&
        !(m.w_idx[u] != 0 && m.seen[tid] >= m.w_idx[u]))
      return race{true, m.w_idx[u] != 0, static_cast<std::uint8_t>(u), m.acc_step[u]};
  return {};
}

}  // namespace lastref::model::detail
