// Model checker speed: scheduling points/s and executions/s of the model
// runtime, against the OS-thread handoff baseline (threads serialised by
// semaphores, as folly's DeterministicSchedule does) in the same binary, plus
// the fiber-switch primitive candidates (Boost.Context fcontext vs ucontext).
//
// Counters: steps_per_second (scheduling points), executions_per_second,
// and for the search benchmarks executions_to_find (median over seeds).

#include <benchmark/benchmark.h>
#include <ucontext.h>

#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <semaphore>
#include <thread>
#include <vector>

#include "fuzz/model/model.h"
#include "fuzz/model/reference_bug.h"

namespace {

using namespace lastref;
using namespace lastref::model;
using P = model::platform;

// ------------------------------------------------------------ fiber switch primitives

namespace fc = boost::context::detail;

void fcontext_body(fc::transfer_t t) {
  for (;;) t = fc::jump_fcontext(t.fctx, nullptr);
}

// One iteration = two switches (there and back).
void BM_switch_fcontext(benchmark::State& state) {
  std::vector<char> stack(64 * 1024);
  fc::fcontext_t f = fc::make_fcontext(stack.data() + stack.size(), stack.size(), &fcontext_body);
  for (auto _ : state) {
    fc::transfer_t t = fc::jump_fcontext(f, nullptr);
    f = t.fctx;
  }
  state.counters["switches_per_second"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_switch_fcontext);

ucontext_t g_uc_main, g_uc_fiber;
void ucontext_body() {
  for (;;) swapcontext(&g_uc_fiber, &g_uc_main);
}

void BM_switch_ucontext(benchmark::State& state) {
  std::vector<char> stack(64 * 1024);
  getcontext(&g_uc_fiber);
  g_uc_fiber.uc_stack.ss_sp = stack.data();
  g_uc_fiber.uc_stack.ss_size = stack.size();
  g_uc_fiber.uc_link = nullptr;
  makecontext(&g_uc_fiber, &ucontext_body, 0);
  for (auto _ : state) swapcontext(&g_uc_main, &g_uc_fiber);
  state.counters["switches_per_second"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_switch_ucontext);

// ------------------------------------------------------------ OS-thread handoff baseline

// N OS threads; exactly one runs at a time; at every step the running thread
// picks the next (pseudo-randomly, sticky like the model's random source) and
// hands off through semaphores.
void BM_os_thread_handoff(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  constexpr std::uint64_t steps_per_iter = 2000;
  std::uint64_t total = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<std::binary_semaphore>> sem;
    for (int i = 0; i < n; ++i) sem.push_back(std::make_unique<std::binary_semaphore>(0));
    std::uint64_t remaining = steps_per_iter;
    std::uint64_t rng = 12345;
    bool done = false;
    auto body = [&](int me) {
      for (;;) {
        sem[static_cast<std::size_t>(me)]->acquire();
        if (done) {
          sem[static_cast<std::size_t>((me + 1) % n)]->release();
          return;
        }
        benchmark::DoNotOptimize(remaining);  // the "operation"
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int next = static_cast<int>((rng >> 33) % static_cast<std::uint64_t>(n));
        if (--remaining == 0) {
          done = true;
          next = (me + 1) % n;
        }
        sem[static_cast<std::size_t>(next)]->release();
      }
    };
    std::vector<std::thread> ts;
    for (int i = 0; i < n; ++i) ts.emplace_back(body, i);
    sem[0]->release();
    for (auto& t : ts) t.join();
    total += steps_per_iter;
  }
  state.counters["steps_per_second"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_os_thread_handoff)->Arg(2)->Arg(3)->UseRealTime();

// ------------------------------------------------------------ model programs

// 3 threads over a real kref + completion: T0 and T1 drop references, the
// last put completes `done`; T2 waits for it and frees the object.
struct kref_completion_prog final : program {
  struct object {
    basic_kref<P> ref;
    basic_completion<P> done;
    P::cell<int> payload[2];  // one per dropping thread
  };
  object* obj = nullptr;
  [[nodiscard]] int threads() const override { return 3; }
  void setup() override {
    obj = P::make<object>();
    obj->ref.get();  // two references: T0's and T1's
  }
  void run(int t) override {
    if (t < 2) {
      obj->payload[t].write(t);
      obj->ref.put([this](basic_kref<P>&) { obj->done.complete(); });
    } else {
      obj->done.wait();
      (void)obj->payload[0].read();
      (void)obj->payload[1].read();
      P::destroy(obj);
    }
  }
};

// Runs executions in a loop; counters: steps/s and executions/s.
template <class Source>
void run_model(benchmark::State& state, const program_factory& f, Source& src) {
  options o;
  o.trace_failures = false;
  checker c(f, o);
  std::uint64_t execs = 0;
  std::uint64_t failures = 0;
  const std::uint64_t steps0 = c.total_steps();
  for (auto _ : state) {
    result r = c.run(src);
    failures += r.failed();
    ++execs;
  }
  state.counters["failing_fraction"] =
      static_cast<double>(failures) / static_cast<double>(std::max<std::uint64_t>(execs, 1));
  state.counters["steps_per_second"] = benchmark::Counter(
      static_cast<double>(c.total_steps() - steps0), benchmark::Counter::kIsRate);
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
  state.counters["steps_per_execution"] = static_cast<double>(c.total_steps() - steps0) /
                                          static_cast<double>(std::max<std::uint64_t>(execs, 1));
}

void BM_model_kref_completion_random(benchmark::State& state) {
  random_source src(1);
  run_model(state, factory<kref_completion_prog>(), src);
}
BENCHMARK(BM_model_kref_completion_random);

void BM_model_kref_completion_uniform(benchmark::State& state) {
  random_source src(1, random_source::mode::uniform);
  run_model(state, factory<kref_completion_prog>(), src);
}
BENCHMARK(BM_model_kref_completion_uniform);

// A tight program: 2 threads x 64 relaxed increments; measures the raw
// scheduling-point cost under the sticky random source.
struct spin_prog final : program {
  P::atomic<int> n{0};
  [[nodiscard]] int threads() const override { return 2; }
  void run(int) override {
    for (int i = 0; i < 64; ++i) n.fetch_add(1, std::memory_order_relaxed);
  }
};

void BM_model_steps_random(benchmark::State& state) {
  random_source src(7);
  run_model(state, factory<spin_prog>(), src);
}
BENCHMARK(BM_model_steps_random);

void BM_model_steps_uniform(benchmark::State& state) {
  random_source src(7, random_source::mode::uniform);
  run_model(state, factory<spin_prog>(), src);
}
BENCHMARK(BM_model_steps_uniform);

program_factory reference(release_placement pl, unload_policy po) {
  return factory<reference_bug>(reference_bug_config{pl, po});
}

// The reference bug under random schedules (most executions fail fast).
void BM_model_reference_bug_random(benchmark::State& state) {
  random_source src(3);
  run_model(state, reference(release_placement::module, unload_policy::immediate), src);
}
BENCHMARK(BM_model_reference_bug_random);

// The fixed variants: every execution runs to the end.
void BM_model_reference_builtin_random(benchmark::State& state) {
  random_source src(3);
  run_model(state, reference(release_placement::builtin, unload_policy::immediate), src);
}
BENCHMARK(BM_model_reference_builtin_random);

void BM_model_reference_drain_random(benchmark::State& state) {
  random_source src(3);
  run_model(state, reference(release_placement::module, unload_policy::drain_residency), src);
}
BENCHMARK(BM_model_reference_drain_random);

// Executions until the reference bug is found, per source (median over seeds).
template <class Make>
void find_bug(benchmark::State& state, Make make_source) {
  options o;
  o.trace_failures = false;
  checker c(reference(release_placement::module, unload_policy::immediate), o);
  std::vector<double> found;
  std::uint64_t seed = 1;
  std::uint64_t execs = 0;
  for (auto _ : state) {
    auto src = make_source(seed++);
    explore_result e = c.explore(*src, 100000);
    execs += e.executions;
    found.push_back(e.found() ? static_cast<double>(e.executions) : 1e9);
  }
  std::sort(found.begin(), found.end());
  state.counters["executions_to_find_median"] = found[found.size() / 2];
  state.counters["executions_to_find_max"] = found.back();
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
}

void BM_find_reference_bug_random(benchmark::State& state) {
  find_bug(state, [](std::uint64_t s) { return std::make_unique<random_source>(s); });
}
BENCHMARK(BM_find_reference_bug_random)->Iterations(101);

void BM_find_reference_bug_uniform(benchmark::State& state) {
  find_bug(state, [](std::uint64_t s) {
    return std::make_unique<random_source>(s, random_source::mode::uniform);
  });
}
BENCHMARK(BM_find_reference_bug_uniform)->Iterations(101);

void BM_find_reference_bug_pct(benchmark::State& state) {
  find_bug(state, [](std::uint64_t s) { return std::make_unique<pct_source>(s, 3); });
}
BENCHMARK(BM_find_reference_bug_pct)->Iterations(101);

void BM_find_reference_bug_dfs(benchmark::State& state) {
  find_bug(state, [](std::uint64_t) { return std::make_unique<dfs_source>(2); });
}
BENCHMARK(BM_find_reference_bug_dfs)->Iterations(11);

// Proving a fixed variant clean: every schedule with <= `bound` preemptions
// (range(0); 1000 = unbounded in practice: full search).
void prove_clean(benchmark::State& state, release_placement pl, unload_policy po) {
  const int bound = static_cast<int>(state.range(0));
  options o;
  o.trace_failures = false;
  checker c(reference(pl, po), o);
  std::uint64_t execs = 0;
  bool complete = true;
  bool found = false;
  for (auto _ : state) {
    dfs_source d(bound);
    explore_result e = c.explore(d, 10'000'000);
    execs = e.executions;
    complete = complete && e.complete;
    found = found || e.found();
  }
  state.counters["schedules"] = static_cast<double>(execs);
  state.counters["complete"] = complete ? 1 : 0;
  state.counters["failures"] = found ? 1 : 0;
  if (!complete || found) state.SkipWithError("fixed variant not proven clean");
}

void BM_prove_builtin_dfs(benchmark::State& state) {
  prove_clean(state, release_placement::builtin, unload_policy::immediate);
}
BENCHMARK(BM_prove_builtin_dfs)->Arg(2)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_prove_drain_dfs(benchmark::State& state) {
  prove_clean(state, release_placement::module, unload_policy::drain_residency);
}
// (Full search of this variant: 4.67M schedules, several seconds; not registered.)
BENCHMARK(BM_prove_drain_dfs)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
