// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo stress jobs — a user's primitive on real threads, over the
// TSan harness's platform (tsan/harness/run.h: std_platform plus seeded
// jitter at futex and preemption points), bounded by --iterations (rounds)
// or --duration-ms. Built plain, they check the protocol's invariants; built
// with -fsanitize=thread they are the TSan job (TSan reports a race on the
// payloads when the primitive's ordering is too weak).
//
// Contract: stress_kref<K>, stress_completion<C>, stress_module<M> are a
// whole main(): parse the harness options (--help lists them), run, print
// one line, return 0 when every invariant held and 1 (after printing what
// failed) otherwise. K, C, M are class templates over a Platform.
//   kref: each round one object starts with one reference per worker; the
//     workers look the object up through a table under a mutex
//     (get_unless_zero), write their payload slot, run contended get/put
//     pairs, and drop their reference with put (even rounds) or put_mutex.
//     Every holder checks the object was not released under it; release
//     (exactly once) reads every payload.
//   completion: each round a completer writes a payload and complete()s; a
//     waiter (wait, wait_for or try_wait spin, by round) reads it and frees
//     the completion at once, while complete() may still be running.
//   module: each round workers try_get, run inside a residency scope, put;
//     one unloads with drain_residency; no scope may end after `gone`.
//
// Lifetime rule: objects are freed after the round's threads are joined,
// except the completion, which the waiter frees (the hard rule's test).
//
// Memory ordering: the harness's bookkeeping is std::atomic with relaxed
// order where it only counts, so it adds no happens-before that could hide a
// race in the primitive from TSan.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <lastref/concepts.h>

#include "harness/options.h"
#include "harness/run.h"

namespace lastref::byo {

namespace detail {

inline std::atomic<unsigned long> g_stress_failures{0};

inline void stress_fail(const char* what) {
  if (g_stress_failures.fetch_add(1, std::memory_order_relaxed) < 5)
    std::fprintf(stderr, "lastref stress: FAILED: %s\n", what);
}

inline int stress_finish(const std::string& name, const char* kind, uint64_t rounds) {
  const unsigned long failures = g_stress_failures.load(std::memory_order_relaxed);
  std::printf("%s (%s stress): %llu rounds, %lu failure%s\n", name.c_str(), kind,
              static_cast<unsigned long long>(rounds), failures, failures == 1 ? "" : "s");
  return failures == 0 ? 0 : 1;
}

inline tsan::options stress_options(int argc, char** argv, const std::string& name,
                                    const char* summary, unsigned min_threads) {
  tsan::harness_info info{name, summary, {"user"}, 4, 300, min_threads};
  return tsan::parse_options(argc, argv, info);
}

}  // namespace detail

template <template <class> class K>
int stress_kref(int argc, char** argv, const std::string& name) {
  using P = tsan::harness_platform;
  using kref_t = K<P>;
  static_assert(kref_primitive<kref_t>);
  const tsan::options o =
      detail::stress_options(argc, argv, name, "kref protocol on real threads", 2);
  struct object {
    kref_t ref;
    std::array<int, 256> payload{};  // slot t: written by worker t while it holds a reference
    std::atomic<int> released{0};    // release count; holders check it stays 0
  };
  struct table {
    std::mutex lock;
    object* slot = nullptr;  // guarded by lock
  };
  tsan::bound more(o);
  uint64_t round = 0;
  for (; more.more(round); ++round) {
    auto obj = std::make_unique<object>();
    table tab;
    tab.slot = obj.get();
    for (unsigned t = 1; t < o.threads; ++t) obj->ref.get();
    auto release = [&](kref_t&, bool locked) {
      if (!locked) tab.lock.lock();
      tab.slot = nullptr;
      tab.lock.unlock();
      int sum = 0;
      for (unsigned t = 0; t < o.threads; ++t) sum += obj->payload[t];
      if (sum != static_cast<int>(o.threads * (o.threads + 1) / 2))
        detail::stress_fail("release did not see every holder's payload");
      if (obj->released.fetch_add(1, std::memory_order_relaxed) != 0)
        detail::stress_fail("release ran twice");
    };
    auto alive = [&] {
      if (obj->released.load(std::memory_order_relaxed) != 0)
        detail::stress_fail("released while a holder still had a reference");
    };
    tsan::run_workers(o.threads, [&](unsigned t) {
      // Lookups first: the table lock orders everything before it, so the
      // payload write comes after the last one, or it would hide a missing
      // release/acquire in the primitive from TSan.
      for (int i = 0; i < 2; ++i) {
        object* found = nullptr;
        {
          std::lock_guard<std::mutex> g(tab.lock);
          if (tab.slot != nullptr && tab.slot->ref.get_unless_zero()) found = tab.slot;
        }
        if (found == nullptr) {
          detail::stress_fail("lookup failed while this worker held a reference");
          continue;
        }
        alive();
        found->ref.put([&](kref_t& k) { release(k, false); });
      }
      obj->payload[t] = static_cast<int>(t) + 1;
      // Contended get/put pairs: a lost update shows as an early release.
      for (int i = 0; i < 64; ++i) {
        obj->ref.get();
        P::preemption_point();
        alive();
        obj->ref.put([&](kref_t& k) { release(k, false); });
      }
      alive();
      if (round % 2 == 1)  // put_mutex's lock orders the payloads: odd rounds only
        obj->ref.put_mutex([&](kref_t& k) { release(k, true); }, tab.lock);
      else
        obj->ref.put([&](kref_t& k) { release(k, false); });
    });
    if (obj->released.load(std::memory_order_relaxed) != 1)
      detail::stress_fail("release did not run exactly once (leaked or lost reference)");
  }
  return detail::stress_finish(name, "kref", round);
}

template <template <class> class C>
int stress_completion(int argc, char** argv, const std::string& name) {
  using P = tsan::harness_platform;
  using completion_t = C<P>;
  static_assert(completion_primitive<completion_t>);
  const tsan::options o =
      detail::stress_options(argc, argv, name, "completion hand-offs on real threads", 2);
  struct shared {
    completion_t done;
    int payload = 0;  // written by the completer before complete()
  };
  tsan::bound more(o);
  uint64_t round = 0;
  for (; more.more(round); ++round) {
    const unsigned pairs = o.threads / 2;
    std::vector<shared*> s(pairs);
    for (auto& p : s) p = new shared;
    const uint64_t mode = round % 3;
    tsan::run_workers(pairs * 2, [&](unsigned t) {
      shared* c = s[t / 2];
      if (t % 2 == 0) {
        c->payload = static_cast<int>(round) + 1;
        c->done.complete();  // the waiter may free *c before this returns
        return;
      }
      if (mode == 0) {
        c->done.wait();
      } else if (mode == 1) {
        while (!c->done.wait_for(std::chrono::milliseconds(1))) {
        }
      } else {
        while (!c->done.try_wait()) P::preemption_point();
      }
      if (c->payload != static_cast<int>(round) + 1)
        detail::stress_fail("waiter returned without seeing the completer's payload");
      delete c;  // the on-stack idiom: the waiter's frame goes at once
    });
  }
  return detail::stress_finish(name, "completion", round);
}

template <template <class> class M>
int stress_module(int argc, char** argv, const std::string& name) {
  using P = tsan::harness_platform;
  using module_t = M<P>;
  static_assert(module_primitive<module_t>);
  const tsan::options o =
      detail::stress_options(argc, argv, name, "module references and unload on real threads", 2);
  tsan::bound more(o);
  uint64_t round = 0;
  for (; more.more(round); ++round) {
    std::atomic<bool> exited{false};
    module_t mod(
        "lastref_byo_stress", [&] { exited.store(true, std::memory_order_relaxed); },
        unload_policy::drain_residency);
    mod.mark_live();
    tsan::run_workers(o.threads, [&](unsigned t) {
      if (t == 0) {
        for (int tries = 0; tries < 100000; ++tries) {
          if (mod.unload() == unload_result::ok) return;
          P::preemption_point();
        }
        detail::stress_fail("unload never succeeded");
        return;
      }
      for (int i = 0; i < 4; ++i) {
        if (!mod.try_get()) return;
        {
          typename module_t::residency_scope in_text(mod);
          if (exited.load(std::memory_order_relaxed))
            detail::stress_fail("try_get succeeded after the module's exit ran");
          P::preemption_point();
          mod.put();
          if (mod.state() == module_state::gone)
            detail::stress_fail("module gone while a thread runs in its text");
        }
      }
    });
    if (mod.state() != module_state::gone) detail::stress_fail("module not gone after unload");
  }
  return detail::stress_finish(name, "module", round);
}

}  // namespace lastref::byo
