// SPDX-License-Identifier: MIT
#pragma once
// Memory (c11): the store histories of the atomic locations, the component
// that holds, for each location an execution touches, its newest
// store_history_size stores in modification order, and answers what the
// c11 model asks of them: which stores a load may still read (coherence
// through happens-before, and the seq_cst rule), who observed which store,
// and where a store joins the order; and, per thread, which locations an
// await loop read stale (await_reads). Private to fuzz/model.
//
// Contract: the runtime (memory.cc) decides; this component keeps the
// records and their indices consistent. A location's history is found by
// index while its atomic_meta::hist_gen matches the execution's generation
// (a record from an earlier execution is never read). Placing a store
// shifts the location's own per-thread indices (atomic_meta::seen, w_idx);
// whoever else keeps modification-order indices of the location (the
// scheduler's woken futex waiters) shifts its own.
//
// Lifetime rule: one per runtime; the records are recycled across
// executions (begin_execution() forgets the histories without freeing and
// clears the await records of the threads set_threads() named).
//
// Memory ordering: not applicable (one OS thread, the execution's); the
// orders in the records are the modelled program's.

#include <lastref/model/detail/location.h>
#include <lastref/model/detail/vclock.h>
#include <lastref/model/limits.h>
#include <lastref/model/memory_model.h>

#include <cstdint>
#include <vector>

namespace lastref::model::detail {

// One store of a location's modification order (c11). obs[u] is thread u's
// epoch when it first observed this store or a later one (by reading or
// writing); 0: not yet. A load by t may not read a store older than one
// that some u observed at an epoch t's clock covers: that is coherence
// (read-read, write-read) through happens-before, and t's own program order.
// No default member initialisers: histories are reused without clearing.
struct store_rec {
  std::uint64_t bits;              // the stored value
  std::uint32_t mo;                // modification-order index (the construction is 0)
  std::uint32_t step;              // step of the store (0: construction)
  std::uint8_t tid;                // storing thread (no_thread: outside the threads)
  bool rmw;                        // read-modify-write: reads its predecessor in mo
  std::uint32_t obs[max_threads];  // see above
  std::uint32_t rel[max_threads];  // what acquiring from this store synchronises with
};

// The newest store_history_size stores of one location in modification
// order, a ring: index base is rec[head], base + i is rec[(head + i) % size];
// the last one is the latest (m.writes). A ring, so that forgetting the
// oldest store (every store once the history is full: an RMW loop's steady
// state) moves no record.
struct store_history {
  static_assert((store_history_size & (store_history_size - 1)) == 0,
                "the ring's index wraps with a mask");
  static constexpr std::uint32_t mask = store_history_size - 1;
  std::uint32_t sc_mo;  // index of the last seq_cst write (0: none since the construction)
  std::uint32_t base;   // modification-order index of rec[head]
  std::uint32_t held;   // records held (1 .. store_history_size)
  std::uint32_t head;   // slot of the oldest record
  store_rec rec[store_history_size];
  store_rec& at(std::uint32_t k) noexcept { return rec[(head + (k - base)) & mask]; }
  const store_rec& at(std::uint32_t k) const noexcept { return rec[(head + (k - base)) & mask]; }
};

// Await loops under c11 (spin.h), one record per thread: the locations the
// thread's loads (or failed CASes) read an older store of since its last
// await iteration, and those whose next load reads the latest store after
// an iteration stalled on stale reads (eventual visibility: a spinning load
// cannot read an old store forever). Up to max_await locations each; more
// stale ones make the whole next iteration read the latest stores.
class await_reads {
 public:
  static constexpr int max_await = 4;

  // A load or failed CAS read an older store of m.
  void note_stale(const atomic_meta& m) noexcept {
    for (int i = 0; i < n_stale_; ++i)
      if (stale_[i] == &m) return;
    if (n_stale_ == max_await) {
      stale_overflow_ = true;
      return;
    }
    stale_[n_stale_++] = &m;
  }
  // The next load of m reads the latest store (then drop_fresh(m)).
  [[nodiscard]] bool reads_fresh(const atomic_meta& m) const noexcept {
    if (fresh_all_) return true;
    for (int i = 0; i < n_fresh_; ++i)
      if (fresh_[i] == &m) return true;
    return false;
  }
  void drop_fresh(const atomic_meta& m) noexcept {
    for (int i = 0; i < n_fresh_; ++i)
      if (fresh_[i] == &m) {
        fresh_[i] = fresh_[--n_fresh_];
        return;
      }
  }
  // The end of a failed iteration (runtime::await_refresh): when `stalled`
  // and it read an older store, those locations' next loads read the latest
  // store and true is returned; else they are kept for refresh_last().
  bool end_iteration(bool stalled) noexcept;
  // Every thread waits in an await loop (runtime::refresh_await): true if
  // the last iteration read an older store; its locations then read fresh.
  bool refresh_last() noexcept;
  // Forgets everything (a new execution). Only the counts: the arrays are
  // read below them, and clearing them too cost a rep stos per thread.
  void clear() noexcept {
    n_stale_ = n_fresh_ = n_last_stale_ = 0;
    last_stale_all_ = stale_overflow_ = fresh_all_ = false;
  }

 private:
  const atomic_meta* stale_[max_await] = {};
  const atomic_meta* fresh_[max_await] = {};
  const atomic_meta* last_stale_[max_await] = {};  // of its last failed iteration
  std::uint8_t n_stale_ = 0, n_fresh_ = 0, n_last_stale_ = 0;
  bool last_stale_all_ = false;
  bool stale_overflow_ = false;  // more stale locations than kept
  bool fresh_all_ = false;       // then every load reads the latest store
};

class store_histories {
 public:
  // Forgets every history and the await records the last execution used.
  void begin_execution() noexcept {
    used_ = 0;
    for (int t = 0; t < await_used_; ++t) await_[t].clear();
    await_used_ = 0;
  }
  // The execution has `n` threads (the await records it may write).
  void set_threads(int n) noexcept { await_used_ = n; }
  // Thread t's await-loop record.
  [[nodiscard]] await_reads& awaits(int t) noexcept { return await_[t]; }
  [[nodiscard]] const await_reads& awaits(int t) const noexcept { return await_[t]; }

  // The history of m in execution `gen`; a location seen for the first time
  // starts one whose only store is the value it holds now (`latest`).
  store_history& of(atomic_meta& m, std::uint64_t latest, std::uint32_t gen);
  // The history of m if it has one in execution `gen`, else null.
  [[nodiscard]] store_history* find(const atomic_meta& m, std::uint32_t gen) noexcept {
    return m.hist_gen == gen && m.hist_idx < used_ ? &hist_[m.hist_idx] : nullptr;
  }

  // The oldest modification-order index a reader whose clock is `reader`
  // may read: no older than a store some thread observed at a point that
  // happens-before the reader; `sc`: no older than the last seq_cst write.
  [[nodiscard]] static std::uint32_t oldest_readable(const atomic_meta& m, const store_history& h,
                                                     const vclock& reader, bool sc) noexcept;
  // Thread tid, at `epoch`, has observed every store up to index `upto`.
  static void observe(store_history& h, int tid, std::uint32_t epoch, std::uint32_t upto) noexcept;
  // Makes room for a store right after index `after` (m.writes: at the
  // end) and returns its record, with mo set and obs inherited from the
  // store it precedes (a thread that observed a newer store has observed
  // it too); the caller fills in the rest. Forgets the oldest record when
  // the history is full; bumps m.writes and m's per-thread indices.
  static store_rec& place(atomic_meta& m, store_history& h, std::uint32_t after) noexcept;

 private:
  std::vector<store_history> hist_;
  std::uint32_t used_ = 0;
  await_reads await_[max_threads];
  int await_used_ = max_threads;  // records begin_execution() clears
};

}  // namespace lastref::model::detail
