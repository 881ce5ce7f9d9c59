// SPDX-License-Identifier: MIT
// Source-DPOR with sleep sets (dpor.h). Each execution is recorded as a
// sequence of steps (events); after it ends, happens-before clocks over the
// steps are computed and every race whose later step is new in this
// execution is reversed by adding an initial of the reversal to the backtrack
// set of the decision before the earlier step (Abdulla et al., POPL 2014,
// Algorithm 1). The next execution replays the decision stack up to the
// deepest decision with an unexplored, awake backtrack option.
//
// Cost: the analysis is quadratic in an execution's events (each scans back
// for the latest conflicting step of every other thread). The replayed
// prefix, most of an execution, keeps the clocks the previous execution
// computed when it repeats that execution step for step (same thread and
// footprint: a clock depends on nothing else), so only the suffix is scanned.

#include <lastref/model/dpor.h>

#include <lastref/model/spin.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "runtime.h"

namespace lastref::model {

namespace {
constexpr std::uint8_t space_mem = 0;
constexpr std::uint8_t space_text = 1;
constexpr std::uint8_t space_pseudo = 2;
// The wait queue of a futex word or mutex (its waiters and their order),
// apart from the word's value: a spurious wake-up or timeout changes the
// queue and who can run, never the value, so it commutes with loads and
// stores of the word.
constexpr std::uint8_t space_queue = 3;
constexpr std::uintptr_t pseudo_time = 1;
constexpr std::uintptr_t pseudo_sc_fence = 2;
// Who can run: blocking and finishing read it, a spurious wake-up (offered
// only while some other thread can run; budgeted) and a timeout write it.
constexpr std::uintptr_t pseudo_sched = 3;
// The spurious compare_exchange_weak budget (run_options::max_spurious_cas,
// shared by every CAS of the execution): a weak CAS whose spurious option
// depends on it reads it, a spurious failure writes it. Without it, two
// weak CASes on different locations commute, and the order in which one
// fails spuriously before the other may would never be reversed.
constexpr std::uintptr_t pseudo_cas_budget = 4;
constexpr int seq_cst_plus_one = static_cast<int>(std::memory_order_seq_cst) + 1;

dpor_source::access point(std::uintptr_t a, std::uint8_t space, bool write) {
  return {a, a + 1, space, write};
}
std::uintptr_t bits(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
// A step's note is `lit` (its first character compared inline: a strcmp
// call per futex wait was a measurable part of a step).
bool is_note(const char* note, const char* lit) {
  return note != nullptr && note[0] == lit[0] && std::strcmp(note, lit) == 0;
}
}  // namespace

void dpor_source::footprint::add(access a) noexcept {
  for (int i = 0; i < n; ++i) {
    access& b = acc[i];
    if (b.lo == a.lo && b.hi == a.hi && b.space == a.space) {
      b.write = b.write || a.write;
      return;
    }
  }
  if (n == max) {
    global = true;  // conservative: more accesses than we keep
    return;
  }
  acc[n++] = a;
}

bool dpor_source::conflicts(const footprint& x, const footprint& y) noexcept {
  if (x.empty() || y.empty()) return false;
  if (x.global || y.global) return true;
  for (int i = 0; i < x.n; ++i)
    for (int k = 0; k < y.n; ++k) {
      const access& a = x.acc[i];
      const access& b = y.acc[k];
      if (a.space == b.space && (a.write || b.write) && a.lo < b.hi && b.lo < a.hi) return true;
    }
  return false;
}

std::uintptr_t dpor_source::canon(const void* p) const noexcept {
  const auto a = bits(p);
  if (a == 0) return 0;
  for (std::size_t i = blocks_.size(); i-- > 0;) {
    const block_range& b = blocks_[i];
    if (a >= b.lo && a < b.hi) return (std::uintptr_t{2} << 62) | (b.key << 32) | (a - b.lo);
  }
  if (a >= prog_base_ && a - prog_base_ < (std::uintptr_t{1} << 20))
    return (std::uintptr_t{1} << 62) | (a - prog_base_);
  return a;
}

void dpor_source::set_shard(int index, int count, int levels) noexcept {
  shard_count_ = std::clamp(count, 1, 4096);
  shard_index_ = std::clamp(index, 0, shard_count_ - 1);
  if (levels <= 0) {
    levels = 0;
    while ((std::uint64_t{1} << levels) < 256u * static_cast<std::uint64_t>(shard_count_)) ++levels;
  }
  shard_levels_ = shard_count_ > 1 ? std::min(levels, 30) : 0;
  owned_now_ = shard_index_ == 0;
}

double dpor_source::progress() const noexcept {
  if (complete_) return 1;
  double f = 0, w = 1;
  for (const node& nd : nodes_) {
    const std::uint32_t live =
        ((nd.read ? nd.backtrack : nd.backtrack & ~asleep_mask(nd) & ~nd.spin) & in_bound(nd)) |
        nd.done;
    const int b = std::max(1, __builtin_popcount(live));
    const int finished = std::max(0, __builtin_popcount(nd.done) - 1);
    f += w * finished / b;
    w /= b;
  }
  return std::clamp(f, 0.0, 1.0);
}

std::uint32_t dpor_source::in_bound(const node& n) const noexcept {
  const int cnt = n.d.count();
  const std::uint32_t all = cnt >= 32 ? ~0u : (1u << cnt) - 1u;
  if (bound_ < 0 || n.read || static_cast<int>(n.pre) < bound_ || !n.d.current_runnable())
    return all;
  return 1u << n.d.default_index();
}

int dpor_source::random_bit(std::uint32_t mask) noexcept {
  order_ += 0x9e3779b97f4a7c15ull;  // splitmix64 (Steele, Lea and Flood, OOPSLA 2014)
  std::uint64_t z = order_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  int k = static_cast<int>(z % static_cast<std::uint64_t>(__builtin_popcount(mask)));
  for (; k > 0; --k) mask &= mask - 1;
  return __builtin_ctz(mask);
}

void dpor_source::begin_execution() {
  pre_ = 0;
  uppers_ = 0;
  prog_base_ = 0;
  blocks_.clear();
  std::fill(std::begin(makes_), std::end(makes_), 0u);
  events_.swap(old_events_);
  old_hb_valid_ = hb_valid_;
  hb_valid_ = 0;
  same_prefix_ = 0;
  events_.clear();
  sleep_.clear();
  sleep_live_ = true;
  depth_ = 0;
  cur_ = -1;
  blocked_ = false;
  analyze_end_ = 0;
  spin_blocked_ = 0;
  futex_wait_ = 0;
  for (auto& f : window_) f.clear();
  for (auto& t : texts_) t.clear();
  std::fill(std::begin(last_addr_), std::end(last_addr_), 0);
  std::fill(std::begin(wait_addr_), std::end(wait_addr_), 0);
}

std::uint32_t dpor_source::asleep_mask(const node& n) const noexcept {
  std::uint32_t m = 0;
  for (const sleeper& s : n.sleep) {
    const int i = n.d.index_of(s.c);
    if (i >= 0) m |= 1u << i;
  }
  return m;
}

std::uint32_t dpor_source::spin_mask(const decision& d) const noexcept {
  std::uint32_t m = 0;
  for (unsigned b = spin_blocked_; b != 0; b &= b - 1) {
    const int i = d.index_of(choice{__builtin_ctz(b), choice_kind::run});
    if (i >= 0) m |= 1u << i;
  }
  return m;
}

// The current event is complete: steps after it see the sleep set without
// the entries it conflicts with (they are woken), and threads in an await
// loop whose reads it overwrote run again.
void dpor_source::close_event() {
  if (cur_ < 0) return;
  // An sc futex wake that woke nobody reads the word (on_step).
  if (event& w = events_[static_cast<std::size_t>(cur_)]; w.wake_word != 0 && w.woke == 0)
    w.fp.add(point(w.wake_word, space_mem, false));
  const event& ev = events_[static_cast<std::size_t>(cur_)];
  if (!ev.fp.empty()) {
    if (sleep_live_)
      std::erase_if(sleep_, [&](const sleeper& s) { return conflicts(s.fp, ev.fp); });
    for (unsigned b = spin_blocked_; b != 0; b &= b - 1) {
      const int t = __builtin_ctz(b);
      if (t != ev.thread && conflicts(awaited_[t], ev.fp))
        spin_blocked_ &= static_cast<std::uint8_t>(~(1u << t));
    }
  }
  cur_ = -1;
}

// The sleep set is not kept while an execution replays recorded nodes with
// another one still ahead (choose): it is a function of the path, so at the
// next scheduling node it is that node's arrival set again, and the one use
// in between, the forced-step check in start_event, found nothing when the
// nodes ahead were made on this same path (a blocked execution makes no
// node), the nodes' sleep and explored sets unchanged since (they change
// only while a node is the deepest). It is rebuilt from the last scheduling
// node replayed, as close_event would have kept it, once the last recorded
// node is passed (a read node's, choose_read) or the replay diverges (a
// nondeterministic program).
void dpor_source::materialize_sleep() {
  if (sleep_live_) return;
  sleep_live_ = true;
  const node& nd = nodes_[sleep_anchor_];
  sleep_ = nd.sleep;
  sleep_.insert(sleep_.end(), nd.explored.begin(), nd.explored.end());
  const std::size_t closed = cur_ >= 0 ? static_cast<std::size_t>(cur_) : events_.size();
  for (std::size_t i = nd.event; i < closed; ++i) {
    const footprint& fp = events_[i].fp;
    if (!fp.empty()) std::erase_if(sleep_, [&](const sleeper& s) { return conflicts(s.fp, fp); });
  }
}

// A timeout or spurious wake-up of `thread`: it leaves the queue of the word
// it slept on (not its value: nothing reads or writes the word); a timeout
// advances virtual time; both change who can run.
void dpor_source::add_wakeup(footprint& fp, int thread, choice_kind kind) const noexcept {
  if (kind == choice_kind::run) return;
  fp.add(point(wait_addr_[thread], space_queue, true));
  fp.add(point(pseudo_sched, space_pseudo, true));
  if (kind == choice_kind::timeout) fp.add(point(pseudo_time, space_pseudo, true));
}

// From here on the execution repeats a covered trace: it runs to its end
// (recorded, for await loops) but adds nothing to the search.
void dpor_source::become_blocked() {
  blocked_ = true;
  ++blocked_count_;
  analyze_end_ = events_.size();
}

// A new event of `thread`; a forced step that is asleep makes the
// execution sleep-set blocked.
void dpor_source::start_event(int thread, choice_kind kind, std::int32_t node) {
  close_event();
  // Not live: between replayed nodes, where this check found nothing when
  // the next node was made (choose), so it finds nothing now.
  if (node < 0 && !blocked_ && sleep_live_) {
    for (const sleeper& s : sleep_)
      if (s.c.thread == thread && s.c.kind == kind) {
        become_blocked();
        break;
      }
  }
  // Built in place: a local event copied in is 200 bytes more per step.
  event& e = events_.emplace_back();
  e.thread = static_cast<std::uint8_t>(thread);
  e.kind = kind;
  e.node = node;
  add_wakeup(e.fp, thread, kind);
  cur_ = static_cast<std::int64_t>(events_.size() - 1);
}

// A read decision (c11: which store a load reads, where a store joins the
// modification order) is explored in full: every option is in its node's
// backtrack set, its alternatives never enter a sleep set, and it starts no
// step (it happens inside the step of d.current, whose footprint is the
// access's location either way — but whether it writes there can depend
// on the option: a CAS that succeeds or fails, a held retry CAS that runs
// or is pruned; so a node's sleeper gets the union over its executions,
// node::chosen_fp).
int dpor_source::choose_read(const decision& d) {
  if (depth_ < nodes_.size()) {
    const node& nd = nodes_[depth_];
    if (nd.d.reads == d.reads && nd.d.current == d.current) {
      if (nd.upper) ++uppers_;
      ++depth_;
      // Past the last recorded node, new nodes and forced steps need it.
      if (depth_ == nodes_.size()) materialize_sleep();
      return nd.chosen;
    }
    diverged_ = true;
    materialize_sleep();
    nodes_.resize(depth_);
    first_new_ = std::min(first_new_, events_.size());
  }
  const bool own_event = cur_ >= 0 && events_[static_cast<std::size_t>(cur_)].thread == d.current;
  node nd;
  nd.d = d;
  nd.read = true;
  nd.pre = static_cast<std::uint16_t>(pre_);
  // The step that holds this read: its events (and the later ones) change.
  nd.event =
      static_cast<std::uint32_t>(own_event ? static_cast<std::size_t>(cur_) : events_.size());
  const int n = d.count();
  nd.chosen = static_cast<std::uint8_t>(d.default_index());
  nd.done = 1u << nd.chosen;
  nd.backtrack = (n >= 32 ? ~0u : (1u << n) - 1u) & ~std::uint32_t{d.redundant};
  // An upper node splits the shards: only where two options are explored.
  if (uppers_ < shard_levels_ && __builtin_popcount(nd.backtrack) >= 2) {
    nd.upper = true;
    ++uppers_;
  }
  nodes_.push_back(std::move(nd));
  ++depth_;
  return d.default_index();
}

int dpor_source::choose(const decision& d) {
  // A read decision happens inside the current thread's step.
  if (d.is_read()) return blocked_ ? d.default_index() : choose_read(d);
  // A held point (decision::hold): the retry CAS joins the current step (its
  // step_info says it continues), with no node: the same in every execution.
  if (d.hold) {
    const int keep = d.index_of(choice{d.current, choice_kind::run});
    if (keep >= 0) return keep;
  }
  close_event();
  const int n = d.count();
  const std::uint32_t all = n >= 32 ? ~0u : (1u << n) - 1u;
  const std::uint32_t spin = spin_mask(d);
  // Outside the search tree (sleep-set blocked, or every option waits in
  // an await loop): any option not waiting in an await loop.
  auto off_tree = [&] {
    int pick = d.default_index();
    if (((spin >> pick) & 1u) && (all & ~spin) != 0) pick = __builtin_ctz(all & ~spin);
    if ((all & ~spin) == 0) {
      // Every thread waits in an await loop: no thread writes unless one of
      // them leaves its loop. Under c11 one whose last iteration read an
      // older store may (eventual visibility): the first such thread runs,
      // its next loads of those locations reading the latest stores.
      if (detail::runtime* r = detail::rt())
        for (std::uint32_t m = spin; m != 0; m &= m - 1) {
          const int i = __builtin_ctz(m);
          if (r->refresh_await(d.option(i).thread)) {
            pick = i;
            break;
          }
        }
    }
    const choice c = d.option(pick);
    start_event(c.thread, c.kind, -1);
    return pick;
  };
  if (blocked_) return off_tree();
  // Every option waits in an await loop: off the tree, as in every
  // execution that reaches this point (checked before the replay below,
  // whose nodes never include such decisions).
  if ((all & ~spin) == 0) return off_tree();
  if (depth_ < nodes_.size()) {
    node& nd = nodes_[depth_];
    if (nd.read || nd.d.runnable != d.runnable || nd.d.timeout != d.timeout ||
        nd.d.spurious != d.spurious || nd.d.current != d.current) {
      diverged_ = true;
      materialize_sleep();
      nodes_.resize(depth_);
      first_new_ = std::min(first_new_, events_.size());
    } else {
      nd.event = static_cast<std::uint32_t>(events_.size());
      if (depth_ + 1 < nodes_.size()) {
        // Another recorded node follows: until the last one is passed the
        // sleep set is needed by nothing (materialize_sleep), so it is not
        // kept.
        sleep_live_ = false;
        sleep_anchor_ = depth_;
      } else {
        sleep_ = nd.sleep;
        sleep_.insert(sleep_.end(), nd.explored.begin(), nd.explored.end());
        sleep_live_ = true;
      }
      if (nd.upper) ++uppers_;
      pre_ = nd.pre + (d.preempts(nd.chosen) ? 1u : 0u);
      const choice c = d.option(nd.chosen);
      start_event(c.thread, c.kind, static_cast<std::int32_t>(depth_));
      ++depth_;
      return nd.chosen;
    }
  }
  materialize_sleep();  // (a no-op: it is live past the last recorded node)
  node nd;
  nd.d = d;
  nd.event = static_cast<std::uint32_t>(events_.size());
  nd.sleep = sleep_;
  nd.spin = spin;
  nd.pre = static_cast<std::uint16_t>(pre_);
  const std::uint32_t allowed = in_bound(nd);
  const std::uint32_t asleep = asleep_mask(nd) | spin;
  if ((all & ~asleep) == 0) {
    // Every option asleep (a covered trace), or every thread waits in an
    // await loop (it will fail as never released).
    if ((all & ~spin) != 0) become_blocked();
    return off_tree();
  }
  // Timeouts and spurious wake-ups stay explored choices: each is explored
  // first, so that the other branches carry it in their sleep set until a
  // step it does not commute with (once per wait, not once per decision).
  const int nrun = detail::popcount8(d.runnable);
  const std::uint32_t wakeups = all & ~((1u << nrun) - 1u) & ~asleep & allowed;
  int pick = d.default_index();
  if (wakeups != 0)
    pick = __builtin_ctz(wakeups);
  else if ((asleep >> pick) & 1u)
    pick = __builtin_ctz((all & ~asleep & allowed) != 0 ? all & ~asleep & allowed : all & ~asleep);
  else if (order_ != 0 && (all & ~asleep & allowed) != 0)
    pick = random_bit(all & ~asleep & allowed);
  nd.chosen = static_cast<std::uint8_t>(pick);
  nd.done = 1u << pick;
  nd.backtrack = (1u << pick) | wakeups;
  // Upper tree of a sharded search: every awake option, in every shard.
  if (uppers_ < shard_levels_ && __builtin_popcount(all & ~asleep) >= 2) {
    nd.upper = true;
    nd.backtrack |= all & ~asleep;
    ++uppers_;
  }
  if (d.preempts(pick)) ++pre_;
  const choice c = d.option(pick);
  nodes_.push_back(std::move(nd));
  start_event(c.thread, c.kind, static_cast<std::int32_t>(depth_));
  ++depth_;
  return pick;
}

void dpor_source::on_step(const step_info& s) {
  if (s.note == detail::stutter_note) {
    // The execution is cut at a stutter (dpor.h "Stutters"): it ends here,
    // its steps so far analysed as a blocked execution's are.
    ++stutters_;
    // A spurious wake-up cut as a stutter (its thread went back to sleep as
    // it was) stands for the execution without it, which its decision has
    // not explored unless a race asked for it: wake-ups are explored first
    // and only races add the other options, and a cut execution shows none
    // of the later steps that would race. So that decision also explores a
    // runnable thread (the default if awake), as it would with no wake-up
    // on offer; the wake-up itself, asleep there with its footprint (the
    // queue, who can run, and the word its held load read), is explored
    // again after a step it does not commute with.
    if (cur_ >= 0) {
      const event& e = events_[static_cast<std::size_t>(cur_)];
      if (e.kind == choice_kind::spurious && e.node >= 0 && !blocked_) {
        node& nd = nodes_[static_cast<std::size_t>(e.node)];
        add_initial(nd, wakeup_stand_ins(nd));
      }
    }
    if (!blocked_) become_blocked();
    return;
  }
  if (s.kind == op::make && s.addr != nullptr) {
    // Blocks are named by who allocated them and how many it allocated before.
    const int who = s.setup_or_check ? max_threads : s.thread;
    const std::uintptr_t key = static_cast<std::uintptr_t>(who) * 65536u + makes_[who]++;
    blocks_.push_back(
        block_range{bits(s.addr), bits(s.addr) + std::max<std::uint64_t>(s.a, 1), key});
  }
  if (s.thread < 0) {
    prog_base_ = bits(s.addr);
    // Symmetry: each thread's previous twin + 1, 4 bits a thread (runtime).
    for (int t = 0; t < max_threads; ++t)
      twin_[t] = static_cast<std::int8_t>(static_cast<int>((s.a >> (4 * t)) & 0xfu) - 1);
    return;
  }
  if (s.setup_or_check) return;
  const int t = s.thread;
  event* cur = cur_ >= 0 ? &events_[static_cast<std::size_t>(cur_)] : nullptr;
  auto own = [&](choice_kind kind) -> event* {
    if (cur != nullptr && cur->thread == t && !cur->has_op) return cur;
    start_event(t, kind, -1);
    return &events_[static_cast<std::size_t>(cur_)];
  };
  switch (s.kind) {
    case op::wake:
      if (cur != nullptr) cur->woke |= static_cast<std::uint8_t>(1u << t);
      return;
    case op::block:
    case op::thread_end:
      if (s.kind == op::block) wait_addr_[t] = last_addr_[t];
      // Finishing or blocking on a mutex can withdraw the spurious-wake
      // offers (made only while some thread can run): a read. A futex
      // waiter's block makes a new offer while another thread can run: a
      // write, so it races with the step that would leave nobody runnable
      // (without it, a wait that only a spurious wake-up ends was explored
      // only after the other threads finished, when none is offered).
      if (cur != nullptr && cur->thread == t) {
        // A thread that finishes without an operation: this is its first
        // step, which lets its next twin run (symmetry, analyze()).
        if (s.kind == op::thread_end) cur->has_op = true;
        const bool futex_block = s.kind == op::block && ((futex_wait_ >> t) & 1u) != 0;
        cur->fp.add(point(pseudo_sched, space_pseudo, futex_block));
        // A futex wait joins the queue only when it sleeps: one that
        // returns at once (the value changed) only read the word.
        if (futex_block) cur->fp.add(point(wait_addr_[t], space_queue, true));
      }
      return;
    case op::preempt:
      return;
    case op::timeout:
    case op::spurious: {
      const choice_kind k = s.kind == op::timeout ? choice_kind::timeout : choice_kind::spurious;
      if (cur != nullptr && cur->thread == t && !cur->has_op && cur->kind == k) return;
      event* e = own(k);
      e->kind = k;
      add_wakeup(e->fp, t, k);
      return;
    }
    case op::resume:
      if (event* e = own(choice_kind::run)) {
        e->resume = true;
        // Woken by a wake: ordered after it, and (c11) it reads the word's
        // latest store. After a timeout or spurious wake-up (this event's
        // kind, add_wakeup) only the queue changed.
        if (e->kind == choice_kind::run) e->fp.add(point(wait_addr_[t], space_mem, false));
        e->fp.add(point(wait_addr_[t], space_queue, true));
      }
      return;
    case op::thread_start:
      own(choice_kind::run);
      return;
    default:
      break;
  }
  if (s.violation) {
    // The failing step (the execution ends here): its footprint may be
    // unknown, so it conflicts with everything.
    if (event* e = own(choice_kind::run)) {
      e->has_op = true;
      e->fp.global = true;
    }
    return;
  }
  // A platform operation: one step of thread t (or the rest of its current
  // one, step_info::continues).
  event* e = s.continues && cur != nullptr && cur->thread == t ? cur : own(choice_kind::run);
  e->has_op = true;
  if (s.kind == op::preemption_point && s.addr == &detail::await_marker) {
    // The end of a failed await-loop iteration (spin.h).
    const auto bit = static_cast<std::uint8_t>(1u << t);
    if ((spin_blocked_ & bit) == 0 && !window_[t].empty()) {
      spin_blocked_ |= bit;
      awaited_[t] = window_[t];
      ++await_blocks_;
    }
    window_[t].clear();
    return;
  }
  // A thread that takes a step is not waiting in an await loop (it was run
  // when every thread waited, and left its loop, or is in a new iteration).
  spin_blocked_ &= static_cast<std::uint8_t>(~(1u << t));
  // This step's accesses. In the usual case, the event's first step, they
  // are built in the event itself (adding them to an empty footprint one by
  // one would copy them in order); else apart, and added below.
  footprint own_fp;
  const bool in_place = e->fp.n == 0 && !e->fp.global;
  footprint& fp = in_place ? e->fp : own_fp;
  for (std::uintptr_t x : texts_[t]) fp.add(point(x, space_text, false));
  const std::uintptr_t a = canon(s.addr);
  last_addr_[t] = a;
  if (s.kind == op::futex_wait)
    futex_wait_ |= static_cast<std::uint8_t>(1u << t);
  else
    futex_wait_ &= static_cast<std::uint8_t>(~(1u << t));
  if (is_read(s.kind) || is_write(s.kind)) fp.add(point(a, space_mem, is_write(s.kind)));
  if (s.kind == op::cas_ok || s.kind == op::cas_fail) {
    if (detail::runtime* r = detail::rt(); r != nullptr && r->cas_budget_use() != 0)
      fp.add(point(pseudo_cas_budget, space_pseudo, r->cas_budget_use() == 2));
  }
  switch (s.kind) {
    case op::futex_wake_one:
    case op::futex_wake_all:
      // Dequeues waiters; never changes the value. Under c11 it reads it
      // (the woken thread will see the word's latest store). Under sc it
      // reads it only when it wakes nobody (close_event): such a wake
      // matters only to a waiter that has yet to sleep, and whether that
      // waiter sleeps depends on the word, so the wake must be ordered
      // against the word's writes. Without it DPOR missed a lost wake-up,
      // a wake before the waiter sleeps and a store with no wake after it
      // (resume_review_test.cc, ScDporMissesALostWakeDeadlock). A wake that
      // wakes a thread is ordered against the word through that thread's
      // resume, which reads it.
      if (detail::runtime* r = detail::rt(); r == nullptr || r->weak())
        fp.add(point(a, space_mem, false));
      else
        e->wake_word = a;
      fp.add(point(a, space_queue, true));
      break;
    case op::mutex_lock:
    case op::mutex_unlock:
      fp.add(point(a, space_mem, true));
      fp.add(point(a, space_queue, true));
      break;
    case op::futex_wait:
      // Compares the value (a read); it joins the queue when it blocks
      // (op::block above).
      fp.add(point(a, space_mem, false));
      // Only a timed wait that sleeps compares its deadline with the time:
      // the untimed sleep and the early return (platform.cc's notes) do
      // not read it; any other note keeps the read (conservative).
      if (!is_note(s.note, "sleeps") && !is_note(s.note, "returns: value changed"))
        fp.add(point(pseudo_time, space_pseudo, false));
      break;
    case op::fence:
      if (s.mo == seq_cst_plus_one) fp.add(point(pseudo_sc_fence, space_pseudo, true));
      break;
    case op::now:
      fp.add(point(pseudo_time, space_pseudo, false));
      break;
    case op::make:
    case op::destroy:
      fp.add(access{a, a + std::max<std::uint64_t>(s.a, 1), space_mem, true});
      break;
    case op::text_enter:
      fp.add(point(a, space_text, false));
      texts_[t].push_back(a);
      break;
    case op::text_leave:
      fp.add(point(a, space_text, false));
      if (!texts_[t].empty() && texts_[t].back() == a) texts_[t].pop_back();
      break;
    case op::text_unmap:
      fp.add(point(a, space_text, true));
      break;
    case op::exit_thread:
      texts_[t].clear();
      break;
    default:  // reads and writes above; preemption_point, check: local
      break;
  }
  // The await-loop iteration of t so far: its reads, until it writes.
  bool writes = fp.global;
  for (int i = 0; i < fp.n; ++i) writes = writes || fp.acc[i].write;
  if (writes) {
    window_[t].clear();
  } else {
    for (int i = 0; i < fp.n; ++i) window_[t].add(fp.acc[i]);
  }
  if (in_place) return;
  if (fp.global) e->fp.global = true;
  for (int i = 0; i < fp.n; ++i) e->fp.add(fp.acc[i]);
}

// Whether an event's clock is the same as another's at the same position
// when every event before them is: a clock is a function of the threads and
// footprints of the events up to it (and of nothing else).
bool dpor_source::same_step(const event& a, const event& b) noexcept {
  if (a.thread != b.thread || a.has_op != b.has_op || a.fp.n != b.fp.n ||
      a.fp.global != b.fp.global)
    return false;
  for (int i = 0; i < a.fp.n; ++i) {
    const access& x = a.fp.acc[i];
    const access& y = b.fp.acc[i];
    if (x.lo != y.lo || x.hi != y.hi || x.space != y.space || x.write != y.write) return false;
  }
  return true;
}

// Happens-before clocks for every event, then race reversal for the events
// this execution added.
void dpor_source::analyze() {
  const std::size_t n = analyze_end_;
  std::uint32_t len[max_threads] = {};
  std::int64_t prev[max_threads];
  std::fill(std::begin(prev), std::end(prev), -1);
  // The replayed prefix (before first_new_, where no race is reversed) is
  // usually the previous execution's step for step: its clocks are reused,
  // and only the events from the first difference on are scanned (the scan
  // is quadratic; the prefix is most of an execution).
  const std::size_t reuse = std::min({first_new_, n, old_hb_valid_});
  // Each thread's first event with a footprint so far (only such events
  // conflict with anything): the backward scan below stops once it has
  // found every thread it looks for, or passed the first footprint of each.
  constexpr std::size_t none = ~std::size_t{0};
  std::size_t first_fp[max_threads];
  std::fill(std::begin(first_fp), std::end(first_fp), none);
  auto saw = [&](std::size_t k) {
    const event& e = events_[k];
    if (!e.fp.empty() && first_fp[e.thread] == none) first_fp[e.thread] = k;
  };
  // Symmetry: each thread's first event with an operation (its first
  // step), which happens before the first event of the twin it gates.
  std::int64_t first_op[max_threads];
  std::fill(std::begin(first_op), std::end(first_op), -1);
  std::size_t j = 0;
  for (; j < reuse && same_step(events_[j], old_events_[j]); ++j) {
    event& ej = events_[j];
    const event& old = old_events_[j];
    std::memcpy(ej.vc, old.vc, sizeof ej.vc);
    ej.idx = old.idx;
    len[ej.thread] = ej.idx;
    prev[ej.thread] = static_cast<std::int64_t>(j);
    if (ej.has_op && first_op[ej.thread] < 0) first_op[ej.thread] = static_cast<std::int64_t>(j);
    saw(j);
  }
  hb_valid_ = n;
  same_prefix_ = j;
  for (; j < n; ++j) {
    event& ej = events_[j];
    const int t = ej.thread;
    // The event's direct predecessor in its thread's order: its previous
    // event, or for a twin's first event its previous twin's first step
    // (symmetry: it could not run before that step, as if spawned by it).
    std::int64_t before = prev[t];
    if (before < 0 && twin_[t] >= 0) before = first_op[twin_[t]];
    std::uint32_t vc[max_threads] = {};
    if (before >= 0) std::copy_n(events_[static_cast<std::size_t>(before)].vc, max_threads, vc);
    // Latest conflicting event of every other thread (earlier ones of the
    // same thread precede it in program order).
    std::int64_t last[max_threads];
    std::fill(std::begin(last), std::end(last), -1);
    if (!ej.fp.empty()) {
      // Threads still looked for (another thread with a footprint before
      // j, none found yet), and the lowest index one of them may conflict at.
      std::uint32_t todo = 0;
      for (int r = 0; r < max_threads; ++r)
        if (r != t && first_fp[r] != none) todo |= 1u << r;
      auto lowest = [&] {
        std::size_t m = j;
        for (std::uint32_t b = todo; b != 0; b &= b - 1)
          m = std::min(m, first_fp[__builtin_ctz(b)]);
        return m;
      };
      std::size_t stop = lowest();
      for (std::size_t i = j; todo != 0 && i-- > stop;) {
        const event& ei = events_[i];
        if (((todo >> ei.thread) & 1u) == 0) continue;
        if (!conflicts(ei.fp, ej.fp)) continue;
        last[ei.thread] = static_cast<std::int64_t>(i);
        for (int k = 0; k < max_threads; ++k) vc[k] = std::max(vc[k], ei.vc[k]);
        todo &= ~(1u << ei.thread);
        stop = lowest();
      }
    }
    saw(j);
    ej.idx = ++len[t];
    vc[t] = ej.idx;
    std::copy_n(vc, max_threads, ej.vc);
    if (j >= first_new_) {
      // e = last[r] races with j when no other direct predecessor of j
      // (j's previous step, or another thread's latest conflicting step)
      // happens after e.
      for (int r = 0; r < max_threads; ++r) {
        if (last[r] < 0) continue;
        const event& e = events_[static_cast<std::size_t>(last[r])];
        bool immediate = !(before >= 0 && events_[static_cast<std::size_t>(before)].vc[r] >= e.idx);
        for (int s = 0; s < max_threads && immediate; ++s)
          if (s != r && last[s] >= 0 && events_[static_cast<std::size_t>(last[s])].vc[r] >= e.idx)
            immediate = false;
        if (immediate) reverse(static_cast<std::size_t>(last[r]), j);
      }
    }
    prev[t] = static_cast<std::int64_t>(j);
    if (ej.has_op && first_op[t] < 0) first_op[t] = static_cast<std::int64_t>(j);
  }
}

// Race e < j: make sure the decision before e explores some initial of
// v = notdep(e).j (the steps after e not ordered after it, then j).
void dpor_source::reverse(std::size_t e, std::size_t j) {
  const event& ee = events_[e];
  const event& ej = events_[j];
  if (ej.resume && ((ee.woke >> ej.thread) & 1u)) return;  // e enabled j: not reversible
  // Bounded: the decision where e's thread block began (bound hook (1),
  // dpor.h): the last one before e where another thread ran or its thread
  // could not run. A thread that blocked and goes on by its own timeout or
  // spurious wake-up starts a new block there: that decision was a free
  // choice, and the block start before it may be a whole preemption away
  // (recheck_review_test.cc, BoundedDporReachesATimeoutAfterAWake).
  std::int32_t block = -1;
  if (bound_ >= 0) {
    auto free_choice = [&](const event& f) {
      return f.node >= 0 && !nodes_[static_cast<std::size_t>(f.node)].d.current_runnable();
    };
    std::size_t k = e;
    while (k > 0 && events_[k - 1].thread == ee.thread && !free_choice(events_[k])) --k;
    if (events_[k].node != ee.node) block = events_[k].node;
  }
  if (ee.node < 0 && block < 0) return;  // only one option before e: nothing to reverse
  ++races_;
  // The initials of the reversal: first steps of their threads in it that
  // nothing before them in it happens before.
  std::uint32_t first[max_threads] = {};
  choice init[max_threads + 1];
  int ninit = 0;
  auto consider = [&](const event& f) {
    const int r = f.thread;
    if (first[r] != 0) return;
    bool pred = false;
    for (int s = 0; s < max_threads && !pred; ++s) pred = first[s] != 0 && f.vc[s] >= first[s];
    first[r] = f.idx;
    if (!pred) init[ninit++] = choice{r, f.kind};
  };
  for (std::size_t i = e + 1; i < j; ++i) {
    const event& f = events_[i];
    if (f.vc[ee.thread] >= ee.idx) continue;  // ordered after e
    consider(f);
  }
  consider(ej);
  auto cands = [&](const node& nd) {
    std::uint32_t cand = 0;
    for (int k = 0; k < ninit; ++k)
      if (const int i = nd.d.index_of(init[k]); i >= 0) cand |= 1u << i;
    return cand;
  };
  if (ee.node >= 0) {
    node& nd = nodes_[static_cast<std::size_t>(ee.node)];
    add_initial(nd, cands(nd));
    if (bound_ >= 0) {
      // Bounded: another initial may reach the reversal only through more
      // preemptions than the bound allows, so j's thread itself is explored
      // here too (Coons et al.), or every option when it cannot run here.
      const int i = nd.d.index_of(choice{ej.thread, ej.kind});
      add_initial(nd, i >= 0 ? 1u << i : 0u);
    }
  }
  if (block >= 0) {
    // The steps of e's block before e are in no reversal from there: the
    // initials above need not be initials of one. j's thread is (Coons et
    // al.), or every option when it cannot run there.
    node& nd = nodes_[static_cast<std::size_t>(block)];
    const int i = nd.d.index_of(choice{ej.thread, ej.kind});
    add_initial(nd, i >= 0 ? 1u << i : 0u);
  }
}

// A runnable thread that the decision of a cut wake-up explores in its
// place: the default if awake, else any awake one within the bound (none:
// 0). A thread waiting in an await loop is no stand-in (never explored at
// a decision).
std::uint32_t dpor_source::wakeup_stand_ins(const node& nd) const noexcept {
  const int nrun = detail::popcount8(nd.d.runnable);
  const std::uint32_t cand = ((1u << nrun) - 1u) & ~asleep_mask(nd) & ~nd.spin & in_bound(nd);
  const std::uint32_t def = 1u << nd.d.default_index();
  return (cand & def) != 0 ? def : cand;
}

// A wake-up stutter may be cut only where its decision has another option
// that is not a thread waiting in an await loop: a runnable thread (a
// stand-in, or one asleep because its traces are explored elsewhere), or
// another timeout or wake-up (always explored). Without one the execution
// without the wake-up is not in the tree: every other thread waits in an
// await loop, and their liveness verdict needs the spurious budget spent
// (others_can_run counts an offered wake-up), so this execution goes on.
// A sleep-set blocked execution adds nothing either way.
bool dpor_source::may_cut_wakeup() const noexcept {
  if (blocked_) return true;
  if (cur_ < 0) return false;
  const event& e = events_[static_cast<std::size_t>(cur_)];
  if (e.kind != choice_kind::spurious || e.node < 0) return false;
  const node& nd = nodes_[static_cast<std::size_t>(e.node)];
  const int cnt = nd.d.count();
  const std::uint32_t all = cnt >= 32 ? ~0u : (1u << cnt) - 1u;
  return (all & ~nd.spin & ~(1u << nd.chosen)) != 0;
}

// Makes `n` explore one of the options `cand` (unless it already does),
// or every option when none of them is one.
void dpor_source::add_initial(node& nd, std::uint32_t cand) {
  // Bounded: an initial the bound prunes here explores nothing; prefer one it allows.
  if ((cand & in_bound(nd)) != 0) cand &= in_bound(nd);
  if ((cand & nd.backtrack) != 0) return;
  if (cand != 0) {
    nd.backtrack |= 1u << __builtin_ctz(cand);
  } else {
    ++fallbacks_;
    const int cnt = nd.d.count();
    nd.backtrack |= cnt >= 32 ? ~0u : (1u << cnt) - 1u;
  }
}

double dpor_source::knuth_path() const noexcept {
  double w = 1;
  for (std::size_t k = 0; k < std::min(nodes_.size(), depth_); ++k) {
    const node& nd = nodes_[k];
    const int cnt = nd.d.count();
    const std::uint32_t all = cnt >= 32 ? ~0u : (1u << cnt) - 1u;
    if (nd.read) {  // every option but the redundant ones (decision::redundant)
      w *= __builtin_popcount(all & ~std::uint32_t{nd.d.redundant});
      continue;
    }
    const std::uint32_t awake = all & ~asleep_mask(nd) & ~nd.spin & in_bound(nd);
    // Bounded: every option within the bound (the bounded DFS tree, an upper
    // bound: without sleep sets bounded DPOR is close to it at small bounds).
    std::uint32_t b = bound_ >= 0 ? awake | (1u << nd.chosen) : 1u << nd.chosen;
    const int nrun = detail::popcount8(nd.d.runnable);
    if (nd.event < events_.size()) {
      const event& e = events_[nd.event];
      for (std::uint32_t m = awake & ~b; m != 0; m &= m - 1) {
        const int i = __builtin_ctz(m);
        if (i >= nrun) {  // a timeout or spurious wake-up: always explored
          b |= 1u << i;
          continue;
        }
        const int q = nd.d.option(i).thread;
        for (std::size_t f = nd.event + 1; f < events_.size(); ++f)
          if (events_[f].thread == q && conflicts(events_[f].fp, e.fp)) {
            b |= 1u << i;
            break;
          }
      }
    }
    w *= __builtin_popcount(b);
  }
  return w;
}

bool dpor_source::end_execution(std::uint32_t) {
  close_event();
  if (order_ != 0) path_estimate_ = knuth_path();
  ++executions_;
  if (owned_now_) {
    ++owned_;
    if (blocked_) ++owned_blocked_;
  }
  if (!blocked_) analyze_end_ = events_.size();
  // Races inside another shard's subtree add nothing this shard explores.
  if (owned_now_) analyze();
  nodes_.resize(std::min(nodes_.size(), depth_));
  for (node& nd : nodes_)
    if (!nd.read && nd.event < events_.size()) {
      // The union is idempotent: an event the previous execution took in
      // here, repeated unchanged (same index, same footprint), adds nothing.
      const bool repeated = nd.fp_exec != 0 && nd.fp_exec + 1 == executions_ &&
                            nd.fp_event == nd.event && nd.event < same_prefix_;
      nd.fp_exec = executions_;
      nd.fp_event = nd.event;
      if (repeated) continue;
      const footprint& f = events_[nd.event].fp;
      if (f.global) nd.chosen_fp.global = true;
      for (int i = 0; i < f.n; ++i) nd.chosen_fp.add(f.acc[i]);
    }
  while (!nodes_.empty()) {
    node& nd = nodes_.back();
    // Another shard's subtree: only its upper decisions are explored here.
    const std::uint32_t next =
        !owned_now_ && !nd.upper
            ? 0
            : nd.backtrack & ~nd.done & ~asleep_mask(nd) & ~nd.spin & in_bound(nd);
    if (next != 0) {
      if (nd.upper) {
        ++subtree_;
        owned_now_ = subtree_ % static_cast<std::uint64_t>(shard_count_) ==
                     static_cast<std::uint64_t>(shard_index_);
      }
      // Bounded: no sleep sets (bound hook (2), dpor.h).
      if (!nd.read && bound_ < 0 && nd.event < events_.size())
        nd.explored.push_back(sleeper{nd.d.option(nd.chosen), nd.chosen_fp});
      nd.chosen_fp.clear();
      nd.fp_exec = 0;
      nd.chosen = static_cast<std::uint8_t>(order_ != 0 ? random_bit(next) : __builtin_ctz(next));
      nd.done |= 1u << nd.chosen;
      first_new_ = nd.event;
      return true;
    }
    nodes_.pop_back();
  }
  complete_ = true;
  return false;
}

}  // namespace lastref::model
