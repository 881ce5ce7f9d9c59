// SPDX-License-Identifier: MIT
// The c11 memory model: the store histories component (memory.h: the
// per-location records in modification order, which stores a reader may
// still read, where a store goes) and the runtime's side of it (runtime.h:
// the decisions, observation, synchronisation through the store read).
//
// What a load by thread t of location x may read (RC11-style, operational,
// as CDSChecker / C11Tester / relacy explore it):
//  - a store no older than one t has observed (coherence with t's own
//    earlier reads and writes), and no older than one that some thread u
//    observed at a point that happens-before t (coherence through hb: CoRR,
//    CoWR; a store that happens-before the load is observed by its writer);
//  - for a seq_cst load, no older than the last seq_cst write to x (C++
//    [atomics.order]: an SC load reads the last SC modification before it in
//    the single total order S, or a later non-SC one; S is the execution
//    order here);
//  - seq_cst fences are release+acquire fences that also join a global SC
//    clock (runtime::fence), so a load after an SC fence reads no older than
//    a store before an earlier SC fence (the fence rules of [atomics.order]);
//  - an RMW reads the latest store (atomicity) and continues its release
//    sequence.
// Where a store joins the modification order is a decision too: at the end
// (the default), or before newer stores its thread has not observed and
// that do not happen-before it (the same bound as a load's; a seq_cst store
// stays after the last seq_cst write). That produces 2+2W and S.
// Not produced: load buffering (a load reading a store that executes later
// in the model's order: RC11 forbids it, po ∪ rf acyclic), and stores older
// than the newest store_history_size of a location.

#include <algorithm>
#include <cstring>

#include <lastref/model/schedule.h>

#include "memory.h"
#include "runtime.h"

namespace lastref::model::detail {

namespace {
constexpr std::uint32_t slots = store_history_size;

// Some observation of r (or of a later store) happens-before the reader.
bool forced(const store_rec& r, const vclock& reader) noexcept {
  for (int u = 0; u < max_threads; ++u)
    if (r.obs[u] != 0 && r.obs[u] <= reader.c[u]) return true;
  return false;
}

void join_raw(vclock& into, const std::uint32_t* from) noexcept {
  for (int i = 0; i < max_threads; ++i) into.c[i] = into.c[i] > from[i] ? into.c[i] : from[i];
}

bool is_seq_cst(std::memory_order mo) noexcept { return mo == std::memory_order_seq_cst; }
}  // namespace

store_history& store_histories::of(atomic_meta& m, std::uint64_t latest, std::uint32_t gen) {
  if (store_history* h = find(m, gen)) return *h;
  if (used_ == hist_.size()) hist_.emplace_back();
  store_history& h = hist_[used_];
  m.hist_idx = used_++;
  m.hist_gen = gen;
  h.sc_mo = 0;
  h.base = m.writes;
  h.held = 1;
  h.head = 0;
  // The value the location holds now is the oldest store a load may read.
  store_rec& r = h.rec[0];
  r.bits = latest;
  r.mo = m.writes;
  r.step = m.init_step_;
  r.tid = m.init_tid_;
  r.rmw = false;
  std::memset(r.obs, 0, sizeof r.obs);
  std::memset(r.rel, 0, sizeof r.rel);
  return h;
}

std::uint32_t store_histories::oldest_readable(const atomic_meta& m, const store_history& h,
                                               const vclock& reader, bool sc) noexcept {
  std::uint32_t lo = h.base;
  for (std::uint32_t k = m.writes; k > h.base; --k)
    if (forced(h.at(k), reader)) {
      lo = k;
      break;
    }
  if (sc && h.sc_mo > lo) lo = h.sc_mo;
  return lo;
}

void store_histories::observe(store_history& h, int tid, std::uint32_t epoch,
                              std::uint32_t upto) noexcept {
  if (upto < h.base) return;  // forgotten: nothing older can be read anyway
  for (std::uint32_t k = upto;; --k) {
    store_rec& r = h.at(k);
    if (r.obs[tid] != 0) break;  // observations are prefix-closed
    r.obs[tid] = epoch;
    if (k == h.base) break;
  }
}

store_rec& store_histories::place(atomic_meta& m, store_history& h, std::uint32_t after) noexcept {
  if (h.held == slots) {  // forget the oldest store
    h.head = (h.head + 1) & store_history::mask;
    ++h.base;
    --h.held;
  }
  const std::uint32_t k = after + 1;
  std::uint32_t obs[max_threads];
  if (k <= m.writes) {
    // Placed before newer stores: indices from k on move up by one, and a
    // thread that observed one of them has observed the new store too.
    std::memcpy(obs, h.at(k).obs, sizeof obs);
    for (std::uint32_t j = m.writes + 1; j > k; --j) {
      h.at(j) = h.at(j - 1);
      ++h.at(j).mo;
    }
    for (int u = 0; u < max_threads; ++u) {
      if (m.seen[u] >= k) ++m.seen[u];
      if (m.w_idx[u] >= k) ++m.w_idx[u];
    }
    if (h.sc_mo >= k) ++h.sc_mo;
  } else {
    std::memset(obs, 0, sizeof obs);
  }
  ++h.held;
  ++m.writes;
  store_rec& r = h.at(k);
  r.mo = k;
  std::memcpy(r.obs, obs, sizeof obs);
  return r;
}

void runtime::check_init(const atomic_meta& m) {
  if (hb_.unsafe_publication(m, cur_)) [[unlikely]]
    race_on_init(m);
}

int runtime::decide_read(int options, std::uint8_t redundant) {
  decision d;
  d.current = cur_;
  d.reads = static_cast<std::uint8_t>(options);
  d.redundant = redundant;
  return decide(d);
}

void runtime::note_rf(const store_history& h, const atomic_meta& m, std::uint32_t read,
                      bool placed) {
  if (!tracing_) return;
  // A load: the store read, and the latest. A placed store: the store it
  // was placed before, and the latest.
  const store_rec& r = h.at(placed ? read + 1 : read);
  const store_rec& l = h.at(m.writes);
  reads_from rf;
  rf.placed = placed;
  rf.stale = placed || read != m.writes;
  rf.rf_step = r.step;
  rf.rf_tid = r.tid;
  rf.latest_step = l.step;
  rf.latest_tid = l.tid;
  rf.latest_bits = l.bits;
  trace_.set_reads_from(rf);
}

std::uint64_t runtime::read_at(atomic_meta& m, store_history& h, std::uint32_t k,
                               std::memory_order mo, std::uint32_t* rel_out) {
  thread_clocks& t = hb_.of(cur_);
  const store_rec& r = h.at(k);
  const std::uint64_t bits = r.bits;
  if (rel_out != nullptr) std::memcpy(rel_out, r.rel, sizeof r.rel);
  if (is_acquire(mo))
    join_raw(t.clk, r.rel);
  else
    join_raw(t.acq_pending, r.rel);
  store_histories::observe(h, cur_, hb_.epoch(cur_), k);
  m.acc[cur_] = t.clk.c[cur_];
  m.acc_step[cur_] = steps_;
  m.w_idx[cur_] = 0;
  if (k > m.seen[cur_]) m.seen[cur_] = k;
  note_rf(h, m, k);
  return bits;
}

void runtime::insert_store(atomic_meta& m, store_history& h, std::uint32_t after, std::uint64_t v,
                           std::memory_order mo, const std::uint32_t* rel_base, bool rmw) {
  thread_clocks& t = hb_.of(cur_);
  std::uint32_t rel[max_threads];
  if (rel_base != nullptr)
    std::memcpy(rel, rel_base, sizeof rel);
  else
    std::memset(rel, 0, sizeof rel);
  // A release store publishes the thread's clock; a relaxed one what its
  // last release fence covered; an RMW also continues the sequence it read.
  const vclock& pub = is_release(mo) ? t.clk : t.rel_fence;
  for (int i = 0; i < max_threads; ++i) rel[i] = rel[i] > pub.c[i] ? rel[i] : pub.c[i];
  store_rec& r = store_histories::place(m, h, after);
  const std::uint32_t k = r.mo;
  if (k < m.writes)  // placed before newer stores: a woken waiter's index moves too
    for (int i = 0; i < max_threads; ++i)
      if (thread_state& w = sched_.thread(i); w.wait_word == &m && w.woke_mo >= k) ++w.woke_mo;
  r.bits = v;
  r.step = steps_;
  r.tid = cur_;
  r.rmw = rmw;
  r.obs[cur_] = t.clk.c[cur_];
  std::memcpy(r.rel, rel, sizeof rel);
  if (is_seq_cst(mo) && k > h.sc_mo) h.sc_mo = k;
  m.acc[cur_] = t.clk.c[cur_];
  m.acc_step[cur_] = steps_;
  m.w_idx[cur_] = k;
  m.seen[cur_] = k;
  if (is_release(mo)) ++t.clk.c[cur_];
}

std::uint64_t runtime::c11_load(atomic_meta& m, std::uint64_t latest, std::memory_order mo,
                                retry_load_tests tests) {
  check_init(m);
  store_history& h = history(m, latest);
  const std::uint32_t lo = oldest_readable(m, h, is_seq_cst(mo));
  std::uint32_t k = m.writes;
  await_reads& aw = mem_.awaits(cur_);
  if (aw.reads_fresh(m)) {
    aw.drop_fresh(m);  // one load reads the latest store; later ones choose again
  } else if (k > lo && mode_ == mode::threads && !sched_.exiting(cur_)) {
    // A retry load (retry.h) on an RMW-only word: option i reads store
    // k - i; an older store whose value leads to the confirming retry CAS
    // is redundant in a pruning explore (README, "Retry loads"): that CAS,
    // held, fails (pruned) or reads the latest store with the same value,
    // reaching the state option 0 reaches. So is one whose value leads to
    // a futex wait for it and then this load again: the wait compares the
    // newest value, and the load after it reads at least what option 0
    // reads (README, "Retry loads", waits). The options stay, so tokens
    // and the other sources see the same decision.
    std::uint8_t redundant = 0;
    if (tests.cas != nullptr && m.rmw_only && prune_ && prune_retries_) [[unlikely]]
      for (std::uint32_t i = 1; i <= k - lo && i < 8; ++i) {
        const std::uint64_t b = h.at(k - i).bits;
        if (tests.cas(b) || (tests.wait != nullptr && tests.wait(b)))
          redundant |= static_cast<std::uint8_t>(1u << i);
      }
    k -= static_cast<std::uint32_t>(decide_read(static_cast<int>(k - lo + 1), redundant));
  }
  if (k != m.writes) aw.note_stale(m);
  return read_at(m, h, k, mo, nullptr);
}

bool await_reads::end_iteration(bool stalled) noexcept {
  const bool stale = stalled && (n_stale_ != 0 || stale_overflow_);
  n_fresh_ = 0;
  fresh_all_ = false;
  if (stale) {
    std::copy_n(stale_, n_stale_, fresh_);
    n_fresh_ = n_stale_;
    fresh_all_ = stale_overflow_;
  }
  // Kept for refresh_last while the thread waits (not when refreshed now).
  n_last_stale_ = stale ? 0 : n_stale_;
  last_stale_all_ = !stale && stale_overflow_;
  std::copy_n(stale_, n_last_stale_, last_stale_);
  n_stale_ = 0;
  stale_overflow_ = false;
  return stale;
}

bool await_reads::refresh_last() noexcept {
  if (n_last_stale_ == 0 && !last_stale_all_) return false;
  std::copy_n(last_stale_, n_last_stale_, fresh_);
  n_fresh_ = n_last_stale_;
  fresh_all_ = last_stale_all_;
  n_last_stale_ = 0;
  last_stale_all_ = false;
  return true;
}

bool runtime::await_refresh(bool stalled) noexcept {
  return mem_.awaits(cur_).end_iteration(stalled);
}

bool runtime::refresh_await(int u) noexcept {
  if (u < 0 || u >= max_threads) return false;
  return mem_.awaits(u).refresh_last();
}

bool runtime::c11_store(atomic_meta& m, std::uint64_t latest, std::uint64_t v,
                        std::memory_order mo) {
  check_init(m);
  store_history& h = history(m, latest);
  // Coherence bounds a store as it bounds a load (CoWW, CoRW through hb);
  // the oldest held store stays first (a store is never placed before what
  // the history forgot).
  // Nor between a read-modify-write and the store it read (atomicity).
  std::uint32_t lo = oldest_readable(m, h, is_seq_cst(mo));
  if (h.held == slots && lo == h.base) ++lo;
  std::uint32_t places[slots];  // option i: insert right after places[i]
  int n = 0;
  places[n++] = m.writes;
  for (std::uint32_t k = m.writes; k-- > lo;)
    if (!h.at(k + 1).rmw) places[n++] = k;
  std::uint32_t after = m.writes;
  if (n > 1 && mode_ == mode::threads && !sched_.exiting(cur_)) after = places[decide_read(n)];
  const bool at_end = after == m.writes;
  insert_store(m, h, after, v, mo, nullptr, false);
  if (!at_end) note_rf(h, m, after + 1, true);
  return at_end;
}

void runtime::c11_rmw(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo) {
  check_init(m);
  store_history& h = history(m, latest);
  std::uint32_t rel[max_threads];
  read_at(m, h, m.writes, mo, rel);
  insert_store(m, h, m.writes, v, mo, rel, true);
}

bool runtime::c11_cas(atomic_meta& m, std::uint64_t latest, bool latest_equal,
                      std::uint64_t expected, std::uint64_t desired, std::memory_order success,
                      std::memory_order failure, bool weak, std::uint64_t& seen,
                      bool spurious_redundant) {
  check_init(m);
  store_history& h = history(m, latest);
  // Options: 0 = read the latest store (succeed if it equals expected);
  // then a spurious failure (weak only); then every older readable store
  // whose value differs from expected (a failed read of an equal value
  // would be a success that did not read the latest store: not atomic).
  const std::uint32_t lo = oldest_readable(m, h, is_seq_cst(failure));
  // After a stalled await iteration (await_refresh): the latest store only.
  await_reads& aw = mem_.awaits(cur_);
  const bool fresh = aw.reads_fresh(m);
  if (fresh) aw.drop_fresh(m);
  std::uint32_t older[slots];
  int n_older = 0;
  if (!fresh)
    for (std::uint32_t k = m.writes; k-- > lo;)
      if (h.at(k).bits != expected) older[n_older++] = k;
  const int spurious = latest_equal && weak && sched_.spurious_cas_left() && !fresh ? 1 : 0;
  cas_budget_ = latest_equal && weak && !fresh ? 1 : 0;
  const int n = 1 + spurious + n_older;
  int i = 0;
  // Option 1, a spurious failure, is one an exhaustive search need not
  // explore when it would be a stutter (spurious_redundant, runtime.h).
  const std::uint8_t redundant = spurious != 0 && spurious_redundant ? 2u : 0u;
  if (n > 1 && mode_ == mode::threads && !sched_.exiting(cur_)) i = decide_read(n, redundant);
  if (i == 0 && latest_equal) {
    std::uint32_t rel[max_threads];
    read_at(m, h, m.writes, success, rel);
    insert_store(m, h, m.writes, desired, success, rel, true);
    return true;
  }
  if (i <= spurious) {  // the latest store, unequal or spuriously failed
    if (i == 1) {
      sched_.spend_spurious_cas();
      cas_budget_ = 2;
      // A repeat of this CAS as the thread's next operation is a stutter
      // (runtime::stutter_cas); loc_ is this CAS's place (set by its point).
      spur_ = spurious_cas{steps_,
                           cur_,
                           static_cast<std::uint8_t>(success),
                           static_cast<std::uint8_t>(failure),
                           &m,
                           expected,
                           desired,
                           loc_};
    }
    seen = read_at(m, h, m.writes, failure, nullptr);
    return false;
  }
  aw.note_stale(m);
  seen = read_at(m, h, older[i - 1 - spurious], failure, nullptr);
  return false;
}

void runtime::c11_observe_latest(atomic_meta& m, std::uint64_t latest) {
  store_history& h = history(m, latest);
  store_histories::observe(h, cur_, hb_.epoch(cur_), m.writes);
  if (m.writes > m.seen[cur_]) m.seen[cur_] = m.writes;
}

}  // namespace lastref::model::detail
