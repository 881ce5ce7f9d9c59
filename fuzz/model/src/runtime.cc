// SPDX-License-Identifier: MIT
// The model runtime's slow paths: execution control, fibers, scheduling
// decisions, blocking, the allocator and the oracles.

#include "runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

#include <lastref/platform.h>  // thread_exit, which exit_thread throws and the fibers catch
#include <lastref/refcount_report.h>

#include <lastref/model/checker.h>
#include <lastref/model/observer.h>
#include <lastref/model/program.h>
#include <lastref/model/schedule.h>

#if defined(LASTREF_MODEL_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace lastref::model::detail {

thread_local constinit runtime* current_rt = nullptr;

// ---------------------------------------------------------------- stacks

fiber_stack allocate_stack(std::size_t size) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  size = (size + page - 1) / page * page;
  void* p =
      ::mmap(nullptr, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(p, page, PROT_NONE);  // guard page: an overflow faults instead of corrupting
  return fiber_stack{static_cast<char*>(p) + page, size};
}

void free_stack(fiber_stack& s) noexcept {
  if (s.base == nullptr) return;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  ::munmap(s.base - page, s.size + page);
  s = {};
}

void unpoison_stack([[maybe_unused]] const fiber_stack& s) noexcept {
#if defined(LASTREF_MODEL_ASAN)
  __asan_unpoison_memory_region(s.base, s.size);
#endif
}

// ---------------------------------------------------------------- locations

location::location(kind k) noexcept : kind_(k) {
  runtime* r = current_rt;
  if (r == nullptr) return;
  r->register_location(this);
  if (r->active_checks()) {
    init_tid_ = r->cur_;
    init_clk_ = r->epoch();
    init_step_ = r->step_now();
  }
}

location::~location() {
  runtime* r = current_rt;
  if (r != nullptr && reg_gen_ == r->gen()) r->unregister_location(this);
}

cell_meta::cell_meta() noexcept : location(kind::cell) {
  // Construction is the cell's first write.
  w_tid = init_tid_;
  w_clk = init_clk_;
  w_step = init_step_;
}

void runtime::register_location(location* l) noexcept {
  l->reg_idx_ = static_cast<std::uint32_t>(registry_.size());
  l->reg_gen_ = gen_;
  registry_.push_back(l);
}

void runtime::unregister_location(location* l) noexcept {
  const std::uint32_t i = l->reg_idx_;
  if (i >= registry_.size() || registry_[i] != l) return;
  location* last = registry_.back();
  registry_[i] = last;
  last->reg_idx_ = i;
  registry_.pop_back();
  l->reg_gen_ = 0;
}

// ---------------------------------------------------------------- refcount reports

namespace {
// One process-wide dispatcher, installed while any execution runs on any OS
// thread: a report on a thread running an execution is a failure at that
// step; any other report goes to the reporter that was installed before.
class model_refcount_reporter final : public refcount_reporter {
 public:
  void report(refcount_saturation kind, const void* counter) noexcept override {
    runtime* r = current_rt;
    if (r != nullptr && r->active_checks()) {
      char nb[96];
      r->fail(failure_kind::refcount, "refcount report: %s (counter %s, T%d)",
              refcount_message(kind), r->describe(counter, nb, sizeof nb), r->cur_);
    }
    refcount_reporter* p = previous != nullptr ? previous : &refcount_default_reporter();
    p->report(kind, counter);
  }
  refcount_reporter* previous = nullptr;  // guarded by hook_mutex
};
model_refcount_reporter refcount_hook;
std::mutex hook_mutex;
int hook_users = 0;  // executions running, over all OS threads; guarded by hook_mutex

void hook_refcount_reports() {
  std::lock_guard<std::mutex> g(hook_mutex);
  if (hook_users++ == 0) refcount_hook.previous = set_refcount_reporter(&refcount_hook);
}
void unhook_refcount_reports() {
  std::lock_guard<std::mutex> g(hook_mutex);
  if (--hook_users == 0) set_refcount_reporter(refcount_hook.previous);
}
}  // namespace

// ---------------------------------------------------------------- lifecycle

runtime::runtime(std::size_t stack_size) {
#if defined(LASTREF_MODEL_ASAN)
  stack_size_ = stack_size != 0 ? stack_size : (1u << 20);
#else
  stack_size_ = stack_size != 0 ? stack_size : (256u << 10);
#endif
  choices_.reserve(4096);
  defaults_.reserve(4096);
  registry_.reserve(256);
}

runtime::~runtime() {
  for (auto& f : fibers_) free_stack(f.stack);
}

void runtime::reset_execution() {
  sched_.begin_execution(max_spurious_, max_spurious_cas_);
  mem_.begin_execution();
  steps_ = decisions_ = 0;
  hb_.begin_execution();
  res_.begin_execution();
  choices_.clear();
  defaults_.clear();
  fail_kind_ = failure_kind::none;
  fail_step_ = 0;
  pruned_ = false;
  continuing_ = false;
  for (auto& l : last_read_) l = last_read{};
  for (auto& h : retry_hint_) h = nullptr;
  msg_[0] = '\0';
  loc_ = source_loc{};
  addr_ = nullptr;
  all_done_ = false;
  pruned_ = false;
  cas_budget_ = 0;
  spur_ = spurious_cas{};
  rewait_ = rewait_state{};
  resumed_ = 0;
}

void runtime::execute(const std::function<std::unique_ptr<program>()>& make, schedule_source& src,
                      const run_options& o, bool traced, bool observe, bool prune) {
  if (!stacks_ready_) {
    for (int i = 0; i <= main_fiber; ++i) fibers_[i].stack = allocate_stack(stack_size_);
    stacks_ready_ = true;
  }
  if (current_rt != nullptr) {
    std::fprintf(stderr, "lastref::model: nested executions are not supported\n");
    std::abort();
  }
  budget_ = o.max_steps;
  max_spurious_ = o.max_spurious;
  max_spurious_cas_ = o.max_spurious_cas;
  prune_retries_ = o.prune_failed_retries;
  mm_ = o.memory;
  prune_ = prune;
  prune_stutters_ = o.prune_stutters;
  reset_execution();
  hook_refcount_reports();
  src_ = &src;
  tracing_ = traced;
  trace_.begin_execution(traced);
  obs_ = observe ? o.obs : nullptr;
  src_steps_ = src.wants_steps();
  slow_note_ = tracing_ || obs_ != nullptr || src_steps_;
  current_rt = this;
  mode_ = mode::passive;
  std::unique_ptr<program> prog;
  try {
    prog = make();
  } catch (...) {
    mode_ = mode::off;
    current_rt = nullptr;
    unhook_refcount_reports();
    throw;
  }
  prog_ = prog.get();
  const int nthreads = prog_->threads();
  if (nthreads < 1 || nthreads > max_threads) {
    std::fprintf(stderr, "lastref::model: program has %d threads (1..%d allowed)\n", nthreads,
                 max_threads);
    std::abort();
  }
  sched_.set_threads(nthreads);
  mem_.set_threads(nthreads);
  // Symmetry (program::symmetry_class): each thread's previous twin, which
  // must take its first step before it runs; packed 4 bits a thread
  // (twin + 1) for a step-reading source.
  int twin[max_threads];
  std::uint64_t twins = 0;
  for (int i = 0; i < nthreads; ++i) {
    twin[i] = -1;
    if (const int c = prog_->symmetry_class(i); c >= 0)
      for (int k = i - 1; k >= 0 && twin[i] < 0; --k)
        if (prog_->symmetry_class(k) == c) twin[i] = k;
    twins |= static_cast<std::uint64_t>(twin[i] + 1) << (4 * i);
  }
  sched_.set_twins(twin);
  src.begin_execution();
  // Tells a step-reading source where the program object is, so it can name
  // its members by offset (addresses differ between executions), and the twins.
  if (src_steps_)
    src.on_step(step_info{-1, op::thread_start, prog_, twins, 0, 0, true, "program", false});
  if (obs_ != nullptr) obs_->on_execution_begin();

  // A due left by the last execution (ended with its thread asleep in a
  // wait the due names) must not meet this one's setup.
  for (auto& d : retry_load_due_) d = retry_due{};
  // setup() on the main fiber, as thread 0 (every thread inherits its clock).
  mode_ = mode::main;
  cur_ = 0;
  hb_.start_setup();
  running_ = native_fiber;
  auto start = [this](int idx) {
    fiber& f = fibers_[idx];
    unpoison_stack(f.stack);
    f.ctx = ctx::make_fcontext(f.stack.base + f.stack.size, f.stack.size, &runtime::fiber_entry);
  };
  start(main_fiber);
  switch_to(native_fiber, main_fiber, false);

  if (fail_kind_ == failure_kind::none) {
    mode_ = mode::threads;
    // setup() ran as thread 0: its reads are not thread 0's.
    for (auto& l : last_read_) l = last_read{};
    for (auto& h : retry_hint_) h = nullptr;
    for (auto& h : retry_load_hint_) h = retry_load_hint{};
    for (auto& d : retry_load_due_) d = retry_due{};
    hb_.spawn(nthreads);
    for (int i = 0; i < nthreads; ++i) start(i);
    sched_.start();
    decision d;
    d.current = -1;
    d.runnable = sched_.runnable();
    // Gated twins can leave a single option: no decision then. decide()
    // returns an option's index, which is the thread's only while every
    // thread is runnable (a gated twin is not).
    const int first =
        detail::popcount8(d.runnable) == 1 ? __builtin_ctz(d.runnable) : d.option(decide(d)).thread;
    cur_ = static_cast<std::uint8_t>(first);
    switch_to(native_fiber, first, false);
  }

  if (fail_kind_ == failure_kind::none && !pruned_) {
    // check() happens after every thread (not after a cut: threads are unfinished).
    mode_ = mode::main;
    cur_ = 0;
    hb_.join_for_check(nthreads);
    res_.drop(0);
    switch_to(native_fiber, main_fiber, false);
  }

  if (obs_ != nullptr) obs_->on_execution_end(fail_kind_);
  if (tracing_)
    trace_text_ = trace_.format(heap_, res_);
  else
    trace_text_.clear();
  teardown();
  prog.reset();  // after teardown: a failing execution's objects may point into the program
  obs_ = nullptr;
  src_ = nullptr;
  total_steps_ += steps_;
  unhook_refcount_reports();
}

void runtime::teardown() {
  mode_ = mode::passive;
  prog_ = nullptr;
  // Objects still alive are destroyed, memory goes back to the pools in
  // reverse (heap.h: the next execution gets the same addresses).
  heap_.reclaim();
  registry_.clear();
  ++gen_;
  if (gen_ == 0) gen_ = 1;
  mode_ = mode::off;
  current_rt = nullptr;
}

// ---------------------------------------------------------------- fibers

void runtime::on_resume(ctx::transfer_t t, [[maybe_unused]] void* fake_stack) {
  fiber* prev = static_cast<fiber*>(t.data);
#if defined(LASTREF_MODEL_ASAN)
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  if (prev == &fibers_[native_fiber]) {
    prev->asan_bottom = bottom;
    prev->asan_size = size;
  }
#endif
  prev->ctx = t.fctx;
}

void runtime::switch_to(int from, int to, [[maybe_unused]] bool dying) {
  running_ = to;
  fiber& target = fibers_[to];
#if defined(LASTREF_MODEL_ASAN)
  void* fake = nullptr;
  const void* bottom = target.stack.base != nullptr ? target.stack.base : target.asan_bottom;
  const std::size_t size = target.stack.base != nullptr ? target.stack.size : target.asan_size;
  __sanitizer_start_switch_fiber(dying ? nullptr : &fake, bottom, size);
  ctx::transfer_t t = ctx::jump_fcontext(target.ctx, &fibers_[from]);
  on_resume(t, fake);
#else
  ctx::transfer_t t = ctx::jump_fcontext(target.ctx, &fibers_[from]);
  on_resume(t, nullptr);
#endif
}

// The hinted retry CAS, run right after the read it confirms, failed other
// than spuriously: under c11 that read returned an older store. The same
// read decision's option that returns the store this CAS read (run as its
// sibling, with the same prefix) shows everything this execution could, so
// this one ends here, silently, as redundant. The source already saw the
// step; nothing after it is run or checked. Ending an execution where the
// covering one is not such a sibling would lose the races its rest would
// have shown the explorer, which is why the CAS takes no scheduling point.
void runtime::prune_retry() {
  pruned_ = true;
  return_to_native();
}

// retry_load's contract (retry.h): a hinted load that read a value for
// which the caller promised the confirming retry CAS next. The reduction
// skips older stores' reads on that promise, so a breach is a failure, not
// a gap; its trace ends with the load (this point has not set loc_ yet).
void runtime::retry_load_breach(op o, const void* addr) {
  const retry_due d = retry_load_due_[cur_];
  retry_load_due_[cur_] = retry_due{};
  fail(failure_kind::invariant,
       "T%d: a hinted retry load (detail::retry_load, lastref/detail/retry.h) read %llu, for "
       "which its caller promises %s as the thread's next operation, but the next is %s%s",
       cur_, static_cast<unsigned long long>(d.value), retry_due_name(d.phase), op_name(o),
       addr == d.addr || addr == nullptr ? "" : " on another object");
}

const char* runtime::retry_due_name(std::uint8_t phase) noexcept {
  return phase == retry_due::cas    ? "the retry CAS confirming it"
         : phase == retry_due::wait ? "a futex wait on the word for that value"
                                    : "the load again after the futex wait on it";
}

// A settled due that breaks the contract: `what` came instead.
void runtime::retry_load_fail(std::uint8_t phase, std::uint64_t value, const char* what) {
  retry_load_due_[cur_] = retry_due{};
  fail(failure_kind::invariant,
       "T%d: a hinted retry load (detail::retry_load, lastref/detail/retry.h) read %llu, for "
       "which its caller promises %s as the thread's next operation, but the next is %s",
       cur_, static_cast<unsigned long long>(value), retry_due_name(phase), what);
}

void runtime::retry_load_settle(const void* addr, bool hinted, std::uint64_t expected,
                                std::memory_order success, std::memory_order failure) {
  const retry_due d = retry_load_due_[cur_];
  if (d.phase != retry_due::cas) retry_load_breach(op::cas_ok, addr);
  const char* what = addr != d.addr ? "a compare-exchange of another object"
                     : !hinted ? "a compare-exchange without the retry hint (detail::retry_cas_*)"
                     : expected != d.value ? "a retry CAS expecting another value"
                     : read_strength(success) < d.strength || read_strength(failure) < d.strength
                         ? "a retry CAS with an order weaker than the load's"
                         : nullptr;
  if (what != nullptr) [[unlikely]]
    retry_load_fail(d.phase, d.value, what);
  retry_load_due_[cur_] = retry_due{};
}

void runtime::retry_load_settle_wait(const void* addr, std::uint64_t expected) {
  retry_due& d = retry_load_due_[cur_];
  if (d.phase != retry_due::wait) retry_load_breach(op::futex_wait, addr);
  const char* what = addr != d.addr        ? "a futex wait on another object"
                     : expected != d.value ? "a futex wait for another value"
                                           : nullptr;
  if (what != nullptr) [[unlikely]]
    retry_load_fail(d.phase, d.value, what);
  d.phase = retry_due::reload;  // the load is due next
}

void runtime::retry_load_settle_reload(const void* addr, std::memory_order mo) {
  const retry_due d = retry_load_due_[cur_];
  if (d.phase != retry_due::reload) retry_load_breach(op::load, addr);
  const char* what = addr != d.addr                   ? "a load of another object"
                     : read_strength(mo) < d.strength ? "a load with a weaker order"
                                                      : nullptr;
  if (what != nullptr) [[unlikely]]
    retry_load_fail(d.phase, d.value, what);
  retry_load_due_[cur_] = retry_due{};
}

void runtime::return_to_native() {
  switch_to(running_, native_fiber, true);
  __builtin_unreachable();
}

void runtime::fiber_entry(ctx::transfer_t t) {
  runtime* r = current_rt;
  r->on_resume(t, nullptr);
  r->fiber_main(r->running_);
  __builtin_unreachable();
}

void runtime::fiber_main(int idx) {
  if (idx == main_fiber) {
    bool escaped = false;
    try {
      prog_->setup();
    } catch (...) {
      escaped = true;
    }
    if (escaped) fail(failure_kind::exception, "setup(): an exception escaped");
    switch_to(main_fiber, native_fiber, false);
    try {
      prog_->check();
    } catch (...) {
      escaped = true;
    }
    if (escaped) fail(failure_kind::exception, "check(): an exception escaped");
    return_to_native();
  }
  sched_event(op::thread_start, idx, nullptr);
  bool escaped = false;
  exit_signal how;
  try {
    prog_->run(idx);
  } catch (const exit_signal& e) {
    how = e;
  } catch (...) {
    escaped = true;
  }
  if (how.last_action != nullptr) {
    // The thread's last action (platform.h, exit_thread): ordinary steps
    // again, from the top of the thread, with no module text on its stack.
    sched_.thread(idx).exiting = false;
    how.run_last_action();
  }
  // Outside the handlers: a failure abandons this fiber, which must not
  // happen while the C++ runtime thinks an exception is being handled.
  if (escaped)
    fail(failure_kind::exception, "thread %d: an exception escaped the thread body", idx);
  if (retry_load_due_[idx].addr != nullptr) [[unlikely]]
    retry_load_breach(op::thread_end, nullptr);
  sched_.finish(idx);
  sched_event(op::thread_end, idx, nullptr);
  pick_next(idx, true);
  __builtin_unreachable();
}

// ---------------------------------------------------------------- scheduling

int runtime::decide(decision& d) {
  // In place: the caller has just written d's fields one byte at a time,
  // and copying it (one 16-byte load over those stores) stalled store
  // forwarding at every scheduling point (perf: a third of a step).
  d.step = steps_;
  d.index = decisions_++;
  const int n = d.count();
  int i = src_->choose(d);
  if (i < 0 || i >= n) i = ((i % n) + n) % n;
  choices_.push_back(static_cast<std::uint8_t>(i));
  defaults_.push_back(static_cast<std::uint8_t>(d.default_index()));
  return i;
}

void runtime::apply_wake(int tid, wake_reason why) {
  sched_.make_runnable(tid, why);
  if (why == wake_reason::timeout)
    sched_event(op::timeout, tid, nullptr);
  else if (why == wake_reason::spurious)
    sched_event(op::spurious, tid, nullptr);
}

bool runtime::reschedule(bool hold) {
  decision d;
  d.current = cur_;
  d.runnable = sched_.runnable();
  d.timeout = sched_.timeouts();
  d.spurious = sched_.spurious_offer();
  d.hold = hold;
  const choice c = d.option(decide(d));
  if (c.kind == choice_kind::run && c.thread == cur_) return true;
  const int from = cur_;
  if (c.kind != choice_kind::run)
    apply_wake(c.thread,
               c.kind == choice_kind::timeout ? wake_reason::timeout : wake_reason::spurious);
  // A switch is no step: a step-reading source is not told (schedule.h).
  if (tracing_ || obs_ != nullptr) {
    sched_event(op::preempt, c.thread, nullptr);
    if (obs_ != nullptr) obs_->on_switch(from, c.thread, true);
  }
  cur_ = static_cast<std::uint8_t>(c.thread);
  switch_to(from, c.thread, false);
  return false;
}

void runtime::pick_next(int from, bool dying) {
  decision d;
  d.current = -1;
  d.runnable = sched_.runnable();
  d.timeout = sched_.timeouts();
  d.spurious = sched_.spurious_offer();
  const int n = d.count();
  if (n == 0) {
    int blocked = -1;
    for (int i = 0; i < sched_.threads(); ++i)
      if (sched_.thread(i).st == tstatus::blocked) blocked = i;
    if (blocked < 0) {
      all_done_ = true;
      return_to_native();
    }
    char who[128];
    int len = 0;
    for (int i = 0; i < sched_.threads() && len < 100; ++i)
      if (sched_.thread(i).st == tstatus::blocked) {
        char nb[96];
        len += std::snprintf(who + len, sizeof(who) - static_cast<std::size_t>(len), " T%d on %s",
                             i, describe(sched_.thread(i).wait_addr, nb, sizeof nb));
      }
    if (len == 0) who[0] = '\0';
    addr_ = nullptr;
    fail(failure_kind::deadlock,
         "deadlock / lost wake-up: every unfinished thread is blocked and no timeout is "
         "pending:%s",
         who);
  }
  const choice c = d.option(n == 1 ? 0 : decide(d));
  if (c.kind != choice_kind::run)
    apply_wake(c.thread,
               c.kind == choice_kind::timeout ? wake_reason::timeout : wake_reason::spurious);
  cur_ = static_cast<std::uint8_t>(c.thread);
  if (c.thread == from) return;  // the blocked thread itself timed out / woke spuriously
  if (obs_ != nullptr) obs_->on_switch(from, c.thread, false);
  switch_to(from, c.thread, dying);
}

wake_reason runtime::block_on(const void* addr, bool futex, bool has_deadline,
                              std::int64_t deadline, const source_loc& loc, atomic_meta* word) {
  if (mode_ != mode::threads) {
    loc_ = loc;
    char nb[96];
    fail(failure_kind::deadlock, "setup()/check() blocks on %s: nothing else can run",
         describe(addr, nb, sizeof nb));
  }
  if (has_deadline && deadline <= sched_.now()) return wake_reason::timeout;
  const int me = cur_;
  sched_.block(me, addr, futex, has_deadline, deadline, word);
  sched_event(op::block, me, nullptr);
  pick_next(me, false);
  sched_event(op::resume, me, nullptr, static_cast<std::uint64_t>(sched_.thread(me).reason));
  // c11: the wake is a full barrier on the word (the kernel's futex hash
  // bucket lock): the waiter sees at least the word's value at the wake.
  thread_state& w = sched_.thread(me);
  if (w.wait_word != nullptr && w.reason == wake_reason::woken && mm_ == memory_model::c11)
    if (store_history* h = mem_.find(*w.wait_word, gen_))
      store_histories::observe(*h, cur_, hb_.epoch(cur_), w.woke_mo);
  w.wait_word = nullptr;
  return w.reason;
}

void runtime::wake(const void* addr, bool all, const source_loc&, op) {
  if (mode_ != mode::threads) return;
  for (;;) {
    const int best = sched_.oldest_waiter(addr);
    if (best < 0) return;
    thread_state& t = sched_.thread(best);
    if (t.wait_word != nullptr) t.woke_mo = t.wait_word->writes;
    apply_wake(best, wake_reason::woken);
    sched_event(op::wake, best, nullptr);
    if (!all) return;
  }
}

// ---------------------------------------------------------------- happens-before

void runtime::fence(std::memory_order mo) {
  if (active_checks()) hb_.fence(cur_, mo);
}

void runtime::cell_read(cell_meta& c) {
  if (!active_checks()) return;
  if (const race r = hb_.cell_read(c, cur_, steps_); r.found) {
    char nb[96];
    fail(failure_kind::data_race,
         "data race on cell %s: read by T%d at step %u is unordered with the write by T%d at "
         "step %u",
         describe(&c, nb, sizeof nb), cur_, steps_, r.tid, r.step);
  }
}

void runtime::cell_write(cell_meta& c) {
  if (!active_checks()) return;
  if (const race r = hb_.cell_write(c, cur_, steps_); r.found) {
    char nb[96];
    fail(failure_kind::data_race,
         "data race on cell %s: write by T%d at step %u is unordered with the %s by T%d at "
         "step %u",
         describe(&c, nb, sizeof nb), cur_, steps_, r.with_write ? "write" : "read", r.tid, r.step);
  }
}

void runtime::race_on_init(const location& l) {
  char nb[96];
  fail(failure_kind::data_race,
       "data race: T%d accesses atomic %s at step %u, unordered with its construction by T%d at "
       "step %u (unsafe publication)",
       cur_, describe(&l, nb, sizeof nb), steps_, l.init_tid_, l.init_step_);
}

// ---------------------------------------------------------------- allocator

void* runtime::allocate(std::size_t size, std::size_t align, void (*dtor)(void*)) {
  return heap_.allocate(size, align, dtor, steps_);
}

bool runtime::destroy_begin(const void* p, const source_loc& loc) {
  const block* b = heap_.find(p);
  if (mode_ == mode::passive || mode_ == mode::off) return b != nullptr && !b->freed;
  if (b == nullptr) {
    loc_ = loc;
    fail(failure_kind::invalid_free,
         "invalid free: T%d destroys memory the model allocator never handed out", cur_);
  }
  if (b->freed) {
    loc_ = loc;
    char nb[96];
    fail(failure_kind::double_free,
         "double free: T%d destroys %s, already destroyed at step %u by T%d", cur_,
         describe(p, nb, sizeof nb), b->free_step, b->free_tid);
  }
  // The free is a write to every location of the object.
  const char* lo = b->ptr;
  const char* hi = b->ptr + b->size;
  for (location* l : registry_) {
    const char* a = reinterpret_cast<const char*>(l);
    if (a < lo || a >= hi) continue;
    const bool is_cell = l->kind_ == location::kind::cell;
    const race r = is_cell ? hb_.free_cell(static_cast<const cell_meta&>(*l), cur_)
                           : hb_.free_atomic(static_cast<const atomic_meta&>(*l), cur_);
    if (!r.found) continue;
    char nb[96];
    const char* name = describe(l, nb, sizeof nb);
    if (is_cell)
      fail(failure_kind::data_race,
           "data race: destroy by T%d at step %u is unordered with the %s of cell %s by T%d at "
           "step %u",
           cur_, steps_, r.with_write ? "write" : "read", name, r.tid, r.step);
    fail(failure_kind::data_race,
         "data race: destroy by T%d at step %u is unordered with the access to atomic %s by T%d "
         "at step %u (a free needs acquire ordering after every other thread's last access)",
         cur_, steps_, name, r.tid, r.step);
  }
  return true;
}

void runtime::destroy_end(const void* p, const source_loc&) {
  heap_.mark_freed(p, cur_, steps_, mode_ == mode::threads || mode_ == mode::main);
}

void runtime::check_freed(op o, const void* addr) {
  if (sched_.exiting(cur_) && mode_ == mode::threads) return;
  if (const block* b = heap_.freed_containing(addr)) {
    char nb[96];
    fail(failure_kind::use_after_free,
         "use after free: T%d %s on %s (in an object of %zu bytes allocated at step %u) freed at "
         "step %u by T%d",
         cur_, op_name(o), describe(addr, nb, sizeof nb), b->size, b->alloc_step, b->free_step,
         b->free_tid);
  }
}

// ---------------------------------------------------------------- residency

static const char* base_name(const char* path) {
  const char* s = std::strrchr(path, '/');
  return s != nullptr ? s + 1 : path;
}

static const char* text_name(const runtime& r, const void* text, char* buf, std::size_t n) {
  return r.describe(text, buf, n);
}

void runtime::check_residency(op o) {
  if (sched_.exiting(cur_) || o == op::exit_thread) return;
  if (const unmapped_text* u = res_.running_unmapped(cur_)) {
    char buf[96];
    fail(failure_kind::unloaded_text,
         "executing unloaded module text: T%d runs %s (%s:%u, %s) inside module text %s, "
         "which T%d unmapped at step %u",
         cur_, op_name(o), base_name(loc_.file), loc_.line, loc_.function,
         text_name(*this, u->text, buf, sizeof buf), u->tid, u->step);
  }
}

void runtime::text_enter(const void* text, const source_loc&) {
  if (mode_ != mode::threads) return;
  if (sched_.exiting(cur_)) return;
  if (const unmapped_text* u = res_.unmapped(text)) {
    char buf[96];
    fail(failure_kind::unloaded_text,
         "executing unloaded module text: T%d enters module text %s, which T%d unmapped at step "
         "%u",
         cur_, text_name(*this, text, buf, sizeof buf), u->tid, u->step);
  }
  if (!res_.push(cur_, text)) fail(failure_kind::invariant, "residency nested too deep");
}

void runtime::text_leave(const void* text, const source_loc&) {
  if (mode_ != mode::threads) return;
  if (res_.pop(cur_, text)) return;
  if (sched_.exiting(cur_)) return;  // exit_thread dropped the residency stack
  char buf[96];
  fail(failure_kind::invariant, "T%d leaves module text %s it is not innermost in", cur_,
       text_name(*this, text, buf, sizeof buf));
}

void runtime::text_unmap(const void* text, const source_loc&) { res_.unmap(text, steps_, cur_); }

void runtime::exit_thread(const thread_exit& how, const source_loc& loc) {
  if (mode_ != mode::threads) {
    loc_ = loc;
    fail(failure_kind::invariant, "exit_thread() called from setup()/check()");
  }
  thread_state& t = sched_.thread(cur_);
  // The thread ends here and never returns into its callers' text: unwinding
  // destructors are not steps of the modelled program.
  t.exiting = true;
  res_.drop(cur_);
  throw how;
}

// ---------------------------------------------------------------- stutters

void runtime::stutter_check(const atomic_meta& m, std::uint64_t expected, std::uint64_t desired,
                            std::memory_order success, std::memory_order failure,
                            const source_loc& loc) {
  const spurious_cas& p = spur_;
  if (mode_ != mode::threads || sched_.exiting(cur_) || p.meta != &m || p.expected != expected ||
      p.desired != desired || p.success != static_cast<std::uint8_t>(success) ||
      p.failure != static_cast<std::uint8_t>(failure) || p.loc.line != loc.line ||
      p.loc.file != loc.file || p.loc.function != loc.function)
    return;
  prune_execution();
}

wake_reason runtime::futex_sleep(const void* word, std::uint32_t expected, bool has_deadline,
                                 std::int64_t deadline, const source_loc& loc, atomic_meta* meta) {
  const wake_reason why = block_on(word, true, has_deadline, deadline, loc, meta);
  // Nothing ran since the wake-up (a spurious wake-up runs its thread at
  // once), so the queue is as the wake-up left it.
  // Under c11 only on an RMW-only word (hold_after_wait): else the held
  // load could not read a store that joins the modification order before
  // a newer one while the thread is awake (recheck_review_test.cc, a
  // spurious wake-up before the last step).
  if (why == wake_reason::spurious && prune_ && prune_stutters_ &&
      (meta != nullptr ? hold_after_wait(*meta) : mm_ != memory_model::c11) &&
      sched_.was_last_waiter(cur_, word))
    rewait_ = rewait_state{word, expected, has_deadline, deadline, cur_, 1, loc, true};
  // Woken by a wake: the resume is invisible to other threads (the wake
  // already took the thread off the queue and fixed what it will see), so
  // its next operation runs right after it, as one step (fuzz/model/
  // README.md, "Resumes").
  else if (why == wake_reason::woken && prune_ && prune_stutters_)
    resumed_ = static_cast<std::uint8_t>(cur_ + 1);
  return why;
}

// The woken thread's next point: hold a load of the word; anything else
// (or a later point) disarms.
bool runtime::rewait_point(op o, const void* addr, bool hold) noexcept {
  if (rewait_.phase == 1 && rewait_.tid == cur_ && o == op::load && addr == rewait_.word) {
    rewait_.phase = 2;
    return true;
  }
  rewait_ = rewait_state{};
  return hold;
}

void runtime::rewait_cut(const void* word, std::uint32_t expected, std::uint32_t latest,
                         bool has_deadline, std::int64_t deadline, const source_loc& loc) {
  const rewait_state w = rewait_;
  rewait_ = rewait_state{};
  // The held load went on (continuing_), read the value slept on, and this
  // wait — the one it woke from, by its place — sleeps on it again
  // (latest == expected) until the same deadline; and the source has
  // something to explore instead (may_cut_wakeup).
  const last_read& l = last_read_[cur_];
  if (w.may_cut && w.phase == 2 && w.tid == cur_ && continuing_ && w.word == word &&
      l.addr == word && l.value == expected && expected == w.value && latest == expected &&
      w.has_deadline == has_deadline && (!has_deadline || w.deadline == deadline) &&
      w.loc.line == loc.line && w.loc.file == loc.file && w.loc.function == loc.function &&
      mode_ == mode::threads && !sched_.exiting(cur_) && src_->may_cut_wakeup())
    prune_execution();
}

void runtime::prune_execution() {
  pruned_ = true;
  if (src_steps_)
    src_->on_step(step_info{cur_, op::check, nullptr, 0, 0, 0, false, stutter_note, false});
  // Traced runs (replays) never prune: nothing to record.
  return_to_native();
}

// ---------------------------------------------------------------- failures

void runtime::fail(failure_kind k, const char* fmt, ...) {
  if (mode_ == mode::passive || mode_ == mode::off || running_ == native_fiber) {
    std::va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "lastref::model: failure outside an execution: ");
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "\n");
    std::abort();
  }
  if (fail_kind_ == failure_kind::none) {
    if (src_steps_ && mode_ == mode::threads && k != failure_kind::deadlock)
      src_->on_step(step_info{cur_, op_, addr_, 0, 0, 0, false, "VIOLATION", true});
    fail_kind_ = k;
    fail_step_ = steps_;
    std::va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg_, sizeof msg_, fmt, ap);
    va_end(ap);
    if (tracing_) {
      trace_.record(trace_entry{steps_, cur_, op_, 0, static_cast<std::uint8_t>(res_.depth(cur_)),
                                loc_.file, loc_.line, loc_.function, addr_, 0, 0,
                                res_.innermost(cur_), "VIOLATION"});
    }
  }
  return_to_native();
}

void runtime::fail_budget() {
  fail(failure_kind::step_budget,
       "step budget exhausted: %u steps without finishing (livelock, or raise "
       "run_options::max_steps)",
       budget_);
}

// ---------------------------------------------------------------- trace

void runtime::label(const void* addr, const char* name) { trace_.label(addr, name); }

const char* runtime::describe(const void* addr, char* buf, std::size_t n) const noexcept {
  if (const char* l = trace_.label_of(addr)) return l;
  const long i = heap_.index_containing(addr);
  if (i < 0) return "unlabelled";
  const block& b = heap_.blocks()[static_cast<std::size_t>(i)];
  const char* base = trace_.label_of(b.ptr);
  const auto off = static_cast<std::size_t>(static_cast<const char*>(addr) - b.ptr);
  if (base != nullptr)
    std::snprintf(buf, n, "%s+%zu", base, off);
  else
    std::snprintf(buf, n, "obj%ld+%zu", i, off);
  return buf;
}

void runtime::note_slow(op o, const void* addr, const source_loc& loc, std::uint64_t a,
                        std::uint64_t b, std::uint8_t mo, const char* text_note) {
  if (mode_ == mode::passive || mode_ == mode::off) return;
  if (trace_.label_pending() && addr != nullptr) {
    trace_.apply_pending_label(addr);
    slow_note_ = tracing_ || obs_ != nullptr || src_steps_;
  }
  if (tracing_) {
    trace_.record_operation(
        trace_entry{steps_, cur_, o, mo, static_cast<std::uint8_t>(res_.depth(cur_)), loc.file,
                    loc.line, loc.function, addr, a, b, res_.innermost(cur_), text_note});
  }
  trace_.clear_reads_from();
  if (obs_ != nullptr) {
    const bool reads = o == op::load || o == op::cell_read || o == op::cas_fail;
    obs_->on_step(cur_, o, loc, addr, reads ? a : b);
  }
  if (src_steps_)
    src_->on_step(
        step_info{cur_, o, addr, a, b, mo, mode_ == mode::main, text_note, false, continuing_});
  cas_budget_ = 0;  // reported with its CAS's step only
}

void runtime::sched_event(op o, int tid, const char* text_note, std::uint64_t value) {
  if (!slow_note_) return;
  if (tracing_) {
    static constexpr source_loc none{"", 0, ""};
    trace_.record(trace_entry{steps_, static_cast<std::uint8_t>(tid), o, 0, 0, none.file, 0,
                              none.function, nullptr, value == ~0ull ? cur_ : value, 0, nullptr,
                              text_note});
  }
  if (obs_ != nullptr) {
    static constexpr source_loc none{"", 0, ""};
    obs_->on_step(tid, o, none, nullptr, 0);
  }
  if (src_steps_ && o != op::preempt)
    src_->on_step(step_info{tid, o, nullptr, 0, 0, 0, mode_ == mode::main, text_note});
}

}  // namespace lastref::model::detail
