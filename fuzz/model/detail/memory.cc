// The c11 memory model of the runtime (runtime.h): per-location store
// histories in modification order, which stores a load may read, and
// synchronisation through the store actually read.
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
// Stores join the modification order at its end when they execute, so
// outcomes that need a store to be ordered before an older-executed store of
// the same location (2+2W, S with relaxed stores) and load buffering (a load
// reading a store that executes later) are not produced.

#include <cstring>

#include "runtime.h"

namespace lastref::model::detail {

namespace {
constexpr std::uint32_t slots = store_history_size;

// Some observation of r (or of a later store) happens-before the reader.
bool forced(const store_rec& r, const vclock& reader) noexcept {
  for (int u = 0; u < nthreads; ++u)
    if (r.obs[u] != 0 && r.obs[u] <= reader.c[u]) return true;
  return false;
}

void join_raw(vclock& into, const std::uint32_t* from) noexcept {
  for (int i = 0; i < nthreads; ++i) into.c[i] = into.c[i] > from[i] ? into.c[i] : from[i];
}
}  // namespace

store_history& runtime::history(atomic_meta& m, std::uint64_t latest) {
  if (m.hist_gen == gen_ && m.hist_idx < n_hist_) return hist_[m.hist_idx];
  if (n_hist_ == hist_.size()) hist_.emplace_back();
  store_history& h = hist_[n_hist_];
  m.hist_idx = n_hist_++;
  m.hist_gen = gen_;
  h.sc_mo = 0;
  h.held = 1;
  // The value the location holds now is the oldest store a load may read.
  store_rec& r = h.rec[m.writes % slots];
  r.bits = latest;
  r.mo = m.writes;
  r.step = m.init_step_;
  r.tid = m.init_tid_;
  std::memset(r.obs, 0, sizeof r.obs);
  std::memset(r.rel, 0, sizeof r.rel);
  return h;
}

std::uint32_t runtime::oldest_readable(const atomic_meta& m, const store_history& h,
                                       bool sc) const {
  const vclock& clk = th_[cur_].clk;
  const std::uint32_t latest = m.writes;
  const std::uint32_t oldest = latest + 1 - h.held;
  std::uint32_t lo = oldest;
  for (std::uint32_t k = latest; k > oldest; --k)
    if (forced(h.rec[k % slots], clk)) {
      lo = k;
      break;
    }
  if (sc && h.sc_mo > lo) lo = h.sc_mo;
  return lo;
}

void runtime::observe(store_history& h, const atomic_meta& m, std::uint32_t upto) {
  const std::uint32_t epoch = th_[cur_].clk.c[cur_];
  const std::uint32_t oldest = m.writes + 1 - h.held;
  if (upto < oldest) return;  // forgotten: nothing older can be read anyway
  for (std::uint32_t k = upto;; --k) {
    store_rec& r = h.rec[k % slots];
    if (r.obs[cur_] != 0) break;  // observations are prefix-closed
    r.obs[cur_] = epoch;
    if (k == oldest) break;
  }
}

void runtime::check_init(const atomic_meta& m) {
  const thread_state& t = th_[cur_];
  if (m.init_tid_ != no_thread && m.init_tid_ != cur_ && t.clk.c[m.init_tid_] < m.init_clk_)
      [[unlikely]]
    race_on_init(m);
}

int runtime::decide_read(int options) {
  decision d;
  d.current = cur_;
  d.reads = static_cast<std::uint8_t>(options);
  return decide(d);
}

void runtime::note_rf(const store_history& h, const atomic_meta& m, std::uint32_t read) {
  if (!tracing_) return;
  const store_rec& r = h.rec[read % slots];
  const store_rec& l = h.rec[m.writes % slots];
  rf_pending_ = true;
  rf_stale_ = read != m.writes;
  rf_step_ = r.step;
  rf_tid_ = r.tid;
  latest_step_ = l.step;
  latest_tid_ = l.tid;
  latest_bits_ = l.bits;
}

std::uint64_t runtime::read_at(atomic_meta& m, store_history& h, std::uint32_t k,
                               std::memory_order mo, std::uint32_t* rel_out) {
  thread_state& t = th_[cur_];
  const store_rec& r = h.rec[k % slots];
  const std::uint64_t bits = r.bits;
  if (rel_out != nullptr) std::memcpy(rel_out, r.rel, sizeof r.rel);
  if (is_acquire(mo))
    join_raw(t.clk, r.rel);
  else
    join_raw(t.acq_pending, r.rel);
  observe(h, m, k);
  m.acc[cur_] = t.clk.c[cur_];
  m.acc_step[cur_] = steps_;
  m.w_idx[cur_] = 0;
  if (k > m.seen[cur_]) m.seen[cur_] = k;
  note_rf(h, m, k);
  return bits;
}

void runtime::append_store(atomic_meta& m, store_history& h, std::uint64_t v, std::memory_order mo,
                           const std::uint32_t* rel_base) {
  thread_state& t = th_[cur_];
  std::uint32_t rel[nthreads];
  if (rel_base != nullptr)
    std::memcpy(rel, rel_base, sizeof rel);
  else
    std::memset(rel, 0, sizeof rel);
  // A release store publishes the thread's clock; a relaxed one what its
  // last release fence covered; an RMW also continues the sequence it read.
  const vclock& pub = is_release(mo) ? t.clk : t.rel_fence;
  for (int i = 0; i < nthreads; ++i) rel[i] = rel[i] > pub.c[i] ? rel[i] : pub.c[i];
  const std::uint32_t k = ++m.writes;
  store_rec& r = h.rec[k % slots];
  r.bits = v;
  r.mo = k;
  r.step = steps_;
  r.tid = cur_;
  std::memset(r.obs, 0, sizeof r.obs);
  r.obs[cur_] = t.clk.c[cur_];
  std::memcpy(r.rel, rel, sizeof rel);
  if (h.held < slots) ++h.held;
  if (mo == std::memory_order_seq_cst) h.sc_mo = k;
  m.acc[cur_] = t.clk.c[cur_];
  m.acc_step[cur_] = steps_;
  m.w_idx[cur_] = k;
  m.seen[cur_] = k;
  if (is_release(mo)) ++t.clk.c[cur_];
}

std::uint64_t runtime::c11_load(atomic_meta& m, std::uint64_t latest, std::memory_order mo) {
  check_init(m);
  store_history& h = history(m, latest);
  const std::uint32_t lo = oldest_readable(m, h, mo == std::memory_order_seq_cst);
  std::uint32_t k = m.writes;
  if (k > lo && mode_ == mode::threads && !th_[cur_].exiting)
    k -= static_cast<std::uint32_t>(decide_read(static_cast<int>(k - lo + 1)));
  return read_at(m, h, k, mo, nullptr);
}

void runtime::c11_store(atomic_meta& m, std::uint64_t latest, std::uint64_t v,
                        std::memory_order mo) {
  check_init(m);
  store_history& h = history(m, latest);
  append_store(m, h, v, mo, nullptr);
}

void runtime::c11_rmw(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo) {
  check_init(m);
  store_history& h = history(m, latest);
  std::uint32_t rel[nthreads];
  read_at(m, h, m.writes, mo, rel);
  append_store(m, h, v, mo, rel);
}

bool runtime::c11_cas(atomic_meta& m, std::uint64_t latest, bool latest_equal,
                      std::uint64_t expected, std::uint64_t desired, std::memory_order success,
                      std::memory_order failure, bool weak, std::uint64_t& seen) {
  check_init(m);
  store_history& h = history(m, latest);
  // Options: 0 = read the latest store (succeed if it equals expected);
  // then a spurious failure (weak only); then every older readable store
  // whose value differs from expected (a failed read of an equal value
  // would be a success that did not read the latest store: not atomic).
  const std::uint32_t lo = oldest_readable(m, h, failure == std::memory_order_seq_cst);
  std::uint32_t older[slots];
  int n_older = 0;
  for (std::uint32_t k = m.writes; k-- > lo;)
    if (h.rec[k % slots].bits != expected) older[n_older++] = k;
  const int spurious = latest_equal && weak && spurious_cas_left_ != 0 ? 1 : 0;
  const int n = 1 + spurious + n_older;
  int i = 0;
  if (n > 1 && mode_ == mode::threads && !th_[cur_].exiting) i = decide_read(n);
  if (i == 0 && latest_equal) {
    std::uint32_t rel[nthreads];
    read_at(m, h, m.writes, success, rel);
    append_store(m, h, desired, success, rel);
    return true;
  }
  if (i <= spurious) {  // the latest store, unequal or spuriously failed
    if (i == 1) --spurious_cas_left_;
    seen = read_at(m, h, m.writes, failure, nullptr);
    return false;
  }
  seen = read_at(m, h, older[i - 1 - spurious], failure, nullptr);
  return false;
}

void runtime::c11_observe_latest(atomic_meta& m, std::uint64_t latest) {
  store_history& h = history(m, latest);
  observe(h, m, m.writes);
  if (m.writes > m.seen[cur_]) m.seen[cur_] = m.writes;
}

}  // namespace lastref::model::detail
