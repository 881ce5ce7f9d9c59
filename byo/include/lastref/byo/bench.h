// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo benchmarks — a user's primitive in the same groups, binary and
// run as lastref's own primitive, its usual replacement (baseline) and the
// group's physical limit, named as every lastref suite is
// (bench/suites/harness/main.h): <group>/<role>:<implementation>, with the
// user's entry under role `ref` (shown beside the others, never a
// denominator) and implementation `byo_<name>`.
//
// Contract: register_kref_benchmarks<K>(name), register_completion_
// benchmarks<C>(name) and register_module_benchmarks<M>(name) register the
// groups below (K, C, M: class templates over a Platform, instantiated over
// std_platform); then return lastref::bench::run_main(argc, argv).
//   refcount_pair/uncontended   get + put on a private object
//   refcount_pair/shared_object get + put on one object, 1 and 2 threads
//   completion_pair/uncontended complete + wait in one thread (fast path)
//   module_ref_pair/uncontended try_get + put on a live module
//
// Lifetime rule: objects live in static storage for the whole run.
//
// Memory ordering: the primitives' own; the limits use relaxed RMWs (the
// bare cost of the cache-line traffic, nothing else).

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <semaphore>
#include <string>

#include <lastref/concepts.h>

namespace lastref::byo {

namespace detail {

template <class K>
void kref_pair(benchmark::State& st) {
  static K k;  // shared by the threads of a multi-threaded run; never released
  for (auto _ : st) {
    k.get();
    benchmark::DoNotOptimize(k.put([](K&) {}));
  }
  st.SetItemsProcessed(st.iterations());
}

inline void shared_ptr_pair(benchmark::State& st) {
  static const auto p = std::make_shared<int>(1);
  for (auto _ : st) {
    std::shared_ptr<int> copy = p;
    benchmark::DoNotOptimize(copy);
  }
  st.SetItemsProcessed(st.iterations());
}

inline void rmw_pair(benchmark::State& st) {
  static std::atomic<int> n{1};
  for (auto _ : st) {
    n.fetch_add(1, std::memory_order_relaxed);
    benchmark::DoNotOptimize(n.fetch_sub(1, std::memory_order_relaxed));
  }
  st.SetItemsProcessed(st.iterations());
}

template <class C>
void completion_pair(benchmark::State& st) {
  C c;
  for (auto _ : st) {
    c.complete();
    c.wait();
  }
  st.SetItemsProcessed(st.iterations());
}

inline void semaphore_pair(benchmark::State& st) {
  std::binary_semaphore s(0);
  for (auto _ : st) {
    s.release();
    s.acquire();
  }
  st.SetItemsProcessed(st.iterations());
}

template <class M>
void module_pair(benchmark::State& st) {
  M m(
      "lastref_byo_bench", [] {}, unload_policy::immediate);
  m.mark_live();
  for (auto _ : st) {
    benchmark::DoNotOptimize(m.try_get());
    m.put();
  }
  st.SetItemsProcessed(st.iterations());
}

}  // namespace detail

template <template <class> class K>
void register_kref_benchmarks(const std::string& name) {
  using user = K<std_platform>;
  static_assert(kref_primitive<user>);
  const std::string impl = "byo_" + name;
  const std::string u = "refcount_pair/uncontended/";
  // The uncontended and shared groups use distinct statics per instantiation:
  // the uncontended ones run single-threaded only.
  benchmark::RegisterBenchmark((u + "ref:" + impl).c_str(), detail::kref_pair<user>);
  benchmark::RegisterBenchmark((u + "lastref:kref").c_str(), detail::kref_pair<basic_kref<>>);
  benchmark::RegisterBenchmark((u + "baseline:shared_ptr_copy").c_str(), detail::shared_ptr_pair);
  benchmark::RegisterBenchmark((u + "limit:atomic_fetch_add_sub_relaxed").c_str(),
                               detail::rmw_pair);
  const std::string s = "refcount_pair/shared_object/";
  for (auto* b :
       {benchmark::RegisterBenchmark((s + "ref:" + impl).c_str(), detail::kref_pair<user>),
        benchmark::RegisterBenchmark((s + "lastref:kref").c_str(), detail::kref_pair<basic_kref<>>),
        benchmark::RegisterBenchmark((s + "baseline:shared_ptr_copy").c_str(),
                                     detail::shared_ptr_pair),
        benchmark::RegisterBenchmark((s + "limit:atomic_fetch_add_sub_relaxed").c_str(),
                                     detail::rmw_pair)})
    b->UseRealTime()->Threads(1)->Threads(2);
}

template <template <class> class C>
void register_completion_benchmarks(const std::string& name) {
  using user = C<std_platform>;
  static_assert(completion_primitive<user>);
  const std::string g = "completion_pair/uncontended/";
  benchmark::RegisterBenchmark((g + "ref:byo_" + name).c_str(), detail::completion_pair<user>);
  benchmark::RegisterBenchmark((g + "lastref:completion").c_str(),
                               detail::completion_pair<basic_completion<>>);
  benchmark::RegisterBenchmark((g + "baseline:binary_semaphore").c_str(), detail::semaphore_pair);
  benchmark::RegisterBenchmark((g + "limit:atomic_fetch_add_sub_relaxed").c_str(),
                               detail::rmw_pair);
}

template <template <class> class M>
void register_module_benchmarks(const std::string& name) {
  using user = M<std_platform>;
  static_assert(module_primitive<user>);
  const std::string g = "module_ref_pair/uncontended/";
  benchmark::RegisterBenchmark((g + "ref:byo_" + name).c_str(), detail::module_pair<user>);
  benchmark::RegisterBenchmark((g + "lastref:module").c_str(), detail::module_pair<basic_module<>>);
  benchmark::RegisterBenchmark((g + "baseline:shared_ptr_copy").c_str(), detail::shared_ptr_pair);
  benchmark::RegisterBenchmark((g + "limit:atomic_fetch_add_sub_relaxed").c_str(),
                               detail::rmw_pair);
}

}  // namespace lastref::byo
