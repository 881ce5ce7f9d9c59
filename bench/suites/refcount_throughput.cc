// SPDX-License-Identifier: MIT
// Suite 1 — refcount / kref throughput.
//
// One job: the cost of taking and dropping a reference, as a get+put pair,
// and of a lookup that may race with the last put (get_unless_zero + put).
// Groups (names follow bench/suites/harness/main.h):
//   refcount_pair/uncontended       one thread, the counter's line stays in
//                                   this core
//   refcount_pair/shared_object     ->Threads(1, 2, CPUs, 2 x CPUs) on ONE
//                                   counter: the line ping-pongs between
//                                   cores (2 x CPUs: threads also time-slice)
//   refcount_pair/per_thread_padded every thread its own counter on its own
//                                   cache line: should scale with CPUs
//   refcount_pair/per_thread_packed every thread its own counter, counters
//                                   adjacent (false sharing: the line still
//                                   ping-pongs although nothing is shared)
//   get_unless_zero/uncontended, get_unless_zero/shared_object (sweep)
// Thread i of a sweep is pinned to allowed CPU i mod CPUs. Multi-threaded
// figures are wall-clock (UseRealTime) and items_per_second is the total of
// all threads. Beside each lastref figure, in the same binary and run: what
// people use instead — std::shared_ptr copy+destroy, std::weak_ptr::lock,
// boost::intrusive_ptr over boost::intrusive_ref_counter<thread_safe_counter>
// (fetch_add/fetch_sub acq_rel in Boost 1.74), liburcu's urcu_ref
// (urcu/ref.h, header-only on x86-64: its uatomic ops are inline asm, no
// library to link; urcu_ref_get is a cmpxchg loop that refuses LONG_MAX,
// urcu_ref_put a lock xadd; left out, with a CMake message, when
// liburcu-dev is absent), a hand-written std::atomic<int> pair at
// seq_cst — and the limit: the bare std::atomic fetch_add/fetch_sub pair at
// relaxed order (two lock-prefixed RMWs; nothing a reference count can do
// is cheaper). `ref:lock_add_x2_asm` is the same pair as inline asm, to show
// the compiler adds nothing.
//
// No release ever runs: every pair leaves the count where it found it.

#include <lastref/kref.h>
#include <lastref/refcount.h>
#if defined(LASTREF_HAVE_URCU)
#include <urcu/ref.h>
#endif

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

struct boost_node : boost::intrusive_ref_counter<boost_node, boost::thread_safe_counter> {};

// One implementation of "a reference count": its object, how to make one
// (holding one reference, never released), a get+put pair, and for those
// that have one, get_unless_zero + put.
struct refcount_impl {
  using object = lastref::refcount;
  static void pair(object& o) {
    o.inc();
    benchmark::DoNotOptimize(o.dec_and_test());
  }
  static void guz(object& o) {
    if (o.inc_not_zero()) benchmark::DoNotOptimize(o.dec_and_test());
  }
};

struct kref_impl {
  using object = lastref::kref;
  static void pair(object& o) {
    o.get();
    benchmark::DoNotOptimize(o.put(never_released));
  }
  static void guz(object& o) {
    if (o.get_unless_zero()) benchmark::DoNotOptimize(o.put(never_released));
  }
};

#if defined(LASTREF_HAVE_URCU)
void urcu_never_released(urcu_ref*) { std::abort(); }

struct urcu_impl {
  struct object {
    urcu_ref r;
    object() { urcu_ref_init(&r); }
  };
  static void pair(object& o) {
    urcu_ref_get(&o.r);
    urcu_ref_put(&o.r, urcu_never_released);
  }
  static void guz(object& o) {
    if (urcu_ref_get_unless_zero(&o.r)) urcu_ref_put(&o.r, urcu_never_released);
  }
};
#endif

// intrusive_ptr made from the raw pointer and destroyed: add_ref + release
// on the node's counter. (Copying an intrusive_ptr stored beside the count
// would also load the pointer from the count's line, an extra cache-line
// upgrade under contention that is the layout's cost, not the counter's.)
struct intrusive_impl {
  struct object {
    boost_node node;
    object() { intrusive_ptr_add_ref(&node); }  // the held reference: release never deletes
  };
  static void pair(object& o) {
    boost::intrusive_ptr<boost_node> ref(&o.node);
    benchmark::DoNotOptimize(ref);
  }
};

struct shared_ptr_impl {
  struct object {
    std::shared_ptr<int> p = std::make_shared<int>(1);
    std::weak_ptr<int> w{p};
  };
  static void pair(object& o) {
    std::shared_ptr<int> copy(o.p);
    benchmark::DoNotOptimize(copy);
  }
  static void guz(object& o) {
    std::shared_ptr<int> got = o.w.lock();
    benchmark::DoNotOptimize(got);
  }
};

template <std::memory_order Inc, std::memory_order Dec>
struct atomic_impl {
  struct object {
    std::atomic<int> v{1};
  };
  static void pair(object& o) {
    o.v.fetch_add(1, Inc);
    benchmark::DoNotOptimize(o.v.fetch_sub(1, Dec) == 1);
  }
};

// The inc-not-zero loop people write by hand, at the default (seq_cst) order.
struct atomic_cas_loop_impl {
  using object = atomic_impl<std::memory_order_seq_cst, std::memory_order_seq_cst>::object;
  static void guz(object& o) {
    int old = o.v.load();
    bool got = false;
    while (old != 0 && !(got = o.v.compare_exchange_weak(old, old + 1))) {
    }
    if (got) benchmark::DoNotOptimize(o.v.fetch_sub(1) == 1);
  }
};

constexpr auto relaxed = std::memory_order_relaxed;
constexpr auto seq_cst = std::memory_order_seq_cst;
using atomic_relaxed = atomic_impl<relaxed, relaxed>;
using atomic_seq_cst = atomic_impl<seq_cst, seq_cst>;

// --- where the objects live --------------------------------------------------------

constexpr std::size_t max_threads = 256;

// One object shared by every thread of a run (static: it outlives the
// threads; every pair returns the count to where it was).
template <class Impl>
typename Impl::object& shared_object() {
  static on_line<typename Impl::object> o;
  return o.v;
}

// Thread i's own object, each on its own line, or all adjacent.
template <class Impl, bool Padded>
typename Impl::object& own_object(int i) {
  if constexpr (Padded) {
    static on_line<typename Impl::object> objs[max_threads];
    return objs[i].v;
  } else {
    struct alignas(64) packed_array {
      typename Impl::object v[max_threads];
    };
    static packed_array objs;
    return objs.v[i];
  }
}

// Thread i of a benchmark runs on allowed CPU i mod CPUs (restored afterwards).
lastref::bench::scoped_pin pin_for(const benchmark::State& st) {
  static const std::vector<int> cpus = lastref::bench::allowed_cpus();
  return lastref::bench::scoped_pin(
      cpus[static_cast<std::size_t>(st.thread_index()) % cpus.size()]);
}

// --- the loops ---------------------------------------------------------------------

template <class Impl>
void uncontended_pair(benchmark::State& st) {
  auto pin = pin_for(st);
  on_line<typename Impl::object> o;
  for (auto _ : st) Impl::pair(o.v);
  st.SetItemsProcessed(st.iterations());
}

template <class Impl>
void shared_pair(benchmark::State& st) {
  auto pin = pin_for(st);
  auto& o = shared_object<Impl>();
  for (auto _ : st) Impl::pair(o);
  st.SetItemsProcessed(st.iterations());
}

template <class Impl, bool Padded>
void own_pair(benchmark::State& st) {
  auto pin = pin_for(st);
  auto& o = own_object<Impl, Padded>(st.thread_index());
  for (auto _ : st) Impl::pair(o);
  st.SetItemsProcessed(st.iterations());
}

template <class Impl>
void uncontended_guz(benchmark::State& st) {
  auto pin = pin_for(st);
  on_line<typename Impl::object> o;
  for (auto _ : st) Impl::guz(o.v);
  st.SetItemsProcessed(st.iterations());
}

template <class Impl>
void shared_guz(benchmark::State& st) {
  auto pin = pin_for(st);
  auto& o = shared_object<Impl>();
  for (auto _ : st) Impl::guz(o);
  st.SetItemsProcessed(st.iterations());
}

void lock_add_x2_asm(benchmark::State& st) {
  auto pin = pin_for(st);
  rmw_line line;
  for (auto _ : st) {
    locked_add(line, 1);
    locked_add(line, -1);
  }
  st.SetItemsProcessed(st.iterations());
}

// The floor of a CAS-based get_unless_zero: one lock cmpxchg that succeeds
// first time plus one lock add.
void guz_cas_limit(benchmark::State& st) {
  auto pin = pin_for(st);
  rmw_line line;
  for (auto _ : st) {
    benchmark::DoNotOptimize(locked_cas(line, 1, 2));
    locked_add(line, -1);
  }
  st.SetItemsProcessed(st.iterations());
}

// 1, 2, CPUs, 2 x CPUs (deduplicated, ascending).
std::vector<int> thread_counts() {
  const int cpus = static_cast<int>(lastref::bench::allowed_cpus().size());
  std::vector<int> n{1, 2, cpus, 2 * cpus};
  std::sort(n.begin(), n.end());
  n.erase(std::unique(n.begin(), n.end()), n.end());
  n.erase(std::remove_if(n.begin(), n.end(),
                         [](int t) { return t < 1 || t > static_cast<int>(max_threads); }),
          n.end());
  return n;
}

void register_all() {
  using fn = void (*)(benchmark::State&);
  const std::vector<int> threads = thread_counts();
  auto single = [](const std::string& name, fn f) {
    benchmark::RegisterBenchmark(name.c_str(), f);
  };
  auto sweep = [&](const std::string& name, fn f) {
    auto* b = benchmark::RegisterBenchmark(name.c_str(), f)->UseRealTime();
    for (int t : threads) b->Threads(t);
  };

  const std::string u = "refcount_pair/uncontended/";
  single(u + "lastref:refcount", uncontended_pair<refcount_impl>);
  single(u + "lastref:kref", uncontended_pair<kref_impl>);
  single(u + "baseline:shared_ptr_copy", uncontended_pair<shared_ptr_impl>);
  single(u + "baseline:boost_intrusive_ptr", uncontended_pair<intrusive_impl>);
#if defined(LASTREF_HAVE_URCU)
  single(u + "baseline:urcu_ref", uncontended_pair<urcu_impl>);
#endif
  single(u + "baseline:atomic_seq_cst", uncontended_pair<atomic_seq_cst>);
  single(u + "ref:lock_add_x2_asm", lock_add_x2_asm);
  single(u + "limit:atomic_fetch_add_sub_relaxed", uncontended_pair<atomic_relaxed>);

  const std::string s = "refcount_pair/shared_object/";
  sweep(s + "lastref:refcount", shared_pair<refcount_impl>);
  sweep(s + "lastref:kref", shared_pair<kref_impl>);
  sweep(s + "baseline:shared_ptr_copy", shared_pair<shared_ptr_impl>);
  sweep(s + "baseline:boost_intrusive_ptr", shared_pair<intrusive_impl>);
#if defined(LASTREF_HAVE_URCU)
  sweep(s + "baseline:urcu_ref", shared_pair<urcu_impl>);
#endif
  sweep(s + "baseline:atomic_seq_cst", shared_pair<atomic_seq_cst>);
  sweep(s + "limit:atomic_fetch_add_sub_relaxed", shared_pair<atomic_relaxed>);

  // shared_ptr is absent from the packed group: its control block is a heap
  // allocation whose placement this suite does not control.
  const std::string p = "refcount_pair/per_thread_padded/";
  sweep(p + "lastref:refcount", own_pair<refcount_impl, true>);
  sweep(p + "lastref:kref", own_pair<kref_impl, true>);
  sweep(p + "baseline:shared_ptr_copy", own_pair<shared_ptr_impl, true>);
  sweep(p + "baseline:boost_intrusive_ptr", own_pair<intrusive_impl, true>);
#if defined(LASTREF_HAVE_URCU)
  sweep(p + "baseline:urcu_ref", own_pair<urcu_impl, true>);
#endif
  sweep(p + "limit:atomic_fetch_add_sub_relaxed", own_pair<atomic_relaxed, true>);
  const std::string k = "refcount_pair/per_thread_packed/";
  sweep(k + "lastref:refcount", own_pair<refcount_impl, false>);
  sweep(k + "lastref:kref", own_pair<kref_impl, false>);
  sweep(k + "baseline:boost_intrusive_ptr", own_pair<intrusive_impl, false>);
#if defined(LASTREF_HAVE_URCU)
  sweep(k + "baseline:urcu_ref", own_pair<urcu_impl, false>);
#endif
  sweep(k + "limit:atomic_fetch_add_sub_relaxed", own_pair<atomic_relaxed, false>);

  const std::string g = "get_unless_zero/uncontended/";
  single(g + "lastref:kref", uncontended_guz<kref_impl>);
  single(g + "lastref:refcount_inc_not_zero", uncontended_guz<refcount_impl>);
  single(g + "baseline:weak_ptr_lock", uncontended_guz<shared_ptr_impl>);
#if defined(LASTREF_HAVE_URCU)
  single(g + "baseline:urcu_ref_get_unless_zero", uncontended_guz<urcu_impl>);
#endif
  single(g + "baseline:atomic_cas_loop_seq_cst", uncontended_guz<atomic_cas_loop_impl>);
  single(g + "limit:lock_cmpxchg_plus_lock_add", guz_cas_limit);

  // Contended, a CAS loop retries; the limit is what a get_unless_zero
  // built on fetch_add (a dead zone instead of a CAS, as Linux's rcuref)
  // would cost: the bare pair, which cannot fail.
  const std::string c = "get_unless_zero/shared_object/";
  sweep(c + "lastref:kref", shared_guz<kref_impl>);
  sweep(c + "lastref:refcount_inc_not_zero", shared_guz<refcount_impl>);
  sweep(c + "baseline:weak_ptr_lock", shared_guz<shared_ptr_impl>);
#if defined(LASTREF_HAVE_URCU)
  sweep(c + "baseline:urcu_ref_get_unless_zero", shared_guz<urcu_impl>);
#endif
  sweep(c + "baseline:atomic_cas_loop_seq_cst", shared_guz<atomic_cas_loop_impl>);
  sweep(c + "limit:atomic_fetch_add_sub_relaxed", shared_pair<atomic_relaxed>);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
