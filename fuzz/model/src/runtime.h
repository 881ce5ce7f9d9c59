// SPDX-License-Identifier: MIT
#pragma once
// The model runtime: the execution core (current thread, step counter, the
// scheduling point, fibers, decisions, failure state) over its components:
// the scheduler (scheduler.h), happens-before (hb.h), the c11 store
// histories (memory.h), the heap, residency and the trace. Private to fuzz/model (src/, never
// installed): the platform types reach it only through the functions of
// <lastref/model/detail/ops.h>, defined in platform.cc over the inline
// fast paths below.
//
// Contract: one runtime per checker; `current_rt` points at the runtime of
// the execution running on this OS thread (null outside executions, where
// platform operations act directly, like std_platform without blocking).
// All virtual threads are fibers of one OS thread and switch only inside
// runtime calls, so every platform operation is atomic with respect to the
// others and the runtime needs no synchronisation of its own.
//
// Memory ordering (of the modelled program): operations execute one at a
// time in one global order. Under memory_model::sc a load returns the latest
// store; under memory_model::c11 it returns a store of the location's history
// that coherence, happens-before and the seq_cst rules allow (memory.cc).
// Happens-before is tracked with vector clocks that honour the requested
// orders (relaxed publishes and acquires nothing; release/acquire pairs
// through the store actually read, RMW release sequences and fences do), and
// plain cells are checked against it FastTrack-style.

#include <lastref/source_loc.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <lastref/model/detail/location.h>
#include <lastref/model/detail/ops.h>
#include <lastref/model/detail/vclock.h>
#include <lastref/model/failure.h>
#include <lastref/model/memory_model.h>
#include <lastref/model/op.h>

#include "fiber.h"
#include "hb.h"
#include "heap.h"
#include "memory.h"
#include "residency.h"
#include "scheduler.h"
#include "trace.h"

namespace lastref {
struct thread_exit;  // <lastref/platform.h>: what platform::exit_thread throws
}  // namespace lastref

namespace lastref::model {
class program;
class observer;
class schedule_source;
struct decision;
struct run_options;
}  // namespace lastref::model

namespace lastref::model::detail {

inline constexpr int main_fiber = max_threads;  // runs setup() and check()
// The note of the step_info a step-reading source (dpor.h) gets when an
// execution is cut at a stutter (runtime::stutter_cas); compared by address.
inline constexpr char stutter_note[] = "stutter: pruned";

enum class mode : std::uint8_t { off, passive, main, threads };
// platform::exit_thread throws lastref::thread_exit (as std_platform does,
// so lastref::run_thread_body works in model threads too); the fiber
// trampoline catches it.
using exit_signal = lastref::thread_exit;

class runtime {
 public:
  // `stack_size`: per fiber, 0 = the default (see checker.h).
  explicit runtime(std::size_t stack_size);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // ---- execution control (runtime.cc) ----
  // Runs one execution under `o`; fills failure_/steps_. `traced` records
  // the trace; `observe` reports steps to o.obs; `prune`: cut the execution
  // at a stutter (stutter_cas), which then is pruned() and runs no check().
  void execute(const std::function<std::unique_ptr<program>()>& make, schedule_source& src,
               const run_options& o, bool traced, bool observe, bool prune = false);
  bool pruned() const noexcept { return pruned_; }
  failure_kind failed() const noexcept { return fail_kind_; }
  const char* message() const noexcept { return msg_; }
  std::uint32_t fail_step() const noexcept { return fail_step_; }
  std::uint32_t steps() const noexcept { return steps_; }
  std::uint64_t total_steps() const noexcept { return total_steps_; }
  const std::vector<std::uint8_t>& choices() const noexcept { return choices_; }
  const std::vector<std::uint8_t>& defaults() const noexcept { return defaults_; }
  // The trace of the last traced execution (formatted before teardown, so
  // addresses can be named by the object that contained them).
  const std::string& trace_text() const noexcept { return trace_text_; }

  // ---- fast paths used by the platform types ----
  mode mode_ = mode::off;
  std::uint8_t cur_ = 0;

  // ---- retry loops (lastref/detail/retry.h) ----
  // The calling thread's last operation, if it was a read of an atomic
  // (a load or a failed CAS), and its pending retry-CAS hint; point()
  // forgets both, so they survive only local computation.
  struct last_read {
    const void* addr = nullptr;
    std::uint64_t value = 0;
    std::uint8_t strength = 0;  // 0 relaxed, 1 acquire, 2 seq_cst
  };
  static constexpr std::uint8_t read_strength(std::memory_order mo) noexcept {
    return mo == std::memory_order_seq_cst                                      ? 2
           : mo == std::memory_order_relaxed || mo == std::memory_order_release ? 0
                                                                                : 1;
  }
  void note_read(const void* addr, std::uint64_t value, std::memory_order mo) noexcept {
    last_read_[cur_] = last_read{addr, value, read_strength(mo)};
  }
  void hint_retry(const void* addr) noexcept { retry_hint_[cur_] = addr; }
  // Called before the CAS's point(): is this CAS the hinted retry CAS that
  // confirms the thread's last read (same word, expected = the value read,
  // a failure order at least as strong as that read's)? Then its point's
  // decision says hold (decision::hold): an exhaustive source runs the CAS
  // right after the read, as if the two were one step (every schedule that
  // puts other threads' steps between them shows nothing more: fuzz/model/
  // README.md "Retry loops"); other sources choose as at any point, so
  // tokens and fuzz inputs replay the same either way. When an exhaustive
  // explore held and, under c11, the read was of an older store and the CAS
  // fails other than spuriously, the execution is pruned (prune_retry): the
  // same read decision's other options cover it.
  [[nodiscard]] bool retry_confirms(const void* addr, std::uint64_t expected,
                                    std::memory_order failure) const noexcept {
    const last_read& l = last_read_[cur_];
    return prune_retries_ && retry_hint_[cur_] == addr && l.addr == addr && l.value == expected &&
           l.strength <= read_strength(failure) && mode_ == mode::threads;
  }
  // The held retry CAS failed (not spuriously) in an exhaustive explore:
  // see retry_confirms.
  [[nodiscard]] bool may_prune_retry() const noexcept { return continuing_ && prune_; }
  [[noreturn]] void prune_retry();
  // The two ends of a CAS for the platforms (platform.cc, the kernel
  // backend): before its point, whether it is the hinted CAS and whether
  // it confirms the last read (then point(..., hold = confirms)); after a
  // failure that read `seen`, prune if allowed, and note the read — only a
  // hinted CAS's failure is the read the next retry CAS confirms.
  struct retry_state {
    bool hinted = false;
    bool confirms = false;
  };
  [[nodiscard]] retry_state retry_check(const void* addr, std::uint64_t expected,
                                        std::memory_order failure) const noexcept {
    return {retry_hint_[cur_] == addr, retry_confirms(addr, expected, failure)};
  }
  // A hinted retry CAS's spurious failure (c11) is an option exhaustive
  // sources skip (decision::redundant) in an explore that prunes both
  // retries and stutters: it returns `expected`, and by the retry contract
  // the loop restarts from that value, counts nothing and takes the same
  // path, so its next operation is this CAS again, a stutter that would be
  // cut at once (stutter_cas). README, "Retry loops".
  [[nodiscard]] bool spurious_is_stutter(retry_state s) const noexcept {
    return s.hinted && prune_ && prune_stutters_ && prune_retries_ && mode_ == mode::threads;
  }
  void retry_failed(retry_state s, const void* addr, std::uint64_t seen, std::uint64_t expected,
                    std::memory_order failure) {
    // A spurious failure (seen == expected) is explored (or cut as a stutter).
    if (s.confirms && seen != expected && may_prune_retry()) prune_retry();
    if (s.hinted) note_read(addr, seen, failure);
  }

  // ---- retry loads (lastref/detail/retry.h, retry_load) ----
  // A hinted load: `cas` tells for a value's bits whether the thread's
  // next operation is then the retry CAS confirming it; `wait` (may be
  // null) whether it is a futex wait on the word for that value, followed
  // by this load again. Set just before the load (no point in between)
  // and taken by it.
  using cas_follows_fn = bool (*)(std::uint64_t bits) noexcept;
  struct retry_load_tests {  // no member initialisers: a default argument below
    cas_follows_fn cas;
    cas_follows_fn wait;
  };
  void hint_retry_load(const void* addr, cas_follows_fn cas, cas_follows_fn wait) noexcept {
    retry_load_hint_[cur_] = {addr, {cas, wait}};
  }
  [[nodiscard]] retry_load_tests take_retry_load(const void* addr) noexcept {
    retry_load_hint& h = retry_load_hint_[cur_];
    const retry_load_tests t = h.addr == addr ? h.tests : retry_load_tests{};
    h = retry_load_hint{};
    return t;
  }
  // After the hinted load returned `value`: what the contract promises
  // next is due — the confirming retry CAS (checked by retry_load_cas),
  // or the futex wait for the value (retry_load_wait) and then the load
  // again (retry_load_reload); anything else, at any point or at the
  // thread's end, is a breach.
  void retry_load_read(const void* addr, std::uint64_t value, std::memory_order mo,
                       retry_load_tests t) noexcept {
    if (mode_ != mode::threads || sched_.exiting(cur_)) return;
    if (t.cas(value))
      retry_load_due_[cur_] = retry_due{addr, value, read_strength(mo), retry_due::cas};
    else if (t.wait != nullptr && t.wait(value))
      retry_load_due_[cur_] = retry_due{addr, value, read_strength(mo), retry_due::wait};
  }
  // Before a CAS's point: settles a due retry CAS (or fails: a breach).
  void retry_load_cas(const void* addr, bool hinted, std::uint64_t expected,
                      std::memory_order success, std::memory_order failure) {
    if (retry_load_due_[cur_].addr != nullptr) [[unlikely]]
      retry_load_settle(addr, hinted, expected, success, failure);
  }
  // Before a futex wait's point: settles a due wait (the load is due next).
  void retry_load_wait(const void* addr, std::uint64_t expected) {
    if (retry_load_due_[cur_].addr != nullptr) [[unlikely]]
      retry_load_settle_wait(addr, expected);
  }
  // Before a load's point: settles the load due after a wait.
  void retry_load_reload(const void* addr, std::memory_order mo) {
    if (retry_load_due_[cur_].addr != nullptr) [[unlikely]]
      retry_load_settle_reload(addr, mo);
  }

  // Scheduling point before operation `o` on `addr` (null: no object).
  // `hold`: the retry CAS that confirms its read (retry_confirms); the
  // decision says so, and continuing_ tells whether the thread went on.
  void point(op o, const void* addr, const source_loc& loc, bool hold = false) {
    if (rewait_.phase != 0) [[unlikely]]
      hold = rewait_point(o, addr, hold);
    if (resumed_ != 0) [[unlikely]] {
      hold = hold || resumed_ == cur_ + 1;
      resumed_ = 0;
    }
    // A wait that settled its due leaves the re-check load due (its own
    // point passes).
    if (retry_load_due_[cur_].addr != nullptr &&
        (retry_load_due_[cur_].phase != retry_due::reload || o != op::futex_wait)) [[unlikely]]
      retry_load_breach(o, addr);
    last_read_[cur_].addr = nullptr;
    retry_hint_[cur_] = nullptr;
    recheck_hint_[cur_] = nullptr;
    continuing_ = false;
    if (mode_ == mode::threads) {
      if (!sched_.exiting(cur_)) [[likely]] {
        if (steps_ >= budget_) [[unlikely]] {
          set_loc(loc);
          op_ = o;
          fail_budget();
        }
        if (!sched_.others_can_run(cur_))
          continuing_ = hold;
        else if (reschedule(hold))
          continuing_ = hold;
        // The thread takes a step now: a twin it gates may run after it.
        if (sched_.gated() != 0) [[unlikely]]
          sched_.first_step(cur_);
      }
    } else if (mode_ != mode::main) {
      return;
    }
    set_loc(loc);
    op_ = o;
    addr_ = addr;
    ++steps_;
    if (res_.may_run_unmapped(cur_) && mode_ == mode::threads) [[unlikely]]
      check_residency(o);
    if (heap_.any_freed() && addr != nullptr && o != op::futex_wake_one &&
        o != op::futex_wake_all && o != op::destroy) [[unlikely]]
      check_freed(o, addr);
  }

  // A step that is no scheduling point: names the operation at which a
  // failure is about to be reported (a plain access of instrumented C code,
  // kernel/src/model_backend.cc), so the message and the trace show it.
  // Never switches threads.
  void step_without_point(op o, const void* addr, const source_loc& loc) noexcept {
    if (mode_ != mode::threads && mode_ != mode::main) return;
    set_loc(loc);
    op_ = o;
    addr_ = addr;
    ++steps_;
  }

  // Records the executed operation for the trace / observer.
  void note(op o, const void* addr, const source_loc& loc, std::uint64_t a, std::uint64_t b,
            std::memory_order mo, const char* text_note = nullptr) {
    if (slow_note_) [[unlikely]]
      note_slow(o, addr, loc, a, b, static_cast<std::uint8_t>(static_cast<int>(mo) + 1), text_note);
  }
  void note(op o, const void* addr, const source_loc& loc, std::uint64_t a, std::uint64_t b,
            const char* text_note = nullptr) {
    if (slow_note_) [[unlikely]]
      note_slow(o, addr, loc, a, b, 0, text_note);
  }
  // loc_ = loc, field by field: `loc` was just built on the caller's stack
  // by separate 8- and 4-byte stores, and the aggregate copy's 16-byte load
  // over them cannot be forwarded from the store buffer (a stall of about a
  // tenth of a scheduling point: perf on model_speed/1000_steps).
  void set_loc(const source_loc& loc) noexcept {
    loc_.file = loc.file;
    loc_.line = loc.line;
    loc_.function = loc.function;
  }
  bool active_checks() const noexcept { return mode_ == mode::threads || mode_ == mode::main; }
  // Atomics of values up to 8 bytes follow the c11 model (memory.cc) when it
  // is selected and checks are active; everything else runs the sc paths.
  bool weak() const noexcept { return mm_ == memory_model::c11 && active_checks(); }

  // ---- c11 (memory.cc); each does the access bookkeeping and the
  // synchronisation of the operation, and records the trace's reads-from ----
  // A load: returns the bits of the store it reads (a decision when several
  // are allowed). `latest` is the value the location holds now.
  // `tests`: a hinted retry load's (retry_load_hint_), whose reads of
  // older stores with values either accepts are redundant options
  // (RMW-only word, pruning explore).
  std::uint64_t c11_load(atomic_meta& m, std::uint64_t latest, std::memory_order mo,
                         retry_load_tests tests = {nullptr, nullptr});
  // A store joins the modification order at the end or (a decision) before
  // newer stores the thread has not observed. Returns whether it is now the
  // latest (the value the location holds).
  bool c11_store(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo);
  // A read-modify-write reads the latest store (atomicity) and appends v.
  void c11_rmw(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo);
  // compare_exchange: whether it succeeds is decided here. Returns the
  // outcome and sets `seen` to the bits the failed read returned. It may fail
  // by reading an older store whose value differs from `expected`, or (weak,
  // while run_options::max_spurious_cas allows) spuriously.
  bool c11_cas(atomic_meta& m, std::uint64_t latest, bool latest_equal, std::uint64_t expected,
               std::uint64_t desired, std::memory_order success, std::memory_order failure,
               bool weak, std::uint64_t& seen, bool spurious_redundant = false);
  // Before the scheduling point of a compare_exchange_weak (c11): when the
  // running thread's previous operation, with no model operation since, was
  // a spurious failure of this same CAS (same place, atomic, expected and
  // desired bits, orders), the repeat is a stutter: with pruning on, the
  // execution ends here, pruned (checker.h, run_options::prune_stutters;
  // dpor.h "Stutters"). The previous operation is known without a per-step
  // cost: the spurious failure records the step number, and every model
  // operation advances it.
  void stutter_cas(const atomic_meta& m, std::uint64_t expected, std::uint64_t desired,
                   std::memory_order success, std::memory_order failure, const source_loc& loc) {
    if (spur_.step == steps_ && spur_.tid == cur_ && prune_ && prune_stutters_) [[unlikely]]
      stutter_check(m, expected, desired, success, failure, loc);
  }
  // ---- spurious futex wake-ups that change nothing (dpor.h "Stutters") ----
  // A futex waiter that wakes spuriously, re-reads the word, finds the value
  // it slept on and sleeps on it again (same word, value and deadline) is
  // back where it was: the execution without the wake-up shows everything
  // this one can. In a pruning explore (exhaustive source, prune_stutters)
  // futex_sleep arms the check after a spurious wake-up when the thread was
  // the last waiter on the word (so re-queueing it at the back restores the
  // FIFO queue exactly); the thread's next operation, if it loads the word,
  // is then held (decision::hold: run at once, one step with the wake-up for
  // DPOR); and rewait_check, called by a futex wait before its point, cuts
  // the execution when that wait is the re-wait. Anything else disarms it.
  // ASSUMED, as for CAS stutters: the wait loop does not count its wake-ups.
  wake_reason futex_sleep(const void* word, std::uint32_t expected, bool has_deadline,
                          std::int64_t deadline, const source_loc& loc, atomic_meta* meta);
  // Before a futex wait's point: `latest` is the word's value now, `loc`
  // the wait's place (a stutter re-enters the wait it woke from).
  void rewait_check(const void* word, std::uint32_t expected, std::uint32_t latest,
                    bool has_deadline, std::int64_t deadline, const source_loc& loc) {
    if (rewait_.phase != 0) [[unlikely]]
      rewait_cut(word, expected, latest, has_deadline, deadline, loc);
  }
  // ---- re-check waits (lastref/detail/recheck_wait.h) ----
  // The calling thread's next futex wait is a hinted re-check wait on
  // `word`: point() forgets the hint, so it survives only local computation.
  void hint_recheck(const void* word) noexcept { recheck_hint_[cur_] = word; }
  // Before the wait's point: was it hinted, in an explore that may hold?
  // Under c11 only on a word declared RMW-only (hold_after_wait).
  [[nodiscard]] bool recheck_hinted(const void* word, const atomic_meta& m) const noexcept {
    return recheck_hint_[cur_] == word && prune_ && prune_stutters_ && mode_ == mode::threads &&
           hold_after_wait(m);
  }
  // May a load of this futex word be held right after a wait on it (a
  // re-check wait that returned at once, a spurious wake-up)? Under sc
  // always. Under c11 only if the word is declared RMW-only
  // (platform::rmw_only): a plain store can join the modification order
  // before a newer store, so it is never the word's latest value, and a
  // load held right after the wait would never read it
  // (recheck_review_test.cc has the programs); with every store an RMW
  // the modification order only grows at its end, and the held load loses
  // nothing (fuzz/model/README.md, "RMW-only words").
  [[nodiscard]] bool hold_after_wait(const atomic_meta& m) const noexcept {
    return mm_ != memory_model::c11 || m.rmw_only;
  }
  // A hinted wait returned at once (the word no longer held `expected`):
  // the thread's next operation, if it loads the word, is held (run at
  // once, one step with the wait for DPOR), as after a spurious wake-up,
  // but never cut. Why nothing is lost: fuzz/model/README.md, "Re-check
  // waits".
  void hold_recheck(const void* word, std::uint32_t expected, const source_loc& loc) noexcept {
    rewait_ = rewait_state{word, expected, false, 0, cur_, 1, loc, false};
  }
  // How the last compare_exchange used the spurious-failure budget
  // (run_options::max_spurious_cas), for a step-reading source (dpor.h): 0
  // not at all (strong, or the latest value differs from expected: no
  // spurious option whatever the budget), 1 read it (a weak CAS whose
  // options depend on whether the budget is left), 2 spent it (failed
  // spuriously). Valid when the CAS's step is reported.
  std::uint8_t cas_budget_use() const noexcept { return cas_budget_; }
  // The futex word's latest value is observed (futex_wait compares against
  // it, as the kernel does).
  void c11_observe_latest(atomic_meta& m, std::uint64_t latest);
  // Another thread can still take a step that will happen: it is runnable,
  // or blocked with a timeout. A spurious wake-up on offer does not count:
  // it may never come, so a loop only it could release is never released.
  // For await loops (spin.h).
  bool others_will_run() const noexcept {
    return mode_ == mode::threads && sched_.others_will_run(cur_);
  }
  // c11 await loops (spin.h): at the end of a failed iteration; `stalled`:
  // no other thread can run. When stalled and some load (or failed CAS) of
  // the iteration read an older store, the next load of each of those
  // locations reads the latest store (eventual visibility: a spinning load
  // cannot read an old store forever) and true is returned; else false.
  // The iteration's stale set is cleared either way.
  bool await_refresh(bool stalled) noexcept;
  // The same for thread t, waiting after its last await iteration, when the
  // explorer finds every thread waiting in an await loop (dpor.h): true if
  // that iteration read an older store (t's next loads of those locations
  // then read the latest store).
  bool refresh_await(int t) noexcept;

  // ---- happens-before (hb.h) for the running thread ----
  [[nodiscard]] std::uint32_t epoch() const noexcept { return hb_.epoch(cur_); }
  void access_atomic(atomic_meta& m, bool write) {
    if (!active_checks()) return;
    if (hb_.unsafe_publication(m, cur_)) [[unlikely]]
      race_on_init(m);
    hb_.access_atomic(m, cur_, steps_, write);
  }
  void acquire_from(const atomic_meta& m, std::memory_order mo) {
    if (active_checks()) hb_.acquire_from(m, cur_, mo);
  }
  void release_store(atomic_meta& m, std::memory_order mo) {
    if (active_checks()) hb_.release_store(m, cur_, mo);
  }
  void release_rmw(atomic_meta& m, std::memory_order mo) {
    if (active_checks()) hb_.release_rmw(m, cur_, mo);
  }
  void fence(std::memory_order mo);
  void cell_read(cell_meta& c);
  void cell_write(cell_meta& c);

  // ---- blocking, allocation, residency (runtime.cc) ----
  // Blocks the current thread on `addr` (futex word or mutex). Returns why it woke.
  // `word`: the futex word's meta (c11: a wake makes the word's latest
  // store at that moment visible to the woken waiter); null for a mutex.
  wake_reason block_on(const void* addr, bool futex, bool has_deadline, std::int64_t deadline,
                       const source_loc& loc, atomic_meta* word = nullptr);
  void wake(const void* addr, bool all, const source_loc& loc, op o);
  std::int64_t now() const noexcept { return sched_.now(); }
  void* allocate(std::size_t size, std::size_t align, void (*dtor)(void*));
  // Validates a destroy (double/invalid free, race with earlier accesses).
  // False: do not run the destructor (passive teardown of a bad pointer).
  bool destroy_begin(const void* p, const source_loc& loc);
  void destroy_end(const void* p, const source_loc& loc);
  void text_enter(const void* text, const source_loc& loc);
  void text_leave(const void* text, const source_loc& loc);
  void text_unmap(const void* text, const source_loc& loc);
  void exit_thread(const thread_exit& how, const source_loc& loc);
  void label(const void* addr, const char* name);
  void label_next(const char* name) noexcept {
    trace_.label_next(name);
    slow_note_ = true;
  }
  // Stable name for messages: a label, "<label|objN>+off" inside a model
  // object, else "unlabelled". Never a raw address (messages must be equal
  // across processes).
  const char* describe(const void* addr, char* buf, std::size_t n) const noexcept;
  [[noreturn]] void fail(failure_kind k, const char* fmt, ...)
      __attribute__((format(printf, 3, 4)));
  void register_location(location* l) noexcept;
  void unregister_location(location* l) noexcept;
  std::uint32_t gen() const noexcept { return gen_; }
  std::uint32_t step_now() const noexcept { return steps_; }

  // ---- for front ends that keep their own per-address metadata
  // (kernel/src/model_backend.cc: plain C accesses, builtin-kernel calls) ----
  // The running thread's clocks (race checks of its own records).
  [[nodiscard]] const thread_clocks& clocks() const noexcept { return hb_.of(cur_); }
  // The newest label of addr in this execution, or null.
  [[nodiscard]] const char* label_of(const void* addr) const noexcept {
    return trace_.label_of(addr);
  }
  // The per-thread module-text stacks (saved and restored around code that
  // is not module text though a module called it).
  [[nodiscard]] residency& texts() noexcept { return res_; }

 private:
  friend struct location;
  // True if the current thread goes on (chosen again). `hold`: decision::hold.
  bool reschedule(bool hold = false);
  // The current thread stopped being runnable: pick another and switch.
  void pick_next(int from, bool dying);
  // Asks the schedule source (fills in d.step and d.index) and records the
  // choice.
  int decide(decision& d);
  void apply_wake(int tid, wake_reason why);
  void switch_to(int from, int to, bool dying);
  [[noreturn]] void return_to_native();
  static void fiber_entry(ctx::transfer_t t);
  void fiber_main(int idx);
  [[noreturn]] void fail_budget();
  // c11 helpers (memory.cc), over the store histories (memory.h)
  store_history& history(atomic_meta& m, std::uint64_t latest) { return mem_.of(m, latest, gen_); }
  std::uint32_t oldest_readable(const atomic_meta& m, const store_history& h, bool sc) const {
    return store_histories::oldest_readable(m, h, hb_.of(cur_).clk, sc);
  }
  // Inserts a store right after index `after` (m.writes: at the end).
  void insert_store(atomic_meta& m, store_history& h, std::uint32_t after, std::uint64_t v,
                    std::memory_order mo, const std::uint32_t* rel_base, bool rmw);
  // Reads the store of modification-order index k: observation, acquire.
  std::uint64_t read_at(atomic_meta& m, store_history& h, std::uint32_t k, std::memory_order mo,
                        std::uint32_t* rel_out);
  int decide_read(int options, std::uint8_t redundant = 0);
  // A breach of retry_load's contract (retry.h): the due CAS did not come.
  [[noreturn, gnu::cold]] void retry_load_breach(op o, const void* addr);
  [[noreturn, gnu::cold]] void retry_load_fail(std::uint8_t phase, std::uint64_t value,
                                               const char* what);
  static const char* retry_due_name(std::uint8_t phase) noexcept;
  void retry_load_settle_wait(const void* addr, std::uint64_t expected);
  void retry_load_settle_reload(const void* addr, std::memory_order mo);
  void retry_load_settle(const void* addr, bool hinted, std::uint64_t expected,
                         std::memory_order success, std::memory_order failure);
  void note_rf(const store_history& h, const atomic_meta& m, std::uint32_t read,
               bool placed = false);
  void check_init(const atomic_meta& m);
  void check_residency(op o);
  void check_freed(op o, const void* addr);
  void race_on_init(const location& l);
  void note_slow(op o, const void* addr, const source_loc& loc, std::uint64_t a, std::uint64_t b,
                 std::uint8_t mo, const char* text_note);
  void sched_event(op o, int tid, const char* text_note, std::uint64_t value = ~0ull);
  void reset_execution();
  void teardown();
  void stutter_check(const atomic_meta& m, std::uint64_t expected, std::uint64_t desired,
                     std::memory_order success, std::memory_order failure, const source_loc& loc);
  [[noreturn]] void prune_execution();
  bool rewait_point(op o, const void* addr, bool hold) noexcept;
  void rewait_cut(const void* word, std::uint32_t expected, std::uint32_t latest, bool has_deadline,
                  std::int64_t deadline, const source_loc& loc);

  // scheduler: thread records, runnable / timeout / spurious sets, virtual time
  scheduler sched_;
  // execution core
  static constexpr int native_fiber = max_threads + 1;
  fiber fibers_[max_threads + 2];  // threads, main (setup/check), native (the caller)
  void on_resume(ctx::transfer_t t, void* fake_stack);
  int running_ = -1;  // fiber currently executing: thread id, main_fiber, or -1 (native)
  std::uint8_t max_spurious_ = 0;
  std::uint8_t max_spurious_cas_ = 0;
  memory_model mm_ = memory_model::c11;
  std::uint32_t budget_ = 0;
  std::uint32_t steps_ = 0;
  std::uint32_t decisions_ = 0;
  std::uint64_t total_steps_ = 0;
  bool prune_retries_ = true;
  bool continuing_ = false;  // the current step is a held retry CAS that went on (point())
  last_read last_read_[max_threads + 1] = {};
  const void* retry_hint_[max_threads + 1] = {};
  const void* recheck_hint_[max_threads + 1] = {};
  struct retry_load_hint {
    const void* addr = nullptr;
    retry_load_tests tests = {nullptr, nullptr};
  };
  // What a hinted load's contract makes due next (addr null: nothing).
  struct retry_due {
    enum phase_t : std::uint8_t { cas, wait, reload };
    const void* addr = nullptr;
    std::uint64_t value = 0;
    std::uint8_t strength = 0;  // the load's (read_strength)
    phase_t phase = cas;
  };
  retry_load_hint retry_load_hint_[max_threads + 1] = {};
  retry_due retry_load_due_[max_threads + 1] = {};
  schedule_source* src_ = nullptr;
  program* prog_ = nullptr;
  std::vector<std::uint8_t> choices_;
  std::vector<std::uint8_t> defaults_;
  std::size_t stack_size_ = 0;
  bool stacks_ready_ = false;
  bool all_done_ = false;
  // Stutters (stutter_cas): pruning on for this execution; it was cut; the
  // last spurious compare_exchange_weak failure (step 0: none this execution).
  bool prune_ = false;          // an exhaustive explore: the reductions below may cut
  bool prune_stutters_ = true;  // run_options::prune_stutters
  bool pruned_ = false;
  std::uint8_t cas_budget_ = 0;  // cas_budget_use()
  struct spurious_cas {
    std::uint32_t step = 0;
    std::uint8_t tid = 0;
    std::uint8_t success = 0, failure = 0;
    const atomic_meta* meta = nullptr;
    std::uint64_t expected = 0, desired = 0;
    source_loc loc{};
  } spur_;
  // The armed spurious wake-up (futex_sleep); phase 0: none.
  struct rewait_state {
    const void* word = nullptr;
    std::uint32_t value = 0;
    bool has_deadline = false;
    std::int64_t deadline = 0;
    std::uint8_t tid = 0;
    std::uint8_t phase = 0;  // 1: woke; 2: its held load of the word ran
    source_loc loc{};        // the wait it woke from
    bool may_cut = true;     // false: a re-check wait's hold (hold_recheck), never cut
  } rewait_;
  // 1 + the thread a futex wake just resumed (futex_sleep), whose next
  // point is held; 0: none. Any point disarms it.
  std::uint8_t resumed_ = 0;

  // memory (c11): the store histories, recycled across executions
  store_histories mem_;

  // oracles
  happens_before hb_;
  heap heap_;
  residency res_;
  std::vector<location*> registry_;
  std::uint32_t gen_ = 1;

  // failure
  failure_kind fail_kind_ = failure_kind::none;
  std::uint32_t fail_step_ = 0;
  char msg_[1024] = {};
  source_loc loc_{};  // operation at the current step (a copy: failures may come later)
  op op_ = op::load;
  const void* addr_ = nullptr;

  // trace / observer
  bool slow_note_ = false;
  bool tracing_ = false;
  bool src_steps_ = false;  // the source wants every step (schedule_source::on_step)
  observer* obs_ = nullptr;
  trace_log trace_;
  std::string trace_text_;
};

}  // namespace lastref::model::detail
