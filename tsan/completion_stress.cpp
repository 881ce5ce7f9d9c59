// SPDX-License-Identifier: MIT
// completion_stress — real threads on a completion: complete / wait /
// wait_for / try_wait / complete_all / reinit, with waiters that free the
// completion the moment their wait returns.
//
// Scenarios (--scenario):
//   mixed    (default) rounds of three phases, all threads, barriers between:
//            handoff    threads in pairs: the waiter allocates a completion on
//                       the heap and hands it over; the completer writes a
//                       message (plain) and completes; the waiter waits (wait,
//                       a wait_for loop, or a try_wait spin, chosen by seed),
//                       reads the message and deletes the completion at once.
//            broadcast  thread 0 writes a message and complete_all()s a shared
//                       completion; every other thread waits 1..3 times and
//                       reads it; then thread 0 checks done() and reinit()s.
//            counting   odd threads complete a shared completion k times,
//                       even threads consume k completions; afterwards it
//                       must be empty again.
//   handoff  only the handoff phase. With --handshake the completer is held
//            inside complete() (at the primitive's Platform::preemption_point,
//            if it has one) until its waiter has freed the completion, so a
//            complete() that touches the completion after the store that
//            lets the waiter go (zoo item 9) is a use-after-free every round;
//            its waiters then only use wait_for and try_wait, which do not
//            depend on the held completer's wake.
//            Odd thread counts leave the last thread idle.
// Variants: correct (lastref::basic_completion), touch_after_complete (zoo 9).
//
// Oracle: a wait returns only after a matching complete (the message is
// there), complete_all lets every wait through until reinit, completions are
// neither lost nor duplicated (the counting phase ends empty).

#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <lastref/completion.h>
#include <lastref/testing/completion_probe.h>

#include "harness/barrier.h"
#include "harness/jitter.h"
#include "harness/options.h"
#include "harness/report.h"
#include "harness/run.h"
#include "primitives/zoo/touch_after_complete.h"

namespace {

using namespace lastref::tsan;
using lastref::tsan::harness_platform;

struct settings {
  std::string scenario = "mixed";
  bool handshake = false;
  uint64_t count = 4;  // counting phase: completions per completer
};

constexpr auto handshake_timeout = std::chrono::milliseconds(200);

// One handoff: the completion and the message live in one heap block that
// the waiter frees as soon as its wait returns.
template <class Completion>
struct parcel {
  Completion done;
  uint64_t message = 0;  // plain: ordered only by complete -> wait
};

// Per pair, reused every round. The pointer is handed over with
// release/acquire (which orders only the allocation, before any use); the
// `freed` flag is relaxed on purpose (it must not order the completer's
// accesses inside complete() before the free).
template <class Completion>
struct pair_slot {
  std::atomic<parcel<Completion>*> parcel_{nullptr};
  std::atomic<bool> freed{false};
};

template <class Completion>
void completer_hook(void* ctx) {
  auto* slot = static_cast<pair_slot<Completion>*>(ctx);
  wait_until([slot] { return slot->freed.load(std::memory_order_relaxed); }, handshake_timeout);
}

// Consumes one completion by a seeded choice of wait, wait_for (in a loop)
// or try_wait (spinning). With may_sleep false the waiter never sleeps
// without a timeout, so it cannot depend on the wake of a completer that the
// --handshake holds before its wake.
template <class Completion>
void wait_somehow(Completion& c, bool may_sleep = true) {
  switch (may_sleep ? jitter::below(4) : 2 + jitter::below(2)) {
    case 0:
    case 1:
      c.wait();
      return;
    case 2:
      while (!c.wait_for(std::chrono::microseconds(50))) report::add(report::stats().wakeups);
      return;
    default:
      while (!c.try_wait()) {
        jitter::point();
        sched_yield();
      }
      return;
  }
}

template <class Completion>
class rounds {
 public:
  rounds(const options& opt, const settings& s)
      : opt_(opt), s_(s), bar_(opt.threads), slots_(opt.threads / 2 + 1) {}

  void run() {
    bound b(opt_);
    run_workers(opt_.threads, [&](unsigned t) {
      for (uint64_t r = 0;; ++r) {
        if (t == 0) stop_ = !b.more(r);
        bar_.wait();
        if (stop_) return;
        handoff(t, r);
        if (s_.scenario == "mixed") {
          bar_.wait();
          broadcast(t, r);
          bar_.wait();  // every broadcast waiter returned
          if (t == 0) check_and_reinit_broadcast();
          bar_.wait();
          counting(t);
          bar_.wait();  // every completion produced and consumed
          if (t == 0) check_counting();
        }
        bar_.wait();  // nobody reads stop_ while thread 0 writes it
      }
    });
  }

 private:
  void handoff(unsigned t, uint64_t r) {
    unsigned pair = t / 2;
    if (pair * 2 + 1 >= opt_.threads) return;  // odd one out
    pair_slot<Completion>& slot = slots_[pair];
    if (t % 2 == 0) {  // waiter: owns the parcel
      slot.freed.store(false, std::memory_order_relaxed);
      auto* p = new parcel<Completion>;
      slot.parcel_.store(p, std::memory_order_release);
      wait_somehow(p->done, !s_.handshake);
      if (p->message != r + 1) report::violation("handoff: wait returned before complete");
      delete p;  // at once: complete() may not touch it any more
      slot.freed.store(true, std::memory_order_relaxed);
      report::add(report::stats().wakeups);
    } else {  // completer
      parcel<Completion>* p = nullptr;
      while ((p = slot.parcel_.exchange(nullptr, std::memory_order_acquire)) == nullptr)
        sched_yield();
      p->message = r + 1;
      jitter::point();
      if (s_.handshake) set_preemption_hook(&completer_hook<Completion>, &slot);
      p->done.complete();
      if (s_.handshake) set_preemption_hook(nullptr, nullptr);
    }
    report::add(report::stats().operations);
  }

  void broadcast(unsigned t, uint64_t r) {
    if (t == 0) {
      bc_message_ = r + 1;
      jitter::point();
      bc_.complete_all();
      report::add(report::stats().operations);
      return;
    }
    for (uint64_t k = 0, n = 1 + jitter::below(3); k < n; ++k) {
      wait_somehow(bc_);
      if (bc_message_ != r + 1) report::violation("broadcast: wait returned before complete_all");
      report::add(report::stats().wakeups);
      report::add(report::stats().operations);
    }
  }

  void check_and_reinit_broadcast() {
    if (!bc_.done() || !bc_.try_wait()) report::violation("complete_all did not stay done");
    bc_.reinit();
    if (bc_.done() || bc_.try_wait()) report::violation("reinit did not reset the completion");
  }

  void check_counting() {
    if (cnt_.done() || lastref::testing::completion_count(cnt_) != 0u || cnt_.try_wait())
      report::violation("counting: %u completions left over (lost or duplicated)",
                        static_cast<unsigned>(lastref::testing::completion_count(cnt_)));
  }

  void counting(unsigned t) {
    unsigned pairs = opt_.threads / 2;
    if (t / 2 >= pairs) return;
    for (uint64_t k = 0; k < s_.count; ++k) {
      if (t % 2 == 1) {
        jitter::point();
        cnt_.complete();
      } else {
        wait_somehow(cnt_);
        report::add(report::stats().wakeups);
      }
      report::add(report::stats().operations);
    }
  }

  const options& opt_;
  const settings& s_;
  barrier bar_;
  std::vector<pair_slot<Completion>> slots_;
  bool stop_ = false;  // written by thread 0 before a barrier
  Completion bc_;
  uint64_t bc_message_ = 0;  // plain: ordered by complete_all -> wait
  Completion cnt_;
};

}  // namespace

int main(int argc, char** argv) {
  harness_info info{"completion_stress",
                    "completion complete/wait/wait_for/try_wait/complete_all/reinit; waiters free",
                    {"correct", "touch_after_complete"},
                    4,
                    2000,
                    2};
  settings s;
  std::vector<extra_option> extra{
      choice_option("scenario", "what the threads do (see the source)", {"mixed", "handoff"},
                    &s.scenario),
      extra_option{"handshake", "hold the completer inside complete() until its waiter freed",
                   [&s](std::string_view) { return s.handshake = true; }, true},
      number_option("count", "completions per completer in the counting phase", 1, 1000, &s.count),
  };
  options opt = parse_options(argc, argv, info, extra);
  jitter::configure(opt.seed, opt.jitter);
  report::start();
  if (opt.variant == "touch_after_complete")
    rounds<lastref::zoo::touch_after_complete_completion<harness_platform>>(opt, s).run();
  else
    rounds<lastref::basic_completion<harness_platform>>(opt, s).run();
  return report::finish(info, opt);
}
