// SPDX-License-Identifier: MIT
#pragma once
// lastref::model known-count programs — small model programs whose number
// of Mazurkiewicz traces under sequential consistency is known in closed
// form, so an exhaustive explorer's execution count can be asserted
// (fuzz/model/tests/dpor_test.cc) and benchmarked (bench/model_bench.cc).
//
//   writers_n(N)  N threads each store to their own location: 1 trace (every
//                 pair of steps is independent).
//   counter_n(N)  N threads each fetch_add one shared counter once: N!
//                 traces (every pair of steps conflicts). The two are the
//                 extreme cases used to introduce DPOR (Flanagan and
//                 Godefroid, POPL 2005; Abdulla et al., POPL 2014).
//   kref_n(N)     the program of GenMC's kref_n.c benchmark: N
//                 threads each get (relaxed fetch_add), write their payload
//                 slot (plain), put twice (release fetch_sub; the last put
//                 fences acquire, checks every payload and frees). All 3N
//                 RMWs are on one location, so the traces are the orders of
//                 3N steps that respect each thread's program order:
//                 (3N)! / (3!)^N = 20, 1,680, 369,600 for N = 2, 3, 4,
//                 exactly GenMC v0.10.3's execution counts (measured there).
//
// Contract: plain model programs (program.h); they pass under every
// schedule. Lifetime rule: the programs own nothing outside the model
// allocator. Memory ordering: as written in each run().

#include <cstdint>

#include "check.h"
#include "platform.h"
#include "program.h"

namespace lastref::model::known {

inline std::uint64_t factorial(int n) {
  std::uint64_t r = 1;
  for (int i = 2; i <= n; ++i) r *= static_cast<std::uint64_t>(i);
  return r;
}

// (3N)! / 6^N, computed without overflow for N <= 6 as a product of
// multinomial steps: choose 3 of the remaining slots for each thread.
inline std::uint64_t kref_n_traces(int n) {
  std::uint64_t r = 1;
  for (int k = 1; k <= n; ++k) {
    const std::uint64_t m = 3 * static_cast<std::uint64_t>(k);  // slots so far
    r *= m * (m - 1) * (m - 2) / 6;                             // C(m, 3)
  }
  return r;
}

struct writers_n final : program {
  using P = platform;
  int n;
  P::atomic<int> x[max_threads];
  explicit writers_n(int threads) : n(threads) {}
  [[nodiscard]] int threads() const override { return n; }
  void run(int t) override { x[t].store(1, std::memory_order_relaxed); }
};

struct counter_n final : program {
  using P = platform;
  int n;
  P::atomic<int> c{0};
  explicit counter_n(int threads) : n(threads) {}
  [[nodiscard]] int threads() const override { return n; }
  void run(int) override { c.fetch_add(1, std::memory_order_relaxed); }
  void check() override { model::check(c.load() == n, "every increment counted"); }
};

struct kref_n final : program {
  using P = platform;
  struct obj {
    P::atomic<int> ref;
    P::cell<int> payload[max_threads];
  };
  int n;
  obj* o = nullptr;
  explicit kref_n(int threads) : n(threads) {}
  [[nodiscard]] int threads() const override { return n; }
  void setup() override {
    o = P::make<obj>();
    o->ref.store(n, std::memory_order_relaxed);
    for (int j = 0; j < n; ++j) o->payload[j].write(0);
  }
  void put(obj* p) {
    if (p->ref.fetch_sub(1, std::memory_order_release) == 1) {
      P::fence(std::memory_order_acquire);
      for (int j = 0; j < n; ++j) model::check(p->payload[j].read() == 1, "payload written");
      P::destroy(p);
    }
  }
  void run(int t) override {
    obj* p = o;
    p->ref.fetch_add(1, std::memory_order_relaxed);  // get
    p->payload[t].write(1);
    put(p);
    put(p);
  }
};

}  // namespace lastref::model::known
