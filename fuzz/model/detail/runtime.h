// SPDX-License-Identifier: MIT
#pragma once
// The model runtime: scheduler state, happens-before clocks, allocator,
// residency tracking and the oracles. Private to fuzz/model; the platform
// types in ../platform.h call the inline fast paths below.
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

#include <lastref/platform.h>
#include <lastref/source_loc.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../failure.h"
#include "../memory_model.h"
#include "../observer.h"
#include "../schedule.h"
#include "fiber.h"
#include "vclock.h"

namespace lastref::model {
class program;
struct options;
}  // namespace lastref::model

namespace lastref::model::detail {

inline constexpr int nthreads = 8;
inline constexpr int main_fiber = nthreads;  // runs setup() and check()
inline constexpr int max_residency = 16;
inline constexpr std::uint8_t no_thread = 0xff;

enum class mode : std::uint8_t { off, passive, main, threads };
enum class tstatus : std::uint8_t { idle, runnable, blocked, finished };
enum class wake_reason : std::uint8_t { none, woken, timeout, spurious };

// platform::exit_thread throws lastref::thread_exit (as std_platform does,
// so lastref::run_thread_body works in model threads too); the fiber
// trampoline catches it.
using exit_signal = lastref::thread_exit;

class runtime;
extern thread_local constinit runtime* current_rt;

// Base of every model atomic and cell: construction is a (non-atomic) write
// by the constructing thread, and the registry lets destroy() find every
// location inside a freed block.
struct location {
  enum class kind : std::uint8_t { atomic, cell };
  explicit location(kind k) noexcept;
  ~location();
  location(const location&) = delete;
  location& operator=(const location&) = delete;

  kind kind_;
  std::uint8_t init_tid_ = no_thread;
  std::uint32_t init_clk_ = 0;
  std::uint32_t init_step_ = 0;
  std::uint32_t reg_idx_ = 0;
  std::uint32_t reg_gen_ = 0;  // 0: not registered
};

// A free is ordered after another thread's last access to an atomic if that
// access happens-before it, or if it was a write the freeing thread has
// since read past (coherence: the kernel's "dec_and_test, then acquire
// fence" frees after other holders' RMWs that are not themselves released).
struct atomic_meta : location {
  atomic_meta() noexcept : location(kind::atomic) {}
  vclock rel;                        // what an acquire of the current value synchronises with
  std::uint32_t acc[nthreads] = {};  // per thread: epoch of its last access
  std::uint32_t acc_step[nthreads] = {};
  std::uint32_t w_idx[nthreads] =
      {};  // per thread: modification-order index of its last write (0: last access was a read)
  std::uint32_t seen[nthreads] = {};  // per thread: latest modification-order index it has read
  std::uint32_t writes = 0;           // modification-order length
  // c11: the store history lives in the runtime (runtime::hist_), found by
  // index while hist_gen matches the runtime's execution generation.
  std::uint32_t hist_idx = 0;
  std::uint32_t hist_gen = 0;
};

// One store of a location's modification order (c11). obs[u] is thread u's
// epoch when it first observed this store or a later one (by reading or
// writing); 0: not yet. A load by t may not read a store older than one
// that some u observed at an epoch t's clock covers: that is coherence
// (read-read, write-read) through happens-before, and t's own program order.
// No default member initialisers: histories are reused without clearing.
struct store_rec {
  std::uint64_t bits;           // the stored value
  std::uint32_t mo;             // modification-order index (the construction is 0)
  std::uint32_t step;           // step of the store (0: construction)
  std::uint8_t tid;             // storing thread (no_thread: outside the threads)
  bool rmw;                     // read-modify-write: reads its predecessor in mo
  std::uint32_t obs[nthreads];  // see above
  std::uint32_t rel[nthreads];  // what acquiring from this store synchronises with
};

// The newest store_history_size stores of one location in modification
// order: rec[i] has index base + i; the last one is the latest (m.writes).
struct store_history {
  std::uint32_t sc_mo;  // index of the last seq_cst write (0: none since the construction)
  std::uint32_t base;   // modification-order index of rec[0]
  std::uint32_t held;   // records held (1 .. store_history_size)
  store_rec rec[store_history_size];
  store_rec& at(std::uint32_t k) noexcept { return rec[k - base]; }
  const store_rec& at(std::uint32_t k) const noexcept { return rec[k - base]; }
};

struct cell_meta : location {
  cell_meta() noexcept;
  std::uint8_t w_tid = no_thread;  // last write: thread, epoch, step
  std::uint32_t w_clk = 0;
  std::uint32_t w_step = 0;
  std::uint32_t r_clk[nthreads] = {};  // per thread: epoch / step of its last read
  std::uint32_t r_step[nthreads] = {};
};

struct thread_state {
  tstatus st = tstatus::idle;
  wake_reason reason = wake_reason::none;
  bool exiting = false;
  bool spurious_ok = false;  // a futex waiter (mutex waiters never wake spuriously)
  bool has_deadline = false;
  std::uint8_t depth = 0;
  const void* wait_addr = nullptr;
  std::int64_t deadline = 0;
  std::uint64_t wait_seq = 0;
  atomic_meta* wait_word = nullptr;  // c11: the futex word it sleeps on
  std::uint32_t woke_mo = 0;         // c11: the word's latest store when a wake chose it
  vclock clk;                        // this thread's clock
  vclock acq_pending;                // joined by relaxed loads; applied by an acquire fence
  vclock rel_fence;                  // clock at the last release fence; published by relaxed stores
  const void* texts[max_residency] = {};
};

struct block {
  char* ptr;
  std::size_t size;
  void (*dtor)(void*);
  std::uint32_t alloc_step;
  std::uint32_t free_step;
  std::uint8_t free_tid;
  bool freed;
  std::uint8_t size_class;  // 0xff: not pooled
};

struct unmapped_text {
  const void* text;
  std::uint32_t step;
  std::uint8_t tid;
};

struct trace_entry {
  std::uint32_t step;
  std::uint8_t tid;
  op kind;
  std::uint8_t mo;     // std::memory_order + 1, 0 if none
  std::uint8_t depth;  // residency depth before the operation
  const char* file;
  unsigned line;
  const char* function;
  const void* addr;
  std::uint64_t a, b;
  const void* text;  // innermost module text of the thread, if any
  const char* note;
  // c11 loads (has_rf): the store read and the latest store.
  bool has_rf = false;
  bool rf_stale = false;
  bool rf_placed = false;  // a store: placed before the store rf_* names
  std::uint8_t rf_tid = no_thread;
  std::uint8_t latest_tid = no_thread;
  std::uint32_t rf_step = 0;
  std::uint32_t latest_step = 0;
  std::uint64_t latest_bits = 0;
};

template <class T>
inline std::uint64_t to_bits(const T& v) noexcept {
  if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= 8) {
    std::uint64_t r = 0;
    std::memcpy(&r, &v, sizeof(T));
    return r;
  } else {
    return 0;
  }
}

constexpr bool is_acquire(std::memory_order mo) noexcept {
  return mo == std::memory_order_acquire || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst || mo == std::memory_order_consume;
}
constexpr bool is_release(std::memory_order mo) noexcept {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

class runtime {
 public:
  explicit runtime(const options& o);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // ---- execution control (runtime.cc) ----
  // Runs one execution; fills failure_/steps_. `traced` records the trace.
  void execute(const std::function<std::unique_ptr<program>()>& make, schedule_source& src,
               bool traced, bool observe);
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

  // Scheduling point before operation `o` on `addr` (null: no object).
  void point(op o, const void* addr, const source_loc& loc) {
    if (mode_ == mode::threads) {
      if (!th_[cur_].exiting) [[likely]] {
        if (steps_ >= budget_) [[unlikely]] {
          loc_ = loc;
          op_ = o;
          fail_budget();
        }
        if (((runnable_ & ~(1u << cur_)) | timeout_ | spurious_offer()) != 0) reschedule();
      }
    } else if (mode_ != mode::main) {
      return;
    }
    loc_ = loc;
    op_ = o;
    addr_ = addr;
    ++steps_;
    if (n_unmapped_ != 0 && th_[cur_].depth != 0 && mode_ == mode::threads) [[unlikely]]
      check_residency(o);
    if (n_freed_ != 0 && addr != nullptr && o != op::futex_wake_one && o != op::futex_wake_all &&
        o != op::destroy) [[unlikely]]
      check_freed(o, addr);
  }

  // A step that is no scheduling point: names the operation at which a
  // failure is about to be reported (a plain access of instrumented C code,
  // kernel/src/model_backend.cc), so the message and the trace show it.
  // Never switches threads.
  void step_without_point(op o, const void* addr, const source_loc& loc) noexcept {
    if (mode_ != mode::threads && mode_ != mode::main) return;
    loc_ = loc;
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
  bool active_checks() const noexcept { return mode_ == mode::threads || mode_ == mode::main; }
  // Atomics of values up to 8 bytes follow the c11 model (memory.cc) when it
  // is selected and checks are active; everything else runs the sc paths.
  bool weak() const noexcept { return mm_ == memory_model::c11 && active_checks(); }
  memory_model model() const noexcept { return mm_; }
  void set_model(memory_model m) noexcept { mm_ = m; }

  // ---- c11 (memory.cc); each does the access bookkeeping and the
  // synchronisation of the operation, and records the trace's reads-from ----
  // A load: returns the bits of the store it reads (a decision when several
  // are allowed). `latest` is the value the location holds now.
  std::uint64_t c11_load(atomic_meta& m, std::uint64_t latest, std::memory_order mo);
  // A store joins the modification order at the end or (a decision) before
  // newer stores the thread has not observed. Returns whether it is now the
  // latest (the value the location holds).
  bool c11_store(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo);
  // A read-modify-write reads the latest store (atomicity) and appends v.
  void c11_rmw(atomic_meta& m, std::uint64_t latest, std::uint64_t v, std::memory_order mo);
  // compare_exchange: whether it succeeds is decided here. Returns the
  // outcome and sets `seen` to the bits the failed read returned. It may fail
  // by reading an older store whose value differs from `expected`, or (weak,
  // while options::max_spurious_cas allows) spuriously.
  bool c11_cas(atomic_meta& m, std::uint64_t latest, bool latest_equal, std::uint64_t expected,
               std::uint64_t desired, std::memory_order success, std::memory_order failure,
               bool weak, std::uint64_t& seen);
  // The futex word's latest value is observed (futex_wait compares against
  // it, as the kernel does).
  void c11_observe_latest(atomic_meta& m, std::uint64_t latest);
  // Another thread can still take a step (runnable, or a timeout / spurious
  // wake-up on offer). For await loops (spin.h).
  bool others_can_run() const noexcept {
    return mode_ == mode::threads &&
           ((runnable_ & ~(1u << cur_)) | timeout_ | spurious_offer()) != 0;
  }

  // ---- happens-before ----
  thread_state& self() noexcept { return th_[cur_]; }
  void access_atomic(atomic_meta& m, bool write) {
    if (!active_checks()) return;
    thread_state& t = th_[cur_];
    if (m.init_tid_ != no_thread && m.init_tid_ != cur_ && t.clk.c[m.init_tid_] < m.init_clk_)
        [[unlikely]]
      race_on_init(m);
    m.acc[cur_] = t.clk.c[cur_];
    m.acc_step[cur_] = steps_;
    if (write) ++m.writes;
    m.w_idx[cur_] = write ? m.writes : 0;
    m.seen[cur_] = m.writes;
  }
  void acquire_from(const atomic_meta& m, std::memory_order mo) {
    if (!active_checks()) return;
    thread_state& t = th_[cur_];
    if (is_acquire(mo))
      t.clk.join(m.rel);
    else
      t.acq_pending.join(m.rel);
  }
  // A store heads a new release sequence (a relaxed store publishes only
  // what a previous release fence covered).
  void release_store(atomic_meta& m, std::memory_order mo) {
    if (!active_checks()) return;
    thread_state& t = th_[cur_];
    if (is_release(mo)) {
      m.rel = t.clk;
      ++t.clk.c[cur_];
    } else {
      m.rel = t.rel_fence;
    }
  }
  // A read-modify-write continues the release sequence it reads from.
  void release_rmw(atomic_meta& m, std::memory_order mo) {
    if (!active_checks()) return;
    thread_state& t = th_[cur_];
    if (is_release(mo)) {
      m.rel.join(t.clk);
      ++t.clk.c[cur_];
    } else {
      m.rel.join(t.rel_fence);
    }
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
  std::int64_t now() const noexcept { return now_; }
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
    pending_label_ = name;
    slow_note_ = true;
  }
  const char* first_label_of(const void* addr) const noexcept;
  const char* label_of(const void* addr) const noexcept;
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

 private:
  friend struct location;
  std::uint8_t spurious_offer() const noexcept {
    return spurious_left_ != 0 && (runnable_ | timeout_) != 0 ? spurious_wait_ : 0;
  }
  void reschedule();
  // The current thread stopped being runnable: pick another and switch.
  void pick_next(int from, bool dying);
  int decide(const decision& d);
  void apply_wake(int tid, wake_reason why);
  void switch_to(int from, int to, bool dying);
  [[noreturn]] void return_to_native();
  static void fiber_entry(ctx::transfer_t t);
  void fiber_main(int idx);
  [[noreturn]] void fail_budget();
  // c11 helpers (memory.cc)
  store_history& history(atomic_meta& m, std::uint64_t latest);
  std::uint32_t oldest_readable(const atomic_meta& m, const store_history& h, bool sc) const;
  void observe(store_history& h, const atomic_meta& m, std::uint32_t upto);
  // Inserts a store right after index `after` (m.writes: at the end).
  void insert_store(atomic_meta& m, store_history& h, std::uint32_t after, std::uint64_t v,
                    std::memory_order mo, const std::uint32_t* rel_base, bool rmw);
  // Reads the store of modification-order index k: observation, acquire.
  std::uint64_t read_at(atomic_meta& m, store_history& h, std::uint32_t k, std::memory_order mo,
                        std::uint32_t* rel_out);
  int decide_read(int options);
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
  const block* find_block(const void* p) const noexcept;

  // scheduler
  static constexpr int native_fiber = nthreads + 1;
  thread_state th_[nthreads];
  fiber fibers_[nthreads + 2];  // threads, main (setup/check), native (the caller)
  void on_resume(ctx::transfer_t t, void* fake_stack);
  int nthreads_ = 0;
  int running_ = -1;  // fiber currently executing: thread id, main_fiber, or -1 (native)
  std::uint8_t runnable_ = 0;
  std::uint8_t timeout_ = 0;
  std::uint8_t spurious_wait_ = 0;
  std::uint8_t spurious_left_ = 0;
  std::uint8_t max_spurious_ = 0;
  std::uint8_t spurious_cas_left_ = 0;
  std::uint8_t max_spurious_cas_ = 0;
  memory_model mm_ = memory_model::c11;
  std::uint32_t budget_ = 0;
  std::uint32_t steps_ = 0;
  std::uint32_t decisions_ = 0;
  std::uint64_t total_steps_ = 0;
  std::uint64_t wait_seq_ = 0;
  std::int64_t now_ = 0;
  schedule_source* src_ = nullptr;
  program* prog_ = nullptr;
  std::vector<std::uint8_t> choices_;
  std::vector<std::uint8_t> defaults_;
  std::size_t stack_size_ = 0;
  bool stacks_ready_ = false;
  bool all_done_ = false;

  // c11 store histories, recycled across executions
  std::vector<store_history> hist_;
  std::uint32_t n_hist_ = 0;

  // oracles
  vclock sc_fence_;
  std::vector<block> blocks_;
  std::uint32_t n_freed_ = 0;
  std::vector<unmapped_text> unmapped_;
  std::uint32_t n_unmapped_ = 0;
  std::vector<location*> registry_;
  std::uint32_t gen_ = 1;
  std::vector<void*> pool_[64];  // free lists by 16-byte size class (<= 1 KiB)

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
  std::vector<trace_entry> trace_;
  std::string trace_text_;
  std::string format_trace() const;
  std::vector<std::pair<const void*, const char*>> labels_;
  const char* pending_label_ = nullptr;  // label_next(): applied by the next note
  // c11: the reads-from of the operation being executed, for its trace entry
  bool rf_pending_ = false;
  std::uint32_t rf_step_ = 0, latest_step_ = 0;
  std::uint64_t latest_bits_ = 0;
  std::uint8_t rf_tid_ = no_thread, latest_tid_ = no_thread;
  bool rf_stale_ = false;
  bool rf_placed_ = false;  // a store placed before newer ones (rf_* names the next one)
};

}  // namespace lastref::model::detail
