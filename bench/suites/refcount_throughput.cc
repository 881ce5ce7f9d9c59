// Suite 1 — refcount / kref throughput.
//
// One job: the cost of taking and dropping a reference, as a get+put pair,
// uncontended (the counter's cache line stays in this core) and contended
// (two threads on two CPUs hammer one counter), and the cost of a lookup
// that may race with the last put (get_unless_zero). Beside each lastref
// figure, in the same binary and run: what people use instead
// (std::shared_ptr copy+destroy, std::weak_ptr::lock, a hand-written
// std::atomic<int> pair at seq_cst and relaxed) and the physical limit (two
// lock-prefixed RMWs on a private line; the cache-line ping-pong of one
// line shared by the two threads). Names follow bench/suites/harness/main.h.
//
// No release ever runs: every pair leaves the count where it found it.

#include <lastref/kref.h>
#include <lastref/refcount.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include "harness/cpu.h"
#include "harness/main.h"
#include "rmw_limits.h"

namespace {

using lastref::bench::locked_add;
using lastref::bench::locked_cas;
using lastref::bench::rmw_line;

// A release that must never run in this suite.
constexpr auto never_released = [](lastref::kref&) { std::abort(); };

template <class T>
struct alignas(64) on_line {
  T v;
};

// --- uncontended get+put pairs ------------------------------------------------

void pair_refcount(benchmark::State& st) {
  on_line<lastref::refcount> r{lastref::refcount(1)};
  for (auto _ : st) {
    r.v.inc();
    benchmark::DoNotOptimize(r.v.dec_and_test());
  }
  st.SetItemsProcessed(st.iterations());
}

void pair_kref(benchmark::State& st) {
  on_line<lastref::kref> k{};
  for (auto _ : st) {
    k.v.get();
    benchmark::DoNotOptimize(k.v.put(never_released));
  }
  st.SetItemsProcessed(st.iterations());
}

void pair_shared_ptr(benchmark::State& st) {
  auto sp = std::make_shared<int>(1);
  for (auto _ : st) {
    std::shared_ptr<int> copy(sp);
    benchmark::DoNotOptimize(copy);
  }
  st.SetItemsProcessed(st.iterations());
}

template <std::memory_order Inc, std::memory_order Dec>
void pair_atomic(benchmark::State& st) {
  rmw_line line;
  for (auto _ : st) {
    line.v.fetch_add(1, Inc);
    benchmark::DoNotOptimize(line.v.fetch_sub(1, Dec) == 1);
  }
  st.SetItemsProcessed(st.iterations());
}

void pair_locked_rmw_limit(benchmark::State& st) {
  rmw_line line;
  for (auto _ : st) {
    locked_add(line, 1);
    locked_add(line, -1);
  }
  st.SetItemsProcessed(st.iterations());
}

// --- contended: two threads, one counter ---------------------------------------

// Shared by both threads of a run; each pair returns the count to 1, so
// runs can follow each other without re-initialisation.
on_line<lastref::refcount> g_refcount{lastref::refcount(1)};
on_line<lastref::kref> g_kref{};
std::shared_ptr<int> g_shared = std::make_shared<int>(1);
rmw_line g_line;

// Thread i of the benchmark runs on CPU i of the pair (restored afterwards).
lastref::bench::scoped_pin pin_for(const benchmark::State& st) {
  const lastref::bench::cpu_pair p = lastref::bench::pick_cpu_pair();
  return lastref::bench::scoped_pin(st.thread_index() == 0 ? p.first : p.second);
}

void shared_refcount(benchmark::State& st) {
  auto pin = pin_for(st);
  for (auto _ : st) {
    g_refcount.v.inc();
    benchmark::DoNotOptimize(g_refcount.v.dec_and_test());
  }
  st.SetItemsProcessed(st.iterations());
}

void shared_kref(benchmark::State& st) {
  auto pin = pin_for(st);
  for (auto _ : st) {
    g_kref.v.get();
    benchmark::DoNotOptimize(g_kref.v.put(never_released));
  }
  st.SetItemsProcessed(st.iterations());
}

void shared_shared_ptr(benchmark::State& st) {
  auto pin = pin_for(st);
  for (auto _ : st) {
    std::shared_ptr<int> copy(g_shared);
    benchmark::DoNotOptimize(copy);
  }
  st.SetItemsProcessed(st.iterations());
}

template <std::memory_order Inc, std::memory_order Dec>
void shared_atomic(benchmark::State& st) {
  auto pin = pin_for(st);
  for (auto _ : st) {
    g_line.v.fetch_add(1, Inc);
    benchmark::DoNotOptimize(g_line.v.fetch_sub(1, Dec) == 1);
  }
  st.SetItemsProcessed(st.iterations());
}

void shared_pingpong_limit(benchmark::State& st) {
  auto pin = pin_for(st);
  for (auto _ : st) {
    locked_add(g_line, 1);
    locked_add(g_line, -1);
  }
  st.SetItemsProcessed(st.iterations());
}

// --- get_unless_zero + put, uncontended -----------------------------------------

void guz_kref(benchmark::State& st) {
  on_line<lastref::kref> k{};
  for (auto _ : st) {
    if (k.v.get_unless_zero()) benchmark::DoNotOptimize(k.v.put(never_released));
  }
  st.SetItemsProcessed(st.iterations());
}

void guz_refcount(benchmark::State& st) {
  on_line<lastref::refcount> r{lastref::refcount(1)};
  for (auto _ : st) {
    if (r.v.inc_not_zero()) benchmark::DoNotOptimize(r.v.dec_and_test());
  }
  st.SetItemsProcessed(st.iterations());
}

void guz_weak_ptr(benchmark::State& st) {
  auto sp = std::make_shared<int>(1);
  std::weak_ptr<int> wp(sp);
  for (auto _ : st) {
    std::shared_ptr<int> got = wp.lock();
    benchmark::DoNotOptimize(got);
  }
  st.SetItemsProcessed(st.iterations());
}

// The inc-not-zero loop people write by hand, at the default (seq_cst) order.
void guz_atomic_cas_loop(benchmark::State& st) {
  rmw_line line;
  for (auto _ : st) {
    int old = line.v.load();
    bool got = false;
    while (old != 0 && !(got = line.v.compare_exchange_weak(old, old + 1))) {
    }
    if (got) benchmark::DoNotOptimize(line.v.fetch_sub(1) == 1);
  }
  st.SetItemsProcessed(st.iterations());
}

// The floor: one lock cmpxchg that succeeds first time plus one lock add.
void guz_cas_limit(benchmark::State& st) {
  rmw_line line;
  for (auto _ : st) {
    benchmark::DoNotOptimize(locked_cas(line, 1, 2));
    locked_add(line, -1);
  }
  st.SetItemsProcessed(st.iterations());
}

constexpr auto relaxed = std::memory_order_relaxed;
constexpr auto seq_cst = std::memory_order_seq_cst;

void register_all() {
  using benchmark::RegisterBenchmark;
  const char* u = "refcount_pair/uncontended/";
  auto uncontended = [&](const char* role, void (*fn)(benchmark::State&)) {
    RegisterBenchmark((std::string(u) + role).c_str(), fn);
  };
  uncontended("lastref:refcount", pair_refcount);
  uncontended("lastref:kref", pair_kref);
  uncontended("baseline:shared_ptr_copy", pair_shared_ptr);
  uncontended("baseline:atomic_seq_cst", pair_atomic<seq_cst, seq_cst>);
  uncontended("baseline:atomic_relaxed", pair_atomic<relaxed, relaxed>);
  uncontended("limit:lock_add_x2_private_line", pair_locked_rmw_limit);

  const char* c = "refcount_pair/contended_2threads/";
  auto contended = [&](const char* role, void (*fn)(benchmark::State&)) {
    RegisterBenchmark((std::string(c) + role).c_str(), fn)->Threads(2)->UseRealTime();
  };
  contended("lastref:refcount", shared_refcount);
  contended("lastref:kref", shared_kref);
  contended("baseline:shared_ptr_copy", shared_shared_ptr);
  contended("baseline:atomic_seq_cst", shared_atomic<seq_cst, seq_cst>);
  contended("baseline:atomic_relaxed", shared_atomic<relaxed, relaxed>);
  contended("limit:lock_add_x2_cacheline_pingpong", shared_pingpong_limit);

  const char* g = "get_unless_zero/uncontended/";
  auto guz = [&](const char* role, void (*fn)(benchmark::State&)) {
    RegisterBenchmark((std::string(g) + role).c_str(), fn);
  };
  guz("lastref:kref", guz_kref);
  guz("lastref:refcount_inc_not_zero", guz_refcount);
  guz("baseline:weak_ptr_lock", guz_weak_ptr);
  guz("baseline:atomic_cas_loop_seq_cst", guz_atomic_cas_loop);
  guz("limit:lock_cmpxchg_plus_lock_add", guz_cas_limit);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
