// SPDX-License-Identifier: MIT
#pragma once
// The scheduler: the virtual threads' records and the sets the schedule
// source chooses from (runnable threads, blocked threads whose timeout can
// fire, futex waiters that may wake spuriously), blocking and waking, the
// virtual clock, and the spurious wake-up / spurious CAS budgets. Private to
// fuzz/model.
//
// Contract: the runtime (the execution core) owns one and asks it; it
// decides nothing itself. Which thread runs, which timeout fires and which
// spurious wake-up happens are decisions of the schedule source, taken by
// the runtime over the sets offered here (runnable(), timeouts(),
// spurious_offer()) and applied back with make_runnable(). Tracing those
// events is the runtime's job too. Thread ids are 0..threads()-1 and index
// 8-bit masks (max_threads is 8).
//
// Lifetime rule: begin_execution() resets the records the last execution
// used and the budgets; start() makes the program's threads runnable.
//
// Memory ordering: not applicable (one OS thread, the execution's: all
// virtual threads are fibers of it and switch only inside runtime calls).

#include <cstdint>

#include <lastref/model/detail/location.h>
#include <lastref/model/limits.h>

namespace lastref::model::detail {

enum class tstatus : std::uint8_t { idle, runnable, blocked, finished };
enum class wake_reason : std::uint8_t { none, woken, timeout, spurious };

struct thread_state {
  tstatus st = tstatus::idle;
  wake_reason reason = wake_reason::none;
  bool exiting = false;
  bool spurious_ok = false;  // a futex waiter (mutex waiters never wake spuriously)
  bool has_deadline = false;
  const void* wait_addr = nullptr;
  std::int64_t deadline = 0;
  std::uint64_t wait_seq = 0;
  atomic_meta* wait_word = nullptr;  // c11: the futex word it sleeps on
  std::uint32_t woke_mo = 0;         // c11: the word's latest store when a wake chose it
};

class scheduler {
 public:
  // ---- per execution ----
  // `max_spurious` / `max_spurious_cas`: run_options' budgets.
  void begin_execution(std::uint8_t max_spurious, std::uint8_t max_spurious_cas) noexcept {
    for (int i = 0; i < used_; ++i) th_[i] = thread_state{};
    used_ = 0;
    runnable_ = timeout_ = spurious_wait_ = 0;
    gated_ = 0;
    spurious_left_ = max_spurious;
    spurious_cas_left_ = max_spurious_cas;
    wait_seq_ = 0;
    now_ = 1'000'000'000;  // virtual time starts at 1 s so deadlines near 0 stay distinct
  }
  // The program has `n` threads (1..max_threads, checked by the caller).
  void set_threads(int n) noexcept {
    nthreads_ = n;
    used_ = n;
  }
  // Symmetry (program::symmetry_class): thread t may not run before
  // `twin[t]` (its previous twin, or -1) has taken its first step.
  void set_twins(const int* twin) noexcept {
    for (int i = 0; i < nthreads_; ++i) opens_[i] = 0;
    for (int i = 0; i < nthreads_; ++i)
      if (twin[i] >= 0) {
        gated_ |= static_cast<std::uint8_t>(1u << i);
        opens_[twin[i]] |= static_cast<std::uint8_t>(1u << i);
      }
  }
  // Every thread becomes runnable (after setup()), but a gated twin.
  void start() noexcept {
    for (int i = 0; i < nthreads_; ++i) th_[i].st = tstatus::runnable;
    runnable_ = static_cast<std::uint8_t>(((1u << nthreads_) - 1u) & ~gated_);
  }
  // Threads still waiting for their previous twin's first step.
  [[nodiscard]] std::uint8_t gated() const noexcept { return gated_; }
  // Thread t takes its first step (or finishes without one): the twin it
  // gates may run. A gated thread has not started, so it is runnable.
  void first_step(int t) noexcept {
    const std::uint8_t open = opens_[t] & gated_;
    runnable_ |= open;
    gated_ &= static_cast<std::uint8_t>(~open);
    opens_[t] = 0;
  }
  [[nodiscard]] int threads() const noexcept { return nthreads_; }

  // ---- the sets a decision chooses from (hot: inline) ----
  [[nodiscard]] std::uint8_t runnable() const noexcept { return runnable_; }
  [[nodiscard]] std::uint8_t timeouts() const noexcept { return timeout_; }
  // Futex waiters that may wake spuriously now: none once the budget is
  // spent, or when nothing else could run (a spurious wake-up is no escape
  // from a deadlock).
  [[nodiscard]] std::uint8_t spurious_offer() const noexcept {
    return spurious_left_ != 0 && (runnable_ | timeout_) != 0 ? spurious_wait_ : 0;
  }
  // A thread other than `cur` can take a step (runnable, or a timeout /
  // spurious wake-up on offer).
  [[nodiscard]] bool others_can_run(int cur) const noexcept {
    return ((runnable_ & ~(1u << cur)) | timeout_ | spurious_offer()) != 0;
  }

  // A thread other than `cur` is runnable or will time out: the steps that
  // are sure to come (a spurious wake-up may never come).
  [[nodiscard]] bool others_will_run(int cur) const noexcept {
    return ((runnable_ & ~(1u << cur)) | timeout_) != 0;
  }

  // ---- thread records ----
  [[nodiscard]] thread_state& thread(int t) noexcept { return th_[t]; }
  [[nodiscard]] const thread_state& thread(int t) const noexcept { return th_[t]; }
  [[nodiscard]] bool exiting(int t) const noexcept { return th_[t].exiting; }
  // Thread t returned from its body.
  void finish(int t) noexcept {
    th_[t].st = tstatus::finished;
    runnable_ &= static_cast<std::uint8_t>(~(1u << t));
    if (gated_ != 0) first_step(t);
  }

  // ---- blocking and waking ----
  [[nodiscard]] std::int64_t now() const noexcept { return now_; }
  // Thread t sleeps on `addr` (a futex word when `futex`, else a mutex);
  // the caller then picks another thread. `word`: see thread_state.
  void block(int t, const void* addr, bool futex, bool has_deadline, std::int64_t deadline,
             atomic_meta* word) noexcept {
    thread_state& s = th_[t];
    const auto bit = static_cast<std::uint8_t>(1u << t);
    s.st = tstatus::blocked;
    s.reason = wake_reason::none;
    s.wait_addr = addr;
    s.spurious_ok = futex;
    s.has_deadline = has_deadline;
    s.deadline = deadline;
    s.wait_seq = ++wait_seq_;
    s.wait_word = word;
    runnable_ &= static_cast<std::uint8_t>(~bit);
    if (has_deadline) timeout_ |= bit;
    if (futex) spurious_wait_ |= bit;
  }
  // The thread blocked longest on `addr` (FIFO, as the kernel's futex hash
  // bucket queues), or -1.
  [[nodiscard]] int oldest_waiter(const void* addr) const noexcept {
    int best = -1;
    for (int i = 0; i < nthreads_; ++i) {
      const thread_state& s = th_[i];
      if (s.st == tstatus::blocked && s.wait_addr == addr &&
          (best < 0 || s.wait_seq < th_[best].wait_seq))
        best = i;
    }
    return best;
  }
  // Thread t, just woken from `addr`, had blocked after every thread still
  // blocked there (it was last in the FIFO queue).
  [[nodiscard]] bool was_last_waiter(int t, const void* addr) const noexcept {
    for (int i = 0; i < nthreads_; ++i) {
      const thread_state& s = th_[i];
      if (i != t && s.st == tstatus::blocked && s.wait_addr == addr && s.wait_seq > th_[t].wait_seq)
        return false;
    }
    return true;
  }
  // Blocked thread t runs again, for `why`. A timeout advances virtual time
  // to its deadline; a spurious wake-up spends one of the budget.
  void make_runnable(int t, wake_reason why) noexcept {
    thread_state& s = th_[t];
    const auto bit = static_cast<std::uint8_t>(1u << t);
    s.st = tstatus::runnable;
    s.reason = why;
    s.wait_addr = nullptr;
    runnable_ |= bit;
    timeout_ &= static_cast<std::uint8_t>(~bit);
    spurious_wait_ &= static_cast<std::uint8_t>(~bit);
    if (why == wake_reason::timeout) {
      if (s.deadline > now_) now_ = s.deadline;
    } else if (why == wake_reason::spurious) {
      --spurious_left_;
    }
  }

  // ---- spurious compare_exchange_weak failures (c11) ----
  [[nodiscard]] bool spurious_cas_left() const noexcept { return spurious_cas_left_ != 0; }
  void spend_spurious_cas() noexcept { --spurious_cas_left_; }

 private:
  thread_state th_[max_threads];
  // Records the last execution may have written (its thread count): the
  // only ones begin_execution() clears, so a 2-thread program does not pay
  // for zeroing all max_threads records.
  int used_ = max_threads;
  int nthreads_ = 0;
  std::uint8_t runnable_ = 0;
  std::uint8_t timeout_ = 0;              // blocked with a deadline
  std::uint8_t spurious_wait_ = 0;        // futex waiters
  std::uint8_t gated_ = 0;                // twins not yet allowed to run (set_twins)
  std::uint8_t opens_[max_threads] = {};  // twins thread t's first step lets run
  std::uint8_t spurious_left_ = 0;
  std::uint8_t spurious_cas_left_ = 0;
  std::uint64_t wait_seq_ = 0;  // orders waiters for FIFO wake-ups
  std::int64_t now_ = 0;        // virtual time, ns
};

}  // namespace lastref::model::detail
