// SPDX-License-Identifier: MIT
#pragma once
// Happens-before: one vector clock per virtual thread (plus the clock an
// acquire fence would apply and the clock the last release fence
// published), the seq_cst fence order, and the race checks of plain cells
// and frees against it (FastTrack-style epochs: Flanagan and Freund, PLDI
// 2009). Private to fuzz/model.
//
// Contract: the runtime calls these for the running thread `tid` at step
// `step`, only while checks are active (setup, threads, check). Orders are
// honoured as requested: relaxed publishes and acquires nothing; a release
// store publishes the thread's clock, a relaxed one what its last release
// fence covered; an acquire load joins the clock published with the value it
// read, a relaxed one defers it to the next acquire fence; an RMW continues
// the release sequence. The race checks return the earlier access that is
// not ordered before the current one (race::found false: none); they decide
// nothing else: the runtime words the data-race failure.
//
// Lifetime rule: one per runtime; begin_execution() resets every clock.
//
// Memory ordering: not applicable (one OS thread, the execution's); the
// memory orders above are the modelled program's.

#include <atomic>
#include <cstdint>

#include <lastref/model/detail/location.h>
#include <lastref/model/detail/vclock.h>
#include <lastref/model/limits.h>

namespace lastref::model::detail {

constexpr bool is_acquire(std::memory_order mo) noexcept {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst || mo == std::memory_order_consume;
}
constexpr bool is_release(std::memory_order mo) noexcept {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

struct thread_clocks {
  vclock clk;          // this thread's clock
  vclock acq_pending;  // joined by relaxed loads; applied by an acquire fence
  vclock rel_fence;    // clock at the last release fence; published by relaxed stores
};

// An earlier access unordered with the current one.
struct race {
  bool found = false;
  bool with_write = false;  // the earlier access wrote (else it read)
  std::uint8_t tid = no_thread;
  std::uint32_t step = 0;
};

class happens_before {
 public:
  void begin_execution() noexcept {
    for (auto& t : th_) t = thread_clocks{};
    sc_fence_.clear();
  }
  [[nodiscard]] thread_clocks& of(int tid) noexcept { return th_[tid]; }
  [[nodiscard]] const thread_clocks& of(int tid) const noexcept { return th_[tid]; }
  [[nodiscard]] std::uint32_t epoch(int tid) const noexcept { return th_[tid].clk.c[tid]; }
  // Thread u's event at `epoch` happens-before tid's current point.
  [[nodiscard]] bool covers(int tid, int u, std::uint32_t epoch) const noexcept {
    return th_[tid].clk.c[u] >= epoch;
  }

  // setup() runs as thread 0; every thread starts from its clock; check()
  // (thread 0 again) happens after all of them.
  void start_setup() noexcept { th_[0].clk.c[0] = 1; }
  void spawn(int threads) noexcept {
    const vclock from = th_[0].clk;
    for (int i = 0; i < threads; ++i) {
      th_[i].clk = from;
      ++th_[i].clk.c[i];
    }
  }
  void join_for_check(int threads) noexcept {
    for (int i = 1; i < threads; ++i) th_[0].clk.join(th_[i].clk);
  }

  // The location's construction is not ordered before tid's access.
  [[nodiscard]] bool unsafe_publication(const location& l, int tid) const noexcept {
    return l.init_tid_ != no_thread && l.init_tid_ != tid &&
           th_[tid].clk.c[l.init_tid_] < l.init_clk_;
  }
  void access_atomic(atomic_meta& m, int tid, std::uint32_t step, bool write) noexcept {
    m.acc[tid] = th_[tid].clk.c[tid];
    m.acc_step[tid] = step;
    if (write) ++m.writes;
    m.w_idx[tid] = write ? m.writes : 0;
    m.seen[tid] = m.writes;
  }
  void acquire_from(const atomic_meta& m, int tid, std::memory_order mo) noexcept {
    thread_clocks& t = th_[tid];
    if (is_acquire(mo))
      t.clk.join(m.rel);
    else
      t.acq_pending.join(m.rel);
  }
  // A store heads a new release sequence.
  void release_store(atomic_meta& m, int tid, std::memory_order mo) noexcept {
    thread_clocks& t = th_[tid];
    if (is_release(mo)) {
      m.rel = t.clk;
      ++t.clk.c[tid];
    } else {
      m.rel = t.rel_fence;
    }
  }
  // A read-modify-write continues the release sequence it reads from.
  void release_rmw(atomic_meta& m, int tid, std::memory_order mo) noexcept {
    thread_clocks& t = th_[tid];
    if (is_release(mo)) {
      m.rel.join(t.clk);
      ++t.clk.c[tid];
    } else {
      m.rel.join(t.rel_fence);
    }
  }
  void fence(int tid, std::memory_order mo) noexcept;

  // A read of a cell: checked against its last write, then recorded.
  race cell_read(cell_meta& c, int tid, std::uint32_t step) noexcept;
  // A write: checked against the last write and every read since, then recorded.
  race cell_write(cell_meta& c, int tid, std::uint32_t step) noexcept;
  // A free of the object holding `c` / `m` (a write of every location in it).
  [[nodiscard]] race free_cell(const cell_meta& c, int tid) const noexcept;
  [[nodiscard]] race free_atomic(const atomic_meta& m, int tid) const noexcept;

 private:
  [[nodiscard]] race unordered_write(const cell_meta& c, int tid) const noexcept;
  [[nodiscard]] race unordered_read(const cell_meta& c, int tid) const noexcept;

  thread_clocks th_[max_threads];
  vclock sc_fence_;
};

}  // namespace lastref::model::detail
