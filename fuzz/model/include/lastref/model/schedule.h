// SPDX-License-Identifier: MIT
#pragma once
// lastref::model schedule sources — who runs next, at every scheduling point.
//
// Contract: at each scheduling point with more than one option the checker
// builds a `decision` and asks the source for an option index in
// [0, count()). Options are listed in a canonical order: runnable threads
// (ascending id), then blocked threads whose timeout may fire, then blocked
// futex waiters that may wake spuriously (while run_options::max_spurious
// allows). Points with a single option consume no decision.
//
// Under memory_model::c11 there is a second kind of decision, a *read
// decision* (decision::reads > 0): an atomic load (or the read part of a
// compare_exchange) may return one of `reads` stores. Option 0, the default,
// is the latest store in modification order (what sc would return); option i
// is the i-th older allowed one (for a compare_exchange: the options listed
// by runtime::c11_cas). A read decision has no runnable threads and never
// counts as a preemption. The sequence of
// chosen indices is the execution's choice list; replaying it reproduces the
// execution bit for bit.
//
// The deterministic default (decision::default_index) keeps the current
// thread if it is still runnable, else takes the first option. Preempting
// means choosing anything else while the current thread is runnable.
//
// Lifetime rule: a source is used by one checker at a time; begin_execution /
// end_execution bracket every execution it drives.
//
// Memory ordering: not applicable; sources run on the checker's OS thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "limits.h"
#include "observer.h"

namespace lastref::model {

namespace detail {
// Bit count of an 8-bit thread mask, without depending on -mpopcnt.
inline constexpr auto popcount8_table = [] {
  struct table {
    std::uint8_t v[256];
  } t{};
  for (int i = 0; i < 256; ++i)
    t.v[i] = static_cast<std::uint8_t>((i & 1) + ((i >> 1) & 1) + ((i >> 2) & 1) + ((i >> 3) & 1) +
                                       ((i >> 4) & 1) + ((i >> 5) & 1) + ((i >> 6) & 1) +
                                       ((i >> 7) & 1));
  return t;
}();
constexpr int popcount8(unsigned m) noexcept { return popcount8_table.v[m & 0xffu]; }
}  // namespace detail

enum class choice_kind : std::uint8_t { run, timeout, spurious, read };

struct choice {
  int thread;
  choice_kind kind;
};

// One executed step, as the runtime reports it to a source whose
// wants_steps() is true (see schedule_source::on_step). Platform operations
// come after they executed (`a`/`b` as in the trace: old/new value, size for
// make/destroy); scheduler events (op::block, wake, resume, timeout,
// spurious, thread_start, thread_end, preempt) with `thread` the thread they
// concern (for op::wake the woken thread; the waker is running). Before
// the first step of every execution comes one step with thread -1, kind
// op::thread_start, note "program" and addr the program object: addresses
// change from one execution to the next (a fresh program, an allocator that
// may not reuse memory), so a source comparing steps across executions
// names locations relative to it or to their model-allocated block.
struct step_info {
  int thread = 0;
  op kind = op::load;
  const void* addr = nullptr;
  std::uint64_t a = 0, b = 0;
  std::uint8_t mo = 0;          // std::memory_order + 1; 0 if none
  bool setup_or_check = false;  // inside setup() / check(), not a thread body
  const char* note = nullptr;
  // The step failed an oracle before it completed (reported once, last);
  // kind/addr are the operation's as far as the point knew them (addr may
  // be null). Not reported for deadlocks, which are no step.
  bool violation = false;
  // No scheduling point came before it: it is part of the thread's
  // previous step (the retry CAS that confirms the read just before it,
  // lastref/detail/retry.h), so the two are one step for the explorer.
  bool continues = false;
};

struct decision {
  std::uint32_t step = 0;     // steps executed so far in this execution
  std::uint32_t index = 0;    // decisions made so far in this execution
  int current = -1;           // thread at the point; -1 if it just blocked or finished
  std::uint8_t runnable = 0;  // bit i: thread i can run
  std::uint8_t timeout = 0;   // bit i: thread i is blocked with a timeout that may fire
  std::uint8_t spurious = 0;  // bit i: thread i is a futex waiter that may wake spuriously
  std::uint8_t reads = 0;     // a read decision: stores the current thread's load may read
  // The current thread's next operation is a retry CAS that confirms the
  // read it just did (lastref/detail/retry.h): an exhaustive source (dfs,
  // dpor) keeps the current thread here and explores no alternative
  // (every schedule with another thread's step between the read and the
  // CAS shows nothing more); other sources may ignore it.
  bool hold = false;
  // A read decision's options that an exhaustive source (dfs, dpor) need
  // not explore, bit i for option i (never the default): a hinted weak
  // retry CAS's spurious failure, whose repeat would be a cut stutter
  // (fuzz/model/README.md, "Retry loops"), and a hinted retry load's reads
  // of older stores whose values the load's predicate accepts ("Retry
  // loads"). The options stay, so choice indices, replays and other
  // sources are unchanged.
  std::uint8_t redundant = 0;

  [[nodiscard]] int count() const noexcept {
    return detail::popcount8(runnable) + detail::popcount8(timeout) + detail::popcount8(spurious) +
           reads;
  }
  [[nodiscard]] bool is_read() const noexcept { return reads != 0; }
  [[nodiscard]] bool current_runnable() const noexcept {
    return current >= 0 && ((runnable >> current) & 1u);
  }
  [[nodiscard]] choice option(int i) const noexcept;
  [[nodiscard]] int index_of(choice c) const noexcept;  // -1 if not an option
  [[nodiscard]] int default_index() const noexcept {
    return current_runnable() ? detail::popcount8(runnable & ((1u << current) - 1u)) : 0;
  }
  // Choosing option i would preempt the current thread.
  [[nodiscard]] bool preempts(int i) const noexcept {
    return current_runnable() && i != default_index();
  }
};

class schedule_source {
 public:
  virtual ~schedule_source() = default;
  virtual void begin_execution() {}
  // Returns an index in [0, d.count()); out-of-range values are taken modulo.
  virtual int choose(const decision& d) = 0;
  // After every execution (with the number of steps it took). Returns false
  // when the source has nothing left to explore (exhaustive search done).
  virtual bool end_execution(std::uint32_t /*steps*/) { return true; }
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  // Step feed for sources that reason about what executed (partial-order
  // reduction, dpor.h). Read once per execution, before begin_execution();
  // when true every step of the execution is reported to on_step, in order,
  // synchronously (which costs the runtime's slow note path per step); a
  // switch between threads (op::preempt, a trace entry) is no step and is
  // not reported.
  [[nodiscard]] virtual bool wants_steps() const noexcept { return false; }
  virtual void on_step(const step_info& /*s*/) {}
  // The source enumerates schedules exhaustively (dfs_source, dpor_source):
  // checker::explore then cuts stutters (run_options::prune_stutters). A
  // sampling or replaying source is never cut: a cut run would only be lost.
  [[nodiscard]] virtual bool exhaustive() const noexcept { return false; }
  // Asked just before a wake-up stutter is cut (dpor.h "Wake-up
  // stutters"): may the running execution end here? A source that would
  // then have nothing left to explore in place of the wake-up says no, and
  // the execution goes on.
  [[nodiscard]] virtual bool may_cut_wakeup() const noexcept { return true; }
};

// The fuzzer's source. Bytes are (run-length, next) pairs: take the default
// option for `run-length` decisions, then option `next % count()`; repeat.
// When the bytes run out the default finishes the execution. Every byte
// string is valid; replay tokens carry this same encoding.
class bytes_source final : public schedule_source {
 public:
  bytes_source() = default;
  bytes_source(const std::uint8_t* data, std::size_t size) noexcept { reset(data, size); }
  explicit bytes_source(std::span<const std::uint8_t> b) noexcept { reset(b.data(), b.size()); }
  // The bytes must outlive the executions that use them.
  void reset(const std::uint8_t* data, std::size_t size) noexcept;
  void begin_execution() override;
  int choose(const decision& d) override;
  [[nodiscard]] const char* name() const noexcept override { return "bytes"; }
  // Bytes consumed by the last execution (the rest did not matter).
  [[nodiscard]] std::size_t consumed() const noexcept { return pos_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t pos_ = 0;
  std::uint32_t run_ = 0;
  bool have_run_ = false;
};

// Seeded random. `sticky` (default) draws, per execution, a switch
// probability p from {1/2, 1/4, ..., 1/64}; at each decision it keeps the
// current thread with probability 1-p, else picks a runnable thread
// uniformly. Timeouts / spurious wake-ups are taken with probability 1/16
// when offered (always when nothing is runnable). `uniform` picks uniformly
// among all options at every decision. Read decisions (c11): see
// stale_read().
class random_source final : public schedule_source {
 public:
  enum class mode : std::uint8_t { sticky, uniform };
  explicit random_source(std::uint64_t seed, mode m = mode::sticky) noexcept;
  void begin_execution() override;
  int choose(const decision& d) override;
  [[nodiscard]] const char* name() const noexcept override {
    return mode_ == mode::sticky ? "random" : "uniform";
  }
  std::uint64_t next() noexcept;  // the generator (splitmix64)
  std::uint32_t below(std::uint32_t n) noexcept;
  // A read decision (c11): the latest store, or with this execution's
  // stale-read probability an older allowed one, uniformly.
  int stale_read(const decision& d) noexcept;

 private:
  std::uint64_t state_;
  mode mode_;
  std::uint32_t switch_shift_ = 1;
  std::uint32_t stale_shift_ = 0;
};

// PCT (Burckhardt et al., ASPLOS'10): threads get random distinct
// priorities; d-1 change points, uniform over the expected execution length
// k, lower the running thread's priority below all others; the highest-
// priority runnable thread always runs. expected_steps = 0 learns k as the
// longest execution seen so far (16 before the first one ends). Timeouts
// fire only when no thread is runnable; no spurious wake-ups. Read
// decisions (c11) are drawn as random_source draws them.
class pct_source final : public schedule_source {
 public:
  explicit pct_source(std::uint64_t seed, int depth = 3, std::uint32_t expected_steps = 0) noexcept;
  void begin_execution() override;
  int choose(const decision& d) override;
  bool end_execution(std::uint32_t steps) override;
  [[nodiscard]] const char* name() const noexcept override { return "pct"; }

 private:
  random_source rng_;
  int depth_;
  std::uint32_t k_;
  bool adaptive_;
  bool seen_ = false;
  int prio_[max_threads] = {};
  std::uint32_t change_[8] = {};
  int next_change_ = 0;
};

// Preemption-bounded exhaustive depth-first search: every schedule with at
// most `max_preemptions` preemptions (spurious wake-ups and timeouts that
// displace a runnable thread count as preemptions) and, under
// memory_model::c11, at most `max_stale_reads` loads that read a store other
// than the latest (read decisions with a non-default option). Unbounded:
// pass dfs_source::unbounded (or any negative bound). end_execution returns
// false when the search is complete within both bounds. The counts are
// 32-bit and an execution has fewer than 2^32 decisions, so "unbounded"
// prunes nothing: an execution's 256th stale read or preemption is explored
// like its first (an 8-bit count once pruned it silently and still said
// "complete"; search_test.cc, DfsSource.UnboundedPrunesNothing).
class dfs_source final : public schedule_source {
 public:
  static constexpr int unbounded = -1;
  explicit dfs_source(int max_preemptions, int max_stale_reads = unbounded) noexcept
      : bound_(max_preemptions), stale_bound_(max_stale_reads) {}
  void begin_execution() override;
  int choose(const decision& d) override;
  bool end_execution(std::uint32_t steps) override;
  [[nodiscard]] const char* name() const noexcept override { return "dfs"; }
  [[nodiscard]] bool exhaustive() const noexcept override { return true; }
  [[nodiscard]] bool complete() const noexcept { return complete_; }
  [[nodiscard]] std::uint64_t executions() const noexcept { return executions_; }
  // An execution did not retrace its prefix (the program is nondeterministic).
  [[nodiscard]] bool diverged() const noexcept { return diverged_; }
  [[nodiscard]] int preemption_bound() const noexcept { return bound_; }
  [[nodiscard]] int stale_read_bound() const noexcept { return stale_bound_; }

 private:
  struct frame {
    std::uint16_t count;  // options at this decision (a read decision may have > 255)
    std::uint16_t dflt;   // default option
    std::uint16_t alt;    // 0: default taken; n: n-th non-default option
    bool current_runnable;
    bool read;               // a read decision (c11)
    std::uint8_t redundant;  // decision::redundant
    std::uint32_t preempt;   // preemptions before this decision
    std::uint32_t stale;     // stale reads before this decision
  };
  // `used` of a bound `limit` (negative: none) still allowed.
  [[nodiscard]] static bool within(std::uint32_t used, int limit) noexcept {
    return limit < 0 || used <= static_cast<std::uint32_t>(limit);
  }
  [[nodiscard]] int option_for(const frame& f) const noexcept;
  [[nodiscard]] int preempt_cost(const frame& f) const noexcept;
  [[nodiscard]] int stale_cost(const frame& f) const noexcept;
  std::vector<frame> stack_;
  std::size_t depth_ = 0;
  int bound_;
  int stale_bound_;
  std::uint64_t executions_ = 0;
  bool complete_ = false;
  bool diverged_ = false;
};

// Replays a raw choice list (option indices, one per decision); the default
// after it ends. result::choices holds such a list.
class replay_source final : public schedule_source {
 public:
  explicit replay_source(std::vector<std::uint8_t> choices) noexcept
      : choices_(std::move(choices)) {}
  void begin_execution() override {
    pos_ = 0;
    diverged_ = false;
  }
  int choose(const decision& d) override;
  [[nodiscard]] const char* name() const noexcept override { return "replay"; }
  // A recorded choice was out of range for its decision.
  [[nodiscard]] bool diverged() const noexcept { return diverged_; }

 private:
  std::vector<std::uint8_t> choices_;
  std::size_t pos_ = 0;
  bool diverged_ = false;
};

// Converts a raw choice list (with the default index of every decision) to
// the bytes_source encoding; replay tokens carry it.
std::vector<std::uint8_t> encode_choices(std::span<const std::uint8_t> choices,
                                         std::span<const std::uint8_t> defaults);

}  // namespace lastref::model
