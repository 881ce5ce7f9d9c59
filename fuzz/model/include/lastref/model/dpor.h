// SPDX-License-Identifier: MIT
#pragma once
// lastref::model::dpor_source — exhaustive search with partial-order
// reduction: source-DPOR with sleep sets (Abdulla, Aronis, Jonsson and
// Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1
// "source-DPOR"), over the steps the model runtime reports.
//
// Contract: a schedule source that, driven by checker::explore (or
// checker::run until end_execution returns false), runs at least one
// execution of every Mazurkiewicz trace of the program under sequential
// consistency — every ordering of dependent steps — and so reaches every
// final state and every failure any schedule reaches (soundness: tests in
// fuzz/model/tests/dpor_test.cc compare it with unbounded dfs_source). It
// has no preemption bound. When every option of a decision is in the sleep
// set (the trace was already covered), the execution is "sleep-set blocked":
// it runs to its end on default choices, is counted in blocked(), and adds
// nothing to the search.
//
// Steps and dependency. Each step is one platform operation of one thread
// (plus the scheduler's resume / timeout / spurious events), with a
// footprint of accesses. Two steps of different threads are dependent when
// their footprints touch the same location and at least one writes:
//   - atomic load, failed CAS, cell read: read; store, RMW, successful CAS,
//     cell write: write of the object's address;
//   - a futex word's wait queue is a location of its own, apart from the
//     word's value: futex wait reads the word (it compares it) and writes
//     its queue only when it blocks (one that returns at once because the
//     value changed touches no queue); a timed wait that blocks also reads
//     virtual time (it compares its deadline; platform.cc's notes "sleeps"
//     and "returns: value changed" tell the others apart); futex wake
//     writes the queue, and under c11 reads the word (the woken thread sees its latest store);
//     under sc it reads the word only when it wakes nobody (then it
//     matters to a waiter yet to sleep, and whether that one sleeps
//     depends on the word: a review found DPOR missing a lost wake-up
//     without it, resume_review_test.cc); a thread's
//     resume after a wake reads the word and writes the queue (so a wake is
//     ordered before the wake-up it causes); mutex lock / unlock / try_lock
//     write the mutex and its queue;
//   - make / destroy: write of the whole block [p, p + size) (a free
//     conflicts with every access of the object, before or after it);
//   - text enter / leave: read of the text; text unmap: write of it; every
//     step of a thread inside module text reads each text on its stack;
//   - seq_cst fence: write of one pseudo-location (the SC fence order
//     matters to happens-before); other fences, preemption points and
//     exit_thread touch nothing;
//   - now(): read of virtual time;
//   - the spurious compare_exchange_weak budget (c11, run_options::
//     max_spurious_cas, shared by the whole execution) is a pseudo-location:
//     a weak CAS whose latest value equals `expected` (so whether it may fail
//     spuriously depends on the budget) reads it, a spurious failure writes
//     it (else two such CASes on different locations would commute, and the
//     order in which the first takes the other's spurious failure away
//     would never be reversed: stutter_test.cc has the program);
//   - a timeout or spurious wake-up of a thread (a choice, with the resume
//     it causes): write of the queue of the word it slept on — not of the
//     word: it neither reads nor changes the value, so it commutes with
//     loads, stores and RMWs of the word (a spurious wake-up whose next
//     load is held, "Wake-up stutters" below, reads the word in that same
//     event) — and of a "who can run"
//     pseudo-location (finishing and blocking on a mutex read it: they can
//     withdraw a spurious-wake offer; a futex waiter's block writes it: it
//     makes one while another thread can run); a timeout also writes
//     virtual time. Wherever a
//     decision offers them they are
//     explored, first, so the other branches carry them in their sleep set
//     until a step they do not commute with: they stay explored choices
//     (every spurious wake-up the budget allows, run_options::max_spurious,
//     at every point where it does not commute with what the other branch
//     ran instead).
// A race whose later step is a resume caused by the earlier step (a wake)
// is not reversible and is skipped; when no initial of a reversal is an
// option at the decision before the race, every option there is explored
// (the classic fallback; counted in fallbacks()).
//
// Await loops: a thread that calls model::await_iteration() (spin.h) after
// an iteration that wrote nothing is not chosen again until another thread
// writes a location that iteration read (its options are left out of the
// decisions meanwhile, as if asleep); a thread that takes a step is no
// longer waiting. When every option of a decision waits in an await loop,
// the decision is off the tree (no node, in every execution alike): under
// c11 the first waiting thread whose last iteration read an older store is
// run with its next loads of those locations reading the latest store
// (runtime::refresh_await, eventual visibility); else the default thread
// runs. A failed iteration when no other thread can run is a liveness
// failure (spin.h).
//
// Retry loops (run_options::prune_failed_retries; lastref/detail/retry.h):
// at a decision with hold set (a retry CAS confirming the thread's read
// just before it) this source keeps the current thread and makes no node,
// and the CAS's step (step_info::continues) joins the read's event, so the
// two are one event for races and sleep sets (fuzz/model/README.md, "Retry
// loops", has the argument; tests/retry_test.cc the comparison with DFS).
//
// Stutters (run_options::prune_stutters, on by default in checker::explore
// with an exhaustive source: this one and dfs_source alike). A spurious failure of
// compare_exchange_weak (c11) reads the latest store, whose value equals
// `expected`, so the thread's `expected` is unchanged. When the thread's
// very next operation is the same CAS again (same source place, atomic,
// expected and desired bits, success and failure orders: the usual retry
// loop), the execution E is cut there, before that operation's scheduling
// point: a pruned execution, no check(), never reported, counted in
// blocked() and stutters(). Sound because the execution E' without the
// failed read is consistent and shows everything E's continuations show:
// the failed read wrote nothing and released nothing, so no other thread's
// step depends on it; it only added to the thread's view (happens-before
// through an acquire failure order, coherence), so in E' the thread's later
// reads may read at least the stores they read in E and the CAS at E's
// repeat has at least E's options, spurious failure included (E spent the
// budget, run_options::max_spurious_cas, E' did not); races E shows, E'
// shows. Whether the next operation repeats the CAS depends only on the
// thread's own state, and nothing runs between the spurious failure and
// the cut, so the search is exactly the search of the program in which such
// a CAS cannot fail spuriously, plus one short execution per spurious
// failure whose races only add backtrack options: DPOR and DFS stay sound
// (tested against unbounded DFS without pruning on random retry programs,
// fuzz/model/tests/stutter_test.cc). ASSUMED: the retry loop does not count
// its retries — a loop that gives up after N failures, or records how often
// it retried, behaves differently after a spurious failure, and the
// outcomes that depend on it are then reached only with pruning off
// (run_options::prune_stutters = false, lastref-prove --keep-stutters;
// stutter_test.cc shows such a loop).
//
// Wake-up stutters (the same switch; under sc, and under c11 only on a word
// declared RMW-only, platform::rmw_only: else a plain store can join the
// modification order before a newer one, and a load held after the
// wake-up could never read it, recheck_review_test.cc; fuzz/model/
// README.md, "RMW-only words", has the argument for declared words). A futex
// waiter that wakes spuriously
// and was the last waiter in its word's FIFO queue: its next operation, if
// it loads the word, is held (decision::hold, as a retry CAS is: one event
// with the wake-up, so the wake-up's footprint includes the read of the
// word), and when the operation after that is the same futex wait (same
// source place, so the same wait of the same loop) on the same word, for
// the value that load read, which is the value it slept on and the word's
// value now, until the same deadline, the execution is cut before that
// wait's point (runtime::futex_sleep, rewait_check). The execution without
// the wake-up is back in the same state — the thread asleep in the same
// wait, in the same place in the queue (it was last, and goes back last),
// its local state the same under the assumption below — except that its
// view grew by the load (c11) and the spurious budget is spent: it shows
// at least as much, given that no verdict counts on an unspent spurious
// budget (an await loop is a liveness failure when only a spurious
// wake-up could release it, spin.h, so it does not depend on one being on
// offer; and that failure is raised with no scheduling point before it,
// where a wake-up could run and be cut). And the cut happens only where
// its decision has another option than threads waiting in an await loop
// (may_cut_wakeup): else the execution without the wake-up is not in the
// tree, and this one goes on. Holding the
// load loses only schedules with other threads' steps between the wake-up
// and the load, and those are the schedules of the wake-up taken later,
// which DPOR explores wherever it does not commute (its sleeper carries
// the read of the word, so a write of the word wakes it). One thing the
// cut takes away: wake-ups are explored first at a decision, and only
// races add the decision's other options, but a cut execution shows none
// of the later steps that would race; so a cut wake-up makes its decision
// explore a runnable thread too (the default when awake), as if no
// wake-up were on offer there (on_step). Tested against unbounded DFS with
// pruning off on random wait-loop programs (wakeup_stutter_test.cc).
// ASSUMED: the wait loop does not count its wake-ups (the same test shows
// one that does). A wake-up that re-reads a changed value is no stutter
// (the thread's local state differs), and neither is one of a waiter with
// others queued behind it (going back last would reorder the queue).
//
// Re-check waits (the same switch and models, for the same reason;
// lastref/detail/recheck_wait.h): after a
// hinted futex wait that returned at once because the value changed, the
// thread's next point, if it loads the word, is held (decision::hold): the
// wait and the load are one event here. Nothing is cut; the argument that
// the schedules between them add nothing, under the header's contract, is
// in fuzz/model/README.md, "Re-check waits" (tested against unbounded DFS
// with pruning off in wakeup_stutter_test.cc). And a thread woken by a
// futex wake runs its next operation right after its resume, as one event
// (the resume is seen by no other thread; README, "Resumes").
//
// Locations are named so that steps compare across executions (each one
// runs a fresh program, and the allocator may place it elsewhere): inside a
// block from platform::make, by (allocating thread, its allocation count,
// offset); within 1 MiB after the program object, by offset from it (its
// members); else by absolute address (statics, fiber stacks). Shared state
// the program keeps in other heap memory is outside the model's contract
// (program.h) and would not be compared correctly.
//
// Weak memory (memory_model::c11): a read decision (which store a load
// reads, where a store joins the modification order) is explored in full —
// every option is in its node's backtrack set, none enters a sleep set — and
// the access's footprint stays a read (load) or write (store) of its
// location. Operations on different locations commute in the c11 model too
// (a thread's view of a location changes only through its own steps and
// what it reads), so the thread-order reduction stays sound; seq_cst fences
// are ordered among themselves as under sc.
//
// Symmetry (program::symmetry_class): a declared twin is not offered
// until the twin before it took its first step (the runtime's gate), and
// that step happens-before the twin's first event here, as a spawn would:
// a race of the twin's first operation is then reversed by moving the
// previous twin's first step ahead too, never by asking for a thread that
// cannot run; nothing else changes. Every trace of the gated program is
// explored, and it has every outcome of the program up to renaming twins
// (fuzz/model/README.md, "Symmetry"; tests/symmetry_test.cc).
//
// Sharding (set_shard(i, n)): the search tree is split into n disjoint
// parts by a deterministic prefix, so n processes or machines explore it in
// parallel with no communication. The first `levels` decisions of every
// execution that offer two or more awake options (the upper tree) explore
// every awake option, not only the backtrack set DPOR would compute: the
// upper tree is then the same in every shard whatever races the shards see
// below it; under a preemption bound, every awake option within the bound,
// which is a function of the path (larger backtrack sets keep source-DPOR
// sound; sleep sets still
// leave at most one complete execution per trace). The subtrees below it
// are numbered in depth-first order and shard i owns those numbered
// i mod n. A shard runs one execution into each subtree it does not own
// (to reach the next upper option with the right sleep set) and explores
// nothing else there; a failure found on such an execution is reported all
// the same (it is real). Every trace is explored by exactly one shard: the
// union of n complete shards is a complete search, with executions summing
// to the unsharded count plus the extra sleep-set blocked executions of the
// upper tree (tested in shard_test.cc, ShardsCoverTheSearch; bounded, the
// union reaches what the unsharded bounded search reaches:
// bounded_dpor_test.cc, ShardsCoverTheBoundedSearch).
//
// Preemption bound (set_bound(k), bounded partial-order reduction after
// Coons, Musuvathi and McKinley, "Bounded Partial-Order Reduction", OOPSLA
// 2013): only schedules with at most k preemptions are explored, counted as
// dfs_source counts them (choosing, at a decision of the tree, anything but
// the current thread while it can run; read decisions never preempt). The
// bound makes otherwise independent steps dependent, so DPOR that merely
// prunes over-bound options misses schedules within the bound (ibid.). Two
// changes keep it sound within the bound: (1) for every race reversed, the
// later step's thread is added both at the decision before the earlier step
// (beside source-DPOR's initial, which may reach the reversal only through
// more preemptions) and at the start of the earlier step's thread block (the
// last decision where another thread ran before it, or where its thread
// could not run: a thread that blocked and goes on by its own timeout or
// spurious wake-up starts a new block there), where scheduling it costs no
// more preemptions than the run it replaces; in both places every option
// when that thread cannot run there; (2) sleep sets are off: a trace
// asleep in one branch may be one the bound pruned in the branch that put it
// to sleep. Every failure and final state that some schedule with at most k
// preemptions reaches is reached (tested against dfs_source(k) in
// fuzz/model/tests/bounded_dpor_test.cc, including a 4-thread program whose
// outcome needs (1)'s first half, and on random timed-wait programs in
// recheck_review_test.cc, BoundedDporCoversBoundedDfsOnTimedWaits: counted
// by thread alone, a block ran on through its thread's timeout back to the
// preemption before it, and bounded DPOR missed outcomes of bounded DFS at
// bounds 0 and 1); complete() then means "complete within bound k", never
// a proof. Known gap: leaving a thread that waits in an await loop is
// counted as a preemption (dfs_source would instead spin into the step
// budget), so under a bound an await-loop program may miss schedules that
// differ only in which thread runs while another waits.
//
// Progress (progress()): the fraction of the tree behind the current path,
// counting every option of a decision as an equal part of its subtree
// (Knuth's path estimate, "Estimating the efficiency of backtrack
// programs", Math. Comp. 29, 1975, applied online as search-progress
// meters do). Backtrack sets grow as races are found, so early values are
// optimistic; it is 1 exactly when the search is complete.
//
// Lifetime rule: one checker at a time; the program must be deterministic
// given its schedule (a replayed prefix that differs sets diverged() and the
// search continues from there as if new).
//
// Memory ordering: not applicable; runs on the checker's OS thread.

#include <cstdint>
#include <vector>

#include "schedule.h"

namespace lastref::model {

class dpor_source final : public schedule_source {
 public:
  dpor_source() = default;
  void begin_execution() override;
  int choose(const decision& d) override;
  bool end_execution(std::uint32_t steps) override;
  [[nodiscard]] const char* name() const noexcept override { return "dpor"; }
  [[nodiscard]] bool wants_steps() const noexcept override { return true; }
  [[nodiscard]] bool exhaustive() const noexcept override { return true; }
  void on_step(const step_info& s) override;
  [[nodiscard]] bool may_cut_wakeup() const noexcept override;

  // The search ran out: every trace was explored.
  [[nodiscard]] bool complete() const noexcept { return complete_; }
  [[nodiscard]] std::uint64_t executions() const noexcept { return executions_; }
  // Executions cut short by the sleep set or at a stutter (redundant;
  // included in executions()).
  [[nodiscard]] std::uint64_t blocked() const noexcept { return blocked_count_; }
  // Executions cut at a stutter (see "Stutters"; also in blocked() unless
  // the sleep set had blocked them before).
  [[nodiscard]] std::uint64_t stutters() const noexcept { return stutters_; }
  [[nodiscard]] std::uint64_t races() const noexcept { return races_; }
  [[nodiscard]] std::uint64_t fallbacks() const noexcept { return fallbacks_; }
  [[nodiscard]] bool diverged() const noexcept { return diverged_; }
  // Failed await-loop iterations (spin.h) after which a thread waited.
  [[nodiscard]] std::uint64_t await_blocks() const noexcept { return await_blocks_; }

  // Explore only shard `index` of `count` (before the first execution;
  // 0 <= index < count <= 4096). `levels` upper decisions (0: enough for
  // at least 256 subtrees per shard: the leftmost subtrees of a sleep-set
  // tree hold most of it, so few levels balance badly — measured on the
  // 3-thread lookup table under c11, 2 shards: 11,593 / 62 executions at
  // 4 levels, 5,256 / 6,702 at 11; a shard also runs about one execution
  // per subtree it does not own).
  void set_shard(int index, int count, int levels = 0) noexcept;
  [[nodiscard]] int shard_index() const noexcept { return shard_index_; }
  [[nodiscard]] int shard_count() const noexcept { return shard_count_; }
  // Executions in subtrees this shard owns (all executions when unsharded),
  // and how many of them were sleep-set blocked.
  [[nodiscard]] std::uint64_t owned_executions() const noexcept { return owned_; }
  [[nodiscard]] std::uint64_t owned_blocked() const noexcept { return owned_blocked_; }
  // Subtrees below the upper tree seen so far (all shards see the same).
  [[nodiscard]] std::uint64_t subtrees() const noexcept { return subtree_ + 1; }

  // Explore only schedules with at most `preemptions` preemptions (before
  // the first execution; -1, the default: no bound). See "Preemption bound".
  void set_bound(int preemptions) noexcept { bound_ = preemptions < 0 ? -1 : preemptions; }
  [[nodiscard]] int bound() const noexcept { return bound_; }

  // Random exploration order (estimate.h's probes): with a nonzero seed a
  // new decision takes a random awake option first (timeouts and spurious
  // wake-ups still first) and backtracking takes a random pending one. The
  // set of traces explored is the same; only the order changes.
  void set_order_seed(std::uint64_t seed) noexcept { order_ = seed; }
  // With a random order: Knuth's estimate of the number of executions from
  // the last execution's path (estimate.h) — the product over its decisions
  // of the options DPOR would explore there, approximated as the chosen one
  // plus every awake option (within the bound) of a thread with a later step
  // in this execution that conflicts with the chosen step, plus timeouts and
  // spurious wake-ups; every option of a read decision. Under a bound:
  // every option within it (Knuth's estimate of bounded DFS, an upper bound
  // of bounded DPOR).
  [[nodiscard]] double path_estimate() const noexcept { return path_estimate_; }

  // Fraction of the search tree explored, in [0, 1]; 1 when complete().
  [[nodiscard]] double progress() const noexcept;

  // Footprint of a step: a few accesses, or "global" (conflicts with any
  // step that touches something).
  struct access {
    std::uintptr_t lo, hi;  // [lo, hi)
    std::uint8_t space;     // 0 memory, 1 module text, 2 pseudo-location
    bool write;
  };
  struct footprint {
    static constexpr int max = 6;
    access acc[max];
    std::uint8_t n = 0;
    bool global = false;
    void add(access a) noexcept;
    // Empties it without touching acc (only acc[0, n) is ever read): a
    // footprint{} assignment zeroes all of it, per step on the hot path.
    void clear() noexcept {
      n = 0;
      global = false;
    }
    [[nodiscard]] bool empty() const noexcept { return n == 0 && !global; }
  };
  [[nodiscard]] static bool conflicts(const footprint& x, const footprint& y) noexcept;

 private:
  struct event {
    // User-provided, so that emplace_back() does not zero the whole event
    // first (fp.acc is left unset: only acc[0, fp.n) is ever read).
    event() noexcept {}  // NOLINT(modernize-use-equals-default)
    std::uint8_t thread = 0;
    choice_kind kind = choice_kind::run;
    bool has_op = false;
    bool resume = false;
    std::uint8_t woke = 0;         // threads this step woke (futex wake, unlock)
    std::uintptr_t wake_word = 0;  // an sc futex wake's word (close_event)
    std::int32_t node = -1;        // decision that chose it; -1: forced (only option)
    std::uint32_t idx = 0;         // 1-based position among its thread's steps
    footprint fp;
    std::uint32_t vc[max_threads] = {};  // happens-before (program order + dependency)
  };
  struct sleeper {
    choice c;
    footprint fp;
  };
  struct node {
    decision d;
    std::uint32_t spin = 0;  // options of threads blocked in an await loop (never explored)
    std::uint8_t chosen = 0;
    std::uint32_t backtrack = 0;
    std::uint32_t done = 0;
    std::uint32_t event = 0;
    std::vector<sleeper> sleep;     // sleep set on arrival
    std::vector<sleeper> explored;  // options explored here, with their first step
    bool read = false;              // a read decision (c11): every option explored
    // The chosen option's first step, united over every execution below it:
    // its footprint can depend on a read decision inside it (a merged
    // read + retry CAS writes or not; a CAS succeeds or fails), and the sleep
    // set must hold what the step may touch, not what it did last.
    footprint chosen_fp;
    // The execution (1-based; 0: none since chosen_fp was last emptied)
    // and the event whose footprint chosen_fp last took in: the next
    // execution skips the union when it repeats that event unchanged.
    std::uint64_t fp_exec = 0;
    std::uint32_t fp_event = 0;
    bool upper = false;     // in the upper tree of a sharded search
    std::uint16_t pre = 0;  // preemptions before this decision (bounded search)
  };

  int choose_read(const decision& d);
  void close_event();
  void start_event(int thread, choice_kind kind, std::int32_t node);
  void become_blocked();
  void add_wakeup(footprint& fp, int thread, choice_kind kind) const noexcept;
  [[nodiscard]] std::uint32_t spin_mask(const decision& d) const noexcept;
  [[nodiscard]] std::uint32_t asleep_mask(const node& n) const noexcept;
  void analyze();
  void reverse(std::size_t e, std::size_t j);
  // Options of `n` within the preemption bound (all when unbounded).
  [[nodiscard]] std::uint32_t in_bound(const node& n) const noexcept;
  void add_initial(node& n, std::uint32_t cand);
  // The options a cut wake-up's decision explores in its place (on_step).
  [[nodiscard]] std::uint32_t wakeup_stand_ins(const node& n) const noexcept;

  std::vector<node> nodes_;
  std::vector<event> events_;
  // The previous execution's events (swapped out by begin_execution, so
  // both buffers keep their capacity), of which the first `hb_valid_` have
  // their clocks computed: analyze() reuses the clocks of the prefix that
  // repeats it step for step instead of recomputing them.
  std::vector<event> old_events_;
  std::size_t hb_valid_ = 0;
  std::size_t old_hb_valid_ = 0;
  // Leading events of this execution equal (same_step) to the previous
  // execution's, as far as analyze() compared them (0 when it did not run).
  std::size_t same_prefix_ = 0;
  [[nodiscard]] static bool same_step(const event& a, const event& b) noexcept;
  std::vector<sleeper> sleep_;  // current sleep set, when sleep_live_
  // False while replaying between two recorded nodes: sleep_ is stale and
  // would be nodes_[sleep_anchor_]'s arrival set with its explored options,
  // less what the events since woke (materialize_sleep() rebuilds it).
  bool sleep_live_ = true;
  std::size_t sleep_anchor_ = 0;
  void materialize_sleep();
  std::size_t depth_ = 0;
  std::size_t first_new_ = 0;    // events before it were analysed by earlier executions
  std::int64_t cur_ = -1;        // event being recorded
  bool blocked_ = false;         // this execution is sleep-set blocked
  std::size_t analyze_end_ = 0;  // events from here on were recorded after it became redundant
  // Await loops (spin.h): threads whose last iteration failed, waiting for
  // a write to what it read; the reads of each thread's current iteration.
  std::uint8_t spin_blocked_ = 0;
  footprint awaited_[max_threads] = {};
  footprint window_[max_threads] = {};
  std::vector<std::uintptr_t> texts_[max_threads];
  // Stable names of addresses across executions (see canon()).
  struct block_range {
    std::uintptr_t lo, hi, key;
  };
  std::uintptr_t canon(const void* p) const noexcept;
  std::uintptr_t prog_base_ = 0;
  std::vector<block_range> blocks_;
  std::uint32_t makes_[max_threads + 1] = {};
  std::uintptr_t last_addr_[max_threads] = {};
  std::uintptr_t wait_addr_[max_threads] = {};
  std::uint8_t futex_wait_ = 0;  // threads whose last operation was a futex wait
  // Symmetry (program::symmetry_class): each thread's previous twin, whose
  // first step happens before its first event (-1: none).
  std::int8_t twin_[max_threads] = {-1, -1, -1, -1, -1, -1, -1, -1};

  // Sharding: upper decisions passed in this execution, the depth-first
  // number of the current subtree, and whether this shard owns it.
  int shard_index_ = 0;
  int shard_count_ = 1;
  int shard_levels_ = 0;
  int uppers_ = 0;
  std::uint64_t subtree_ = 0;
  bool owned_now_ = true;
  std::uint64_t owned_ = 0;
  std::uint64_t owned_blocked_ = 0;

  // Preemption bound (-1: none) and preemptions so far in this execution.
  int bound_ = -1;
  std::uint32_t pre_ = 0;
  std::uint64_t order_ = 0;  // random exploration order: splitmix64 state; 0 off
  double path_estimate_ = 0;
  [[nodiscard]] double knuth_path() const noexcept;
  [[nodiscard]] int random_bit(std::uint32_t mask) noexcept;

  bool complete_ = false;
  bool diverged_ = false;
  std::uint64_t executions_ = 0;
  std::uint64_t blocked_count_ = 0;
  std::uint64_t races_ = 0;
  std::uint64_t fallbacks_ = 0;
  std::uint64_t await_blocks_ = 0;
  std::uint64_t stutters_ = 0;
};

}  // namespace lastref::model
