// SPDX-License-Identifier: MIT
// kref_stress — real threads on a kref: get / put / put_lock / put_mutex /
// get_unless_zero with lookups in a table under a lock (the kref.rst pattern).
//
// Scenarios (--scenario):
//   table        (default) every worker loops: look a random key up under the
//                table lock (get_unless_zero, or create and insert), use the
//                object (a plain write to its own slot of the object, which
//                races with the free if the kref is wrong), sometimes take and
//                drop a nested reference, then drop it with put (release takes
//                the lock to unpublish), put_lock or put_mutex (release runs
//                with the lock held and unlocks).
//   pair         rounds: one object with one reference per thread; every
//                thread writes its slot, then puts; the last put frees. No
//                other synchronisation orders the writes before the free, so
//                a put without release/acquire (zoo item 2) is a data race
//                in round 1.
//   lookup_race  rounds, 2 threads: V holds the only reference and puts it;
//                L looks the object up. A preemption hook holds V inside put
//                (at the primitive's Platform::preemption_point(), if it has
//                one) until L's lookup is done, so a check-then-decrement put
//                (zoo item 6) frees an object L holds, every round. The
//                handshake flags are relaxed: they add no happens-before
//                edge that could hide the race.
// Variants (--variant): correct (lastref::basic_kref), relaxed_put (zoo 2),
// check_then_dec (zoo 6), all over harness_platform.
//
// Oracle: release must run exactly once, never while a holder is counted
// (`holders`), and a lookup must never return a released object; at the end
// every object must have been released (no leak). --quarantine keeps
// released objects (poisoned) instead of freeing them, so that in builds
// without TSan a broken variant shows up as a VIOLATION instead of undefined
// behaviour.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include <lastref/kref.h>

#include "harness/barrier.h"
#include "harness/jitter.h"
#include "harness/options.h"
#include "harness/report.h"
#include "harness/run.h"
#include "primitives/zoo/check_then_dec_kref.h"
#include "primitives/zoo/relaxed_put_kref.h"

namespace {

using namespace lastref::tsan;
using lastref::tsan::harness_platform;

constexpr unsigned max_threads = 256;

struct settings {
  std::string scenario = "table";
  uint64_t keys = 8;
  bool quarantine = false;
};

template <class Kref>
struct object {
  Kref ref;  // first: release gets &ref back
  unsigned key = 0;
  // Oracle, relaxed: statistics of the protocol, never a synchronisation edge.
  std::atomic<int> holders{0};
  std::atomic<bool> dead{false};
  // Slot t is written only by thread t while it holds a reference: plain
  // data whose only ordering against the free is the kref's.
  uint64_t scratch[max_threads] = {};

  explicit object(unsigned k) : key(k) {}
};

template <class Kref>
object<Kref>* object_of(Kref& ref) {
  static_assert(std::is_standard_layout_v<object<Kref>>);
  return reinterpret_cast<object<Kref>*>(&ref);
}

template <class Kref>
class world {
 public:
  using obj = object<Kref>;

  explicit world(const settings& s) : s_(s), slot_(s.keys, nullptr) {}
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  ~world() {
    for (obj* o : quarantined_) delete o;
  }

  obj* make(unsigned key) {
    report::add(created_);
    return new obj(key);
  }

  // The release functions. put(): the lock is not held.
  void release_unlocked(Kref& ref) {
    obj* o = object_of(ref);
    {
      std::lock_guard<std::mutex> g(lock_);
      unpublish(o);
    }
    finish(o);
  }
  // put_lock / put_mutex: called with the lock held; must unlock.
  void release_locked(Kref& ref) {
    obj* o = object_of(ref);
    unpublish(o);
    lock_.unlock();
    finish(o);
  }
  // pair: never published.
  void release_private(Kref& ref) { finish(object_of(ref)); }

  // Lookup under the lock: a reference to the key's object, creating it if
  // absent; null if it is dying (count 0, release pending).
  obj* lookup(unsigned key, bool create) {
    std::lock_guard<std::mutex> g(lock_);
    obj* o = slot_[key];
    if (o == nullptr) {
      if (!create) return nullptr;
      o = make(key);
      slot_[key] = o;
      return o;
    }
    if (!o->ref.get_unless_zero()) return nullptr;
    if (o->dead.load(std::memory_order_relaxed))
      report::violation("lookup took a reference to a released object (key %u)", key);
    return o;
  }

  void publish(obj* o) {
    std::lock_guard<std::mutex> g(lock_);
    slot_[o->key] = o;
  }

  // Drops a reference by a randomly chosen put flavour.
  bool drop(obj* o) {
    switch (jitter::below(3)) {
      case 0:
        return o->ref.put([this](Kref& r) { release_unlocked(r); });
      case 1:
        return o->ref.put_lock([this](Kref& r) { release_locked(r); }, lock_);
      default:
        return o->ref.put_mutex([this](Kref& r) { release_locked(r); }, lock_);
    }
  }

  std::mutex& lock() { return lock_; }

  // After every worker joined: whatever is still published was never
  // released.
  void check_leaks() {
    for (obj*& o : slot_) {
      if (o == nullptr) continue;
      if (o->dead.load(std::memory_order_relaxed)) {
        report::violation("key %u still published after its release", o->key);
        if (!s_.quarantine) delete o;  // (a quarantined one is freed with the quarantine)
      } else {
        report::violation("leak: key %u still published with count %u after every put", o->key,
                          o->ref.read());
        delete o;
      }
      o = nullptr;
    }
  }

 private:
  void unpublish(obj* o) {
    if (slot_[o->key] == o) slot_[o->key] = nullptr;
  }

  void finish(obj* o) {
    if (int h = o->holders.load(std::memory_order_relaxed); h != 0)
      report::violation("release ran while %d holder(s) still held a reference (key %u)", h,
                        o->key);
    if (o->dead.exchange(true, std::memory_order_relaxed)) {
      report::violation("release ran twice (key %u)", o->key);
      if (s_.quarantine) return;  // already quarantined (without it: a double free)
    }
    report::add(report::stats().releases);
    if (s_.quarantine) {
      std::lock_guard<std::mutex> g(quarantine_lock_);
      quarantined_.push_back(o);
    } else {
      delete o;
    }
  }

  const settings& s_;
  std::mutex lock_;         // the lookup table's lock
  std::vector<obj*> slot_;  // guarded by lock_
  std::atomic<uint64_t> created_{0};
  std::mutex quarantine_lock_;
  std::vector<obj*> quarantined_;  // guarded by quarantine_lock_
};

template <class Kref>
void use(object<Kref>* o, unsigned t, uint64_t i) {
  o->holders.fetch_add(1, std::memory_order_relaxed);
  o->scratch[t] = i;
  jitter::point();
  o->holders.fetch_sub(1, std::memory_order_relaxed);
}

template <class Kref>
void run_table(const options& opt, const settings& s) {
  world<Kref> w(s);
  bound b(opt);
  run_workers(opt.threads, [&](unsigned t) {
    for (uint64_t i = 0; b.more(i); ++i) {
      auto* o = w.lookup(static_cast<unsigned>(jitter::below(s.keys)), true);
      report::add(report::stats().operations);
      if (o == nullptr) {
        jitter::point();
        continue;
      }
      use(o, t, i);
      if (jitter::one_in(4)) {
        o->ref.get();
        use(o, t, i);
        if (o->ref.put([&w](Kref& r) { w.release_unlocked(r); }))
          report::violation("a nested put released while the outer reference was held");
        report::add(report::stats().operations, 2);
      }
      jitter::point();
      w.drop(o);
      report::add(report::stats().operations);
    }
  });
  w.check_leaks();
}

template <class Kref>
void run_pair(const options& opt, const settings& s) {
  world<Kref> w(s);
  barrier bar(opt.threads);
  object<Kref>* current = nullptr;  // written by thread 0 between the barriers
  bool stop = false;
  bound b(opt);
  run_workers(opt.threads, [&](unsigned t) {
    for (uint64_t r = 0;; ++r) {
      if (t == 0) {
        stop = !b.more(r);
        if (!stop) {
          current = w.make(0);
          for (unsigned k = 1; k < opt.threads; ++k) current->ref.get();
        }
      }
      bar.wait();
      if (stop) return;
      object<Kref>* o = current;
      use(o, t, r);
      o->ref.put([&w](Kref& ref) { w.release_private(ref); });
      report::add(report::stats().operations, 2);
      bar.wait();  // after the put: it orders nothing the race depends on
    }
  });
}

// lookup_race: the victim's hook and the looker share these flags. Relaxed
// on purpose: they must not create a happens-before edge from the looker's
// use of the object to the victim's free.
struct race_flags {
  std::atomic<bool> in_window{false};
  std::atomic<bool> looked{false};
  std::atomic<bool> victim_done{false};
};

constexpr auto handshake_timeout = std::chrono::milliseconds(200);

void victim_hook(void* ctx) {
  auto* f = static_cast<race_flags*>(ctx);
  f->in_window.store(true, std::memory_order_relaxed);
  wait_until([f] { return f->looked.load(std::memory_order_relaxed); }, handshake_timeout);
}

template <class Kref>
void run_lookup_race(const options& opt, const settings& s) {
  world<Kref> w(s);
  barrier bar(2);
  race_flags flags;
  bool stop = false;
  bound b(opt);
  run_workers(2, [&](unsigned t) {
    for (uint64_t r = 0;; ++r) {
      object<Kref>* mine = nullptr;
      if (t == 0) {
        stop = !b.more(r);
        flags.in_window.store(false, std::memory_order_relaxed);
        flags.looked.store(false, std::memory_order_relaxed);
        flags.victim_done.store(false, std::memory_order_relaxed);
        if (!stop) {
          mine = w.make(0);
          w.publish(mine);
        }
      }
      bar.wait();
      if (stop) return;
      if (t == 0) {
        use(mine, t, r);
        set_preemption_hook(&victim_hook, &flags);
        if (r % 2 == 0)
          mine->ref.put_lock([&w](Kref& ref) { w.release_locked(ref); }, w.lock());
        else
          mine->ref.put([&w](Kref& ref) { w.release_unlocked(ref); });
        set_preemption_hook(nullptr, nullptr);
        flags.victim_done.store(true, std::memory_order_relaxed);
      } else {
        wait_until(
            [&] {
              return flags.in_window.load(std::memory_order_relaxed) ||
                     flags.victim_done.load(std::memory_order_relaxed);
            },
            handshake_timeout);
        auto* o = w.lookup(0, false);
        if (o != nullptr) o->holders.fetch_add(1, std::memory_order_relaxed);
        flags.looked.store(true, std::memory_order_relaxed);
        if (o != nullptr) {
          o->scratch[t] = r;  // after the handshake: unordered with a premature free
          // L holds a reference, so it may keep using the object until V's
          // put is over; a premature release is then visible to the oracle.
          wait_until([&] { return flags.victim_done.load(std::memory_order_relaxed); },
                     handshake_timeout);
          if (o->dead.load(std::memory_order_relaxed))
            report::violation("lookup_race: the object was released while L held a reference");
          o->holders.fetch_sub(1, std::memory_order_relaxed);
          o->ref.put_lock([&w](Kref& ref) { w.release_locked(ref); }, w.lock());
        }
      }
      report::add(report::stats().operations, 2);
      bar.wait();
    }
  });
  w.check_leaks();
}

template <class Kref>
void run(const options& opt, const settings& s) {
  if (s.scenario == "pair")
    run_pair<Kref>(opt, s);
  else if (s.scenario == "lookup_race")
    run_lookup_race<Kref>(opt, s);
  else
    run_table<Kref>(opt, s);
}

}  // namespace

int main(int argc, char** argv) {
  harness_info info{"kref_stress",
                    "kref get/put/put_lock/put_mutex/get_unless_zero with lookups under a lock",
                    {"correct", "relaxed_put", "check_then_dec"},
                    4,
                    2000,
                    1};
  settings s;
  std::vector<extra_option> extra{
      choice_option("scenario", "what the threads do (see the source)",
                    {"table", "pair", "lookup_race"}, &s.scenario),
      number_option("keys", "table size for --scenario table", 1, 1024, &s.keys),
      extra_option{"quarantine", "keep released objects instead of freeing them",
                   [&s](std::string_view) { return s.quarantine = true; }, true},
  };
  options opt = parse_options(argc, argv, info, extra);
  if (s.scenario == "lookup_race" && opt.threads != 2) {
    std::fprintf(stderr, "kref_stress: --scenario lookup_race needs --threads 2\n");
    return 2;
  }
  jitter::configure(opt.seed, opt.jitter);
  report::start();
  if (opt.variant == "relaxed_put")
    run<lastref::zoo::relaxed_put_kref<harness_platform>>(opt, s);
  else if (opt.variant == "check_then_dec")
    run<lastref::zoo::check_then_dec_kref<harness_platform>>(opt, s);
  else
    run<lastref::basic_kref<harness_platform>>(opt, s);
  return report::finish(info, opt);
}
