// SPDX-License-Identifier: MIT
// module_stress — real threads on the module protocol: try_get / put /
// call_in_text while an unloader unloads, with DESIGN.md's reference bug as
// the workload.
//
// Each round: a live module and a device object (kref, count 1: the
// unloader's) published in a lookup table. Workers loop: try_get the module,
// and inside its text look the device up (get_unless_zero under the table
// lock), use it, and either put it at once or keep the reference past their
// module put — so the device's last put, whose release signals the
// completion the unloader waits on, can come from a thread that holds no
// module reference: exactly the reference bug's thread A. Thread 0 is the
// unloader: after a seeded delay it calls unload() until it succeeds
// (would_block while workers hold module references); the exit callback
// unpublishes the device, drops its own reference and waits for the release.
//
// Variants (placement of the device's release, unload policy):
//   builtin           builtin,  immediate       correct (dm-builtin.c fix)
//   drain             module,   drain_residency correct
//   module_immediate  module,   immediate       the reference bug
// --preempt-after-complete holds the releasing thread right after complete()
// until the module is gone or the unloader drains residency (bounded), which
// makes module_immediate fail every round.
//
// Oracle (harness platform text hooks, relaxed counters that add no
// synchronisation): no thread may enter or leave the module's text after
// text_unmap, and none may be inside it at text_unmap; a successful try_get
// after unload, a busy unload of a live module, or a device leak are
// violations too.

#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>

#include "harness/barrier.h"
#include "harness/jitter.h"
#include "harness/options.h"
#include "harness/report.h"
#include "harness/run.h"

namespace {

using namespace lastref::tsan;

constexpr unsigned max_threads = 256;
// Bounds a round whose protocol is broken (an unload that never succeeds, a
// release that never comes); a correct round takes milliseconds.
constexpr auto round_timeout = std::chrono::seconds(10);

// The text oracle for the current round's module (one module at a time).
// Relaxed: it observes the protocol and must not add happens-before edges.
struct text_oracle {
  static inline std::atomic<const void*> current{nullptr};
  static inline std::atomic<int> residents{0};
  static inline std::atomic<bool> unmapped{false};
  // The futex word a thread is blocked on in futex_wait (only the unloader
  // ever blocks without a deadline: with drain_residency, on the module's
  // residency word; its wait on `released` is a wait_for, which does not
  // record). Lets --preempt-after-complete tell "draining".
  static inline std::atomic<const void*> blocked_on{nullptr};
};

thread_local bool t_is_unloader = false;

struct module_platform : harness_platform {
  static void futex_wait(atomic<uint32_t>& word, uint32_t expected) noexcept {
    text_oracle::blocked_on.store(&word, std::memory_order_relaxed);
    harness_platform::futex_wait(word, expected);
    text_oracle::blocked_on.store(nullptr, std::memory_order_relaxed);
  }
  static void text_enter(const void* text) noexcept {
    if (text != text_oracle::current.load(std::memory_order_relaxed)) return;
    if (text_oracle::unmapped.load(std::memory_order_relaxed))
      report::violation("a thread entered the module's text after it was unmapped");
    text_oracle::residents.fetch_add(1, std::memory_order_relaxed);
  }
  static void text_leave(const void* text) noexcept {
    if (text != text_oracle::current.load(std::memory_order_relaxed)) return;
    if (text_oracle::unmapped.load(std::memory_order_relaxed))
      report::violation("a thread returned into the module's text after it was unmapped");
    text_oracle::residents.fetch_sub(1, std::memory_order_relaxed);
  }
  static void text_unmap(const void* text) noexcept {
    if (text != text_oracle::current.load(std::memory_order_relaxed)) return;
    text_oracle::unmapped.store(true, std::memory_order_relaxed);
    if (int n = text_oracle::residents.load(std::memory_order_relaxed); n != 0)
      report::violation("the module's text was unmapped while %d thread(s) executed it", n);
  }
};

using kref_t = lastref::basic_kref<module_platform>;
using completion_t = lastref::basic_completion<module_platform>;
using module_t = lastref::basic_module<module_platform>;

struct settings {
  lastref::release_placement placement = lastref::release_placement::builtin;
  lastref::unload_policy policy = lastref::unload_policy::immediate;
  bool preempt_after_complete = false;
};

struct device {
  kref_t ref;                          // first: release gets &ref back
  std::atomic<int> holders{0};         // oracle, relaxed
  uint64_t scratch[max_threads] = {};  // slot t: plain, written by thread t while holding
};

device* device_of(kref_t& ref) {
  static_assert(std::is_standard_layout_v<device>);
  return reinterpret_cast<device*>(&ref);
}

struct round_state {
  const settings& s;
  completion_t released;               // signalled by the device's release
  std::mutex lock;                     // the lookup table's lock
  device* slot = nullptr;              // guarded by lock
  std::atomic<bool> stopping{false};   // hint to workers; relaxed
  std::atomic<uint64_t> progress{0};   // worker iterations, paces the unloader; relaxed
  std::atomic<bool> abandoned{false};  // the unloader gave up: workers stop; relaxed
  module_t mod;

  explicit round_state(const settings& st)
      : s(st),
        mod(
            "stress",
            [this] {
              device* d;
              {
                std::lock_guard<std::mutex> g(lock);
                d = std::exchange(slot, nullptr);
              }
              drop(d);  // the unloader's kobject_put
              // wait_for_completion, bounded so that a broken protocol that
              // never releases cannot hang the harness.
              if (released.wait_for(round_timeout))
                report::add(report::stats().wakeups);
              else
                report::violation("the device's release never signalled the unloader");
            },
            st.policy) {
    slot = new device;
  }

  void release(kref_t& ref) {
    device* d = device_of(ref);
    lastref::run_placed(s.placement, mod, [&] {
      if (int h = d->holders.load(std::memory_order_relaxed); h != 0)
        report::violation("device released while %d holder(s) used it", h);
      delete d;
      report::add(report::stats().releases);
      released.complete();
      // The reference bug's window: still in this code after complete().
      // Held until the unloader is done (gone) or is draining residency
      // (blocked on a futex word other than `released`, see module_platform);
      // never in the unloader's own thread, which would wait for itself.
      if (s.preempt_after_complete && !t_is_unloader)
        wait_until(
            [this] {
              auto* w =
                  static_cast<const char*>(text_oracle::blocked_on.load(std::memory_order_relaxed));
              auto* c = reinterpret_cast<const char*>(&released);
              bool on_completion = w >= c && w < c + sizeof released;
              return mod.state() == lastref::module_state::gone || (w != nullptr && !on_completion);
            },
            std::chrono::milliseconds(200));
      else
        jitter::point();
    });
  }

  void drop(device* d) {
    d->ref.put([this](kref_t& r) { release(r); });
  }
};

void worker(round_state& rs, unsigned t) {
  device* held = nullptr;
  for (uint64_t i = 0;; ++i) {
    if (held != nullptr && jitter::one_in(3)) {
      rs.drop(std::exchange(held, nullptr));  // may be the last: release without a module ref
      report::add(report::stats().operations);
    }
    if (rs.mod.state() == lastref::module_state::gone) break;
    if (rs.abandoned.load(std::memory_order_relaxed)) {
      if (held != nullptr) rs.drop(std::exchange(held, nullptr));
      return;
    }
    rs.progress.fetch_add(1, std::memory_order_relaxed);
    if (rs.stopping.load(std::memory_order_relaxed) && !jitter::one_in(8)) {
      // An unload is under way: leave it the CPU (threads may outnumber
      // cores), still racing try_get against it one time in eight.
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      continue;
    }
    report::add(report::stats().operations);
    if (!rs.mod.try_get()) {
      // Going: the unloader's exit callback must get the CPU to finish.
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      continue;
    }
    rs.mod.call_in_text([&] {
      device* d = nullptr;
      {
        std::lock_guard<std::mutex> g(rs.lock);
        if (rs.slot != nullptr && rs.slot->ref.get_unless_zero()) d = rs.slot;
      }
      report::add(report::stats().operations);
      if (d == nullptr) return;
      d->holders.fetch_add(1, std::memory_order_relaxed);
      d->scratch[t] = i;
      jitter::point();
      d->holders.fetch_sub(1, std::memory_order_relaxed);
      if (held == nullptr && jitter::one_in(2))
        held = d;  // kept past the module reference
      else
        rs.drop(d);
    });
    rs.mod.put();
  }
  if (held != nullptr) report::violation("module gone while a worker still held the device");
}

void unloader(round_state& rs) {
  t_is_unloader = true;
  // A seeded delay measured in worker progress, not in yields: when threads
  // outnumber cores, each yield can cost a whole time slice.
  uint64_t target = jitter::below(256);
  wait_until([&] { return rs.progress.load(std::memory_order_relaxed) >= target; },
             std::chrono::seconds(1));
  rs.stopping.store(true, std::memory_order_relaxed);
  auto deadline = std::chrono::steady_clock::now() + round_timeout;
  for (;;) {
    auto r = rs.mod.unload();
    report::add(report::stats().operations);
    if (r == lastref::unload_result::ok) break;
    if (std::chrono::steady_clock::now() > deadline) {
      report::violation("unload kept returning would_block for %lld s",
                        static_cast<long long>(round_timeout.count()));
      rs.abandoned.store(true, std::memory_order_relaxed);
      return;
    }
    if (r == lastref::unload_result::busy) {
      report::violation("unload of a live module returned busy");
      return;
    }
    sched_yield();  // would_block: workers still hold module references
  }
  report::add(report::stats().unloads);
  if (rs.mod.state() != lastref::module_state::gone)
    report::violation("unload returned ok but the module is not gone");
  if (rs.mod.try_get()) report::violation("try_get succeeded on an unloaded module");
}

void run(const options& opt, const settings& s) {
  barrier bar(opt.threads);
  std::unique_ptr<round_state> rs;  // replaced by thread 0 between barriers
  bool stop = false;
  bound b(opt);
  run_workers(opt.threads, [&](unsigned t) {
    for (uint64_t r = 0;; ++r) {
      if (t == 0) {
        rs.reset();
        stop = !b.more(r);
        if (!stop) {
          rs = std::make_unique<round_state>(s);
          text_oracle::current.store(rs->mod.text(), std::memory_order_relaxed);
          text_oracle::residents.store(0, std::memory_order_relaxed);
          text_oracle::unmapped.store(false, std::memory_order_relaxed);
          rs->mod.mark_live();
        }
      }
      bar.wait();
      if (stop) return;
      if (t == 0)
        unloader(*rs);
      else
        worker(*rs, t);
      bar.wait();
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  harness_info info{"module_stress",
                    "module try_get/put/call_in_text vs unload, with the reference bug's release",
                    {"builtin", "drain", "module_immediate"},
                    4,
                    300,
                    2};
  settings s;
  std::vector<extra_option> extra{
      extra_option{"preempt-after-complete",
                   "hold the releasing thread after complete() until the module is gone",
                   [&s](std::string_view) { return s.preempt_after_complete = true; }, true},
  };
  options opt = parse_options(argc, argv, info, extra);
  if (opt.variant == "drain") {
    s.placement = lastref::release_placement::module;
    s.policy = lastref::unload_policy::drain_residency;
  } else if (opt.variant == "module_immediate") {
    s.placement = lastref::release_placement::module;
  }
  jitter::configure(opt.seed, opt.jitter);
  report::start();
  run(opt, s);
  return report::finish(info, opt);
}
