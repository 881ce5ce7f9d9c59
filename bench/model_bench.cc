// SPDX-License-Identifier: MIT
// Model checker speed: scheduling points/s and executions/s of the model
// runtime, against the OS-thread handoff baseline (threads serialised by
// semaphores, as folly's DeterministicSchedule does) in the same binary, and
// the fiber switch that bounds a step from below.
//
// Names follow bench/suites/harness/main.h, <group>/<role>:<implementation>.
// Within a group every row's iteration is the same unit of work, so the
// report's time ratios are meaningful:
//   model_speed/1000_steps        1000 scheduling points: the model running
//       a 2-thread program of 1000 relaxed increments (sticky and uniform
//       random schedules; +~4 points for thread start/end, see the
//       steps_per_execution counter), vs OS threads handing off 1000 times
//       through semaphores (baseline), vs 1000 Boost.Context fcontext
//       switches (the limit: a step that changes thread cannot be cheaper
//       than one fiber switch; the model uses fcontext), and ucontext's
//       swapcontext (ref: the other candidate).
//   model_speed/kref_completion_execution  one execution of a 3-thread
//       kref + completion program: the model (random schedules) vs the same
//       program on 3 real threads (baseline: one stress-test execution), vs
//       spawning and joining 3 empty threads (ref: the floor of an OS-thread
//       execution, for context: the model pays no thread creation at all).
//   model_speed/reference_bug_execution   one execution of the reference
//       bug scenario (buggy, builtin-release and drain-residency variants),
//       ref: the kref + completion program's model execution.
//   model_search/find_reference_bug  one search until the bug is found, per
//       schedule source (executions_to_find_median counter); ref: a single
//       execution of the scenario (no search can take less).
//   model_search/prove_clean  exhaustive bounded search of a fixed variant
//       (schedules counter; under c11 the bound also bounds stale reads);
//       ref: a single execution. The dpor rows are the unbounded
//       partial-order-reduced proofs of the same variants.
//   model_search/kref_n_<N>  the N-thread kref program (GenMC's kref_n.c,
//       <lastref/model/known_programs.h>) searched to the end: the reducing
//       explorer (lastref:dpor; (3N)!/(3!)^N executions) vs unbounded plain
//       DFS (baseline:dfs_unbounded). Each cell is one search capped at
//       LASTREF_MODEL_BENCH_CAP_SECONDS (default 10 s; the table used
//       120); a capped cell's label says "> cap" and its executions counter
//       is a lower bound. Counters: executions, complete (1/0), blocked
//       (sleep-set blocked executions), executions_per_second.
//       model_search/completion_1x<W>_<model>: lastref::completion with
//       W waiters (wait, wait, wait_for) and one completer (complete_all;
//       complete then complete_all at W = 3): lastref-prove's completion1x2
//       and completion1x3 scenarios as model programs, W + 1 threads;
//       lastref:dpor under sc and c11, baseline:dfs_unbounded under sc
//       (same cap and counters as kref_n).
//       lastref:dpor_4_shards (N = 3, 4): the same search as 4 shards
//       (--shard i/4) run one after another: executions (all shards),
//       owned_executions (in each shard's own subtrees; the rest reach
//       other shards' subtrees), slowest_shard_seconds (the wall time of a
//       4-machine matrix).
//   model_memory/*  the c11 memory model against sc on the same program and
//       schedule source (ref: sc does strictly less work per step), and
//       the peak RSS after 10^6 c11 executions (store histories recycled).
// Counters: steps_per_second (scheduling points), executions_per_second,
// items_per_second (= scheduling points for model_speed/1000_steps).

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>
#include <lastref/model/reference_bug.h>

#include "harness/main.h"

namespace {

using namespace lastref;
using namespace lastref::model;
using P = model::platform;

constexpr int steps_per_iteration = 1000;

// ------------------------------------------------------------ fiber switch primitives

namespace fc = boost::context::detail;

void fcontext_body(fc::transfer_t t) {
  for (;;) t = fc::jump_fcontext(t.fctx, nullptr);
}

// One iteration = 1000 switches (500 round trips).
void switch_fcontext(benchmark::State& state) {
  std::vector<char> stack(64 * 1024);
  fc::fcontext_t f = fc::make_fcontext(stack.data() + stack.size(), stack.size(), &fcontext_body);
  for (auto _ : state) {
    for (int i = 0; i < steps_per_iteration / 2; ++i) {
      fc::transfer_t t = fc::jump_fcontext(f, nullptr);
      f = t.fctx;
    }
  }
  state.SetItemsProcessed(state.iterations() * steps_per_iteration);
}

ucontext_t g_uc_main, g_uc_fiber;
void ucontext_body() {
  for (;;) swapcontext(&g_uc_fiber, &g_uc_main);
}

void switch_ucontext(benchmark::State& state) {
  std::vector<char> stack(64 * 1024);
  getcontext(&g_uc_fiber);
  g_uc_fiber.uc_stack.ss_sp = stack.data();
  g_uc_fiber.uc_stack.ss_size = stack.size();
  g_uc_fiber.uc_link = nullptr;
  makecontext(&g_uc_fiber, &ucontext_body, 0);
  for (auto _ : state)
    for (int i = 0; i < steps_per_iteration / 2; ++i) swapcontext(&g_uc_main, &g_uc_fiber);
  state.SetItemsProcessed(state.iterations() * steps_per_iteration);
}

// ------------------------------------------------------------ OS-thread handoff baseline

// N OS threads; exactly one runs at a time; at every step the running thread
// picks the next (pseudo-randomly, sticky like the model's random source) and
// hands off through semaphores. One iteration = 1000 steps (plus creating
// and joining the threads, ~0.1% of it).
void os_thread_handoff(benchmark::State& state, int n) {
  std::uint64_t total = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<std::binary_semaphore>> sem;
    for (int i = 0; i < n; ++i) sem.push_back(std::make_unique<std::binary_semaphore>(0));
    std::uint64_t remaining = steps_per_iteration;
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
    total += steps_per_iteration;
  }
  state.counters["steps_per_second"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}

// ------------------------------------------------------------ model programs

// 3 threads over a real kref + completion: T0 and T1 drop references, the
// last put completes `done`; T2 waits for it and frees the object.
template <class Pl>
struct kref_completion_object {
  basic_kref<Pl> ref;
  basic_completion<Pl> done;
  typename Pl::template cell<int> payload[2];  // one per dropping thread
};

struct kref_completion_prog final : program {
  using object = kref_completion_object<P>;
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

// The same program on real threads: one stress-test execution.
void os_threads_kref_completion(benchmark::State& state) {
  using object = kref_completion_object<std_platform>;
  for (auto _ : state) {
    auto* obj = new object;
    obj->ref.get();
    auto drop = [obj](int t) {
      obj->payload[t].write(t);
      obj->ref.put([obj](basic_kref<std_platform>&) { obj->done.complete(); });
    };
    std::thread t0(drop, 0), t1(drop, 1);
    std::thread t2([obj] {
      obj->done.wait();
      benchmark::DoNotOptimize(obj->payload[0].read() + obj->payload[1].read());
      delete obj;
    });
    t0.join();
    t1.join();
    t2.join();
  }
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void spawn_join_3_threads(benchmark::State& state) {
  for (auto _ : state) {
    std::thread t0([] {}), t1([] {}), t2([] {});
    t0.join();
    t1.join();
    t2.join();
  }
}

// Memory of long runs (long runs must stay bounded): the process's
// resident set now (/proc/self/statm, bytes) and its high-water mark
// (getrusage, KiB on Linux).
double rss_bytes_now() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) : 0;
}
double peak_rss_bytes() {
  rusage u{};
  return getrusage(RUSAGE_SELF, &u) == 0 ? static_cast<double>(u.ru_maxrss) * 1024.0 : 0;
}

// Runs executions in a loop; counters: steps/s and executions/s, and the
// process's peak RSS and the RSS growth over the run (flat memory over
// 10^6 executions shows as a growth near 0).
template <class Source>
void run_model(benchmark::State& state, const program_factory& f, Source& src,
               memory_model m = memory_model::c11) {
  const double rss0 = rss_bytes_now();
  run_options o;
  o.trace_failures = false;
  o.memory = m;
  checker c;
  std::uint64_t execs = 0;
  std::uint64_t failures = 0;
  const std::uint64_t steps0 = c.total_steps();
  for (auto _ : state) {
    result r = c.run(f, src, o);
    failures += r.failed();
    ++execs;
  }
  const auto steps = static_cast<double>(c.total_steps() - steps0);
  state.counters["failing_fraction"] =
      static_cast<double>(failures) / static_cast<double>(std::max<std::uint64_t>(execs, 1));
  state.counters["steps_per_second"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
  state.counters["steps_per_execution"] =
      steps / static_cast<double>(std::max<std::uint64_t>(execs, 1));
  state.SetItemsProcessed(static_cast<std::int64_t>(c.total_steps() - steps0));
  state.counters["peak_rss_bytes"] = peak_rss_bytes();
  state.counters["rss_growth_bytes"] = rss_bytes_now() - rss0;
}

void model_kref_completion_random(benchmark::State& state) {
  random_source src(1);
  run_model(state, factory<kref_completion_prog>(), src);
}

void model_kref_completion_in(benchmark::State& state, memory_model m) {
  random_source src(1);
  run_model(state, factory<kref_completion_prog>(), src, m);
}

// A tight program: 2 threads x 500 relaxed increments, ~1000 scheduling
// points per execution.
struct spin_prog final : program {
  P::atomic<int> n{0};
  [[nodiscard]] int threads() const override { return 2; }
  void run(int) override {
    for (int i = 0; i < steps_per_iteration / 2; ++i) n.fetch_add(1, std::memory_order_relaxed);
  }
};

void model_steps_random(benchmark::State& state) {
  random_source src(7);
  run_model(state, factory<spin_prog>(), src);
}

void model_steps_uniform(benchmark::State& state) {
  random_source src(7, random_source::mode::uniform);
  run_model(state, factory<spin_prog>(), src);
}

program_factory reference(release_placement pl, unload_policy po) {
  return factory<reference_bug>(reference_bug_config{pl, po});
}

void reference_execution(benchmark::State& state, release_placement pl, unload_policy po) {
  random_source src(3);
  run_model(state, reference(pl, po), src);
}

void reference_execution_in(benchmark::State& state, memory_model m) {
  random_source src(3);
  run_model(state, reference(release_placement::module, unload_policy::immediate), src, m);
}

// Store histories are recycled: the process's peak RSS after 10^4 and after
// 10^6 c11 executions of the kref + completion program (flat: equal).
void c11_memory_flat(benchmark::State& state) {
  run_options o;
  o.trace_failures = false;
  const program_factory subject = factory<kref_completion_prog>();
  checker c;
  random_source src(5);
  double after_1e4 = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1'000'000; ++i) {
      (void)c.run(subject, src, o);
      if (i + 1 == 10'000) after_1e4 = peak_rss_bytes() / 1024;
    }
  }
  state.counters["peak_rss_kib_after_1e4"] = after_1e4;
  state.counters["peak_rss_kib_after_1e6"] = peak_rss_bytes() / 1024;
}

// Executions until the reference bug is found, per source (median over seeds).
template <class Make>
void find_bug(benchmark::State& state, Make make_source) {
  run_options o;
  o.trace_failures = false;
  const program_factory subject = reference(release_placement::module, unload_policy::immediate);
  checker c;
  std::vector<double> found;
  std::uint64_t seed = 1;
  std::uint64_t execs = 0;
  for (auto _ : state) {
    auto src = make_source(seed++);
    explore_result e = c.explore(subject, *src, 100000, o);
    execs += e.executions;
    found.push_back(e.found() ? static_cast<double>(e.executions) : 1e9);
  }
  std::sort(found.begin(), found.end());
  state.counters["executions_to_find_median"] = found[found.size() / 2];
  state.counters["executions_to_find_max"] = found.back();
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(execs), benchmark::Counter::kIsRate);
}

// Proving a fixed variant clean: every schedule with <= `bound` preemptions
// (1000 = unbounded in practice: full search).
// Under c11 the same bound applies to stale reads (dfs_source's second bound).
void prove_clean(benchmark::State& state, release_placement pl, unload_policy po, int bound,
                 memory_model m) {
  run_options o;
  o.trace_failures = false;
  o.memory = m;
  const program_factory subject = reference(pl, po);
  checker c;
  std::uint64_t execs = 0;
  bool complete = true;
  bool found = false;
  for (auto _ : state) {
    dfs_source d(bound, bound);
    explore_result e = c.explore(subject, d, 10'000'000, o);
    execs = e.executions;
    complete = complete && e.complete;
    found = found || e.found();
  }
  state.counters["schedules"] = static_cast<double>(execs);
  state.counters["complete"] = complete ? 1 : 0;
  state.counters["failures"] = found ? 1 : 0;
  if (!complete || found) state.SkipWithError("fixed variant not proven clean");
}

double cap_seconds() {
  const char* e = std::getenv("LASTREF_MODEL_BENCH_CAP_SECONDS");
  const double v = e != nullptr ? std::atof(e) : 0.0;
  return v > 0 ? v : 10.0;
}

// One exhaustive search per iteration, under the time cap; reports its
// certificate (label) and counts.
void search_cell(benchmark::State& state, const program_factory& f, strategy how, bool expect_proof,
                 memory_model m = memory_model::c11) {
  run_options o;
  o.trace_failures = false;
  o.memory = m;
  checker c;
  certificate cert;
  for (auto _ : state) {
    const search_result r =
        search(c, f, {.how = how, .max_executions = ~0ull, .max_seconds = cap_seconds()}, o);
    cert = r.cert;
  }
  state.counters["executions"] = static_cast<double>(cert.executions);
  state.counters["complete"] = cert.complete ? 1 : 0;
  state.counters["blocked"] = static_cast<double>(cert.blocked);
  state.counters["executions_per_second"] =
      static_cast<double>(cert.executions) / std::max(cert.seconds, 1e-9);
  state.SetLabel(cert.complete ? "complete" : "> cap (" + cert.summary() + ")");
  if (cert.found) state.SkipWithError(("failure found: " + cert.summary()).c_str());
  if (expect_proof && cert.complete && !cert.proof()) state.SkipWithError("not a proof");
}

// lastref-prove's completion scenarios as a model program: W waiters
// (wait, wait, wait_for 1 ms) and a completer (complete_all, or complete
// then complete_all when W = 3).
struct completion_1xw : program {
  int waiters;
  basic_completion<platform> c;
  explicit completion_1xw(int w) : waiters(w) {}
  int threads() const override { return waiters + 1; }
  void run(int t) override {
    if (t == waiters) {
      if (waiters == 3) c.complete();
      c.complete_all();
    } else if (t < 2) {
      c.wait();
    } else {
      (void)c.wait_for(std::chrono::milliseconds(1));
    }
  }
};

void completion_search(benchmark::State& state, int waiters, strategy how, memory_model m) {
  search_cell(state, factory<completion_1xw>(waiters), how, true, m);
}

void kref_n_search(benchmark::State& state, int n, strategy how) {
  search_cell(state, factory<known::kref_n>(n), how, true);
  if (how == strategy::dpor && state.counters["complete"] == 1 &&
      state.counters["executions"] != static_cast<double>(known::kref_n_traces(n)))
    state.SkipWithError("dpor execution count differs from (3N)!/(3!)^N");
}

// The same search split into `shards` shards run one after another (as a CI
// matrix would run them side by side): total executions, and the slowest
// shard's time, which bounds the wall time with one machine per shard.
void kref_n_sharded(benchmark::State& state, int n, int shards) {
  run_options o;
  o.trace_failures = false;
  checker c;
  const program_factory f = factory<known::kref_n>(n);
  std::uint64_t execs = 0, useful = 0;
  double slowest = 0;
  bool complete = true;
  for (auto _ : state) {
    execs = useful = 0;
    slowest = 0;
    for (int i = 0; i < shards; ++i) {
      search_limits l;
      l.max_executions = ~0ull;
      l.max_seconds = cap_seconds();
      l.shard_index = i;
      l.shard_count = shards;
      const search_result r = search(c, f, l, o);
      complete = complete && r.cert.complete && !r.cert.found;
      execs += r.cert.executions;
      useful += r.cert.owned;
      slowest = std::max(slowest, r.cert.seconds);
    }
  }
  state.counters["executions"] = static_cast<double>(execs);
  state.counters["owned_executions"] = static_cast<double>(useful);
  state.counters["slowest_shard_seconds"] = slowest;
  state.counters["complete"] = complete ? 1 : 0;
  state.SetLabel(complete ? "complete" : "> cap");
}

void prove_dpor(benchmark::State& state, release_placement pl, unload_policy po) {
  search_cell(state, reference(pl, po), strategy::dpor, true);
  if (state.counters["complete"] != 1) state.SkipWithError("fixed variant not proven clean");
}

void register_all() {
  using benchmark::RegisterBenchmark;
  const std::string s = "model_speed/1000_steps/";
  RegisterBenchmark((s + "lastref:model_random_sticky").c_str(), model_steps_random);
  RegisterBenchmark((s + "lastref:model_random_uniform").c_str(), model_steps_uniform);
  RegisterBenchmark((s + "baseline:os_thread_handoff_2threads").c_str(), os_thread_handoff, 2)
      ->UseRealTime();
  RegisterBenchmark((s + "baseline:os_thread_handoff_3threads").c_str(), os_thread_handoff, 3)
      ->UseRealTime();
  RegisterBenchmark((s + "ref:ucontext_switches").c_str(), switch_ucontext);
  RegisterBenchmark((s + "limit:fcontext_switches").c_str(), switch_fcontext);

  const std::string k = "model_speed/kref_completion_execution/";
  RegisterBenchmark((k + "lastref:model_random_sticky").c_str(), model_kref_completion_random);
  RegisterBenchmark((k + "baseline:os_threads_stress_execution").c_str(),
                    os_threads_kref_completion)
      ->UseRealTime();
  RegisterBenchmark((k + "ref:spawn_join_3_empty_threads").c_str(), spawn_join_3_threads)
      ->UseRealTime();

  using rp = release_placement;
  using up = unload_policy;
  const std::string r = "model_speed/reference_bug_execution/";
  RegisterBenchmark((r + "lastref:module_release_immediate_unload_BUGGY").c_str(),
                    reference_execution, rp::module, up::immediate);
  RegisterBenchmark((r + "lastref:builtin_release").c_str(), reference_execution, rp::builtin,
                    up::immediate);
  RegisterBenchmark((r + "lastref:drain_residency").c_str(), reference_execution, rp::module,
                    up::drain_residency);
  RegisterBenchmark((r + "ref:kref_completion_execution").c_str(), model_kref_completion_random);

  // The c11 memory model (store histories, read decisions) against sc on the
  // same programs and schedule source: sc does strictly less work per step,
  // so it bounds c11's rate from above.
  const std::string mk = "model_memory/kref_completion_execution/";
  RegisterBenchmark((mk + "lastref:c11").c_str(), model_kref_completion_in, memory_model::c11);
  RegisterBenchmark((mk + "ref:sc").c_str(), model_kref_completion_in, memory_model::sc);
  const std::string mr = "model_memory/reference_bug_execution/";
  RegisterBenchmark((mr + "lastref:c11").c_str(), reference_execution_in, memory_model::c11);
  RegisterBenchmark((mr + "ref:sc").c_str(), reference_execution_in, memory_model::sc);
  const std::string mf = "model_memory/flat_over_1e6_executions/";
  RegisterBenchmark((mf + "lastref:c11_peak_rss").c_str(), c11_memory_flat)
      ->Iterations(1)
      ->Repetitions(1)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark((mf + "ref:one_execution").c_str(), model_kref_completion_in,
                    memory_model::c11);

  const std::string f = "model_search/find_reference_bug/";
  RegisterBenchmark((f + "lastref:random_sticky").c_str(), [](benchmark::State& st) {
    find_bug(st, [](std::uint64_t seed) { return std::make_unique<random_source>(seed); });
  })->Iterations(101);
  RegisterBenchmark((f + "lastref:random_uniform").c_str(), [](benchmark::State& st) {
    find_bug(st, [](std::uint64_t seed) {
      return std::make_unique<random_source>(seed, random_source::mode::uniform);
    });
  })->Iterations(101);
  RegisterBenchmark((f + "lastref:pct_depth3").c_str(), [](benchmark::State& st) {
    find_bug(st, [](std::uint64_t seed) { return std::make_unique<pct_source>(seed, 3); });
  })->Iterations(101);
  RegisterBenchmark((f + "lastref:dfs_2_preemptions").c_str(), [](benchmark::State& st) {
    find_bug(st, [](std::uint64_t) { return std::make_unique<dfs_source>(2); });
  })->Iterations(11);
  RegisterBenchmark((f + "ref:one_execution").c_str(), reference_execution, rp::module,
                    up::immediate);

  const std::string p = "model_search/prove_clean/";
  RegisterBenchmark((p + "lastref:builtin_dfs_2_preemptions").c_str(), prove_clean, rp::builtin,
                    up::immediate, 2, memory_model::c11)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark((p + "lastref:builtin_dfs_full").c_str(), prove_clean, rp::builtin,
                    up::immediate, 1000, memory_model::c11)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark((p + "lastref:drain_dfs_2_preemptions").c_str(), prove_clean, rp::module,
                    up::drain_residency, 2, memory_model::c11)
      ->Unit(benchmark::kMillisecond);
  // (Full search of the drain variant: 4.67M schedules, several seconds; not
  // registered.)
  RegisterBenchmark((p + "lastref:drain_dfs_3_preemptions").c_str(), prove_clean, rp::module,
                    up::drain_residency, 3, memory_model::c11)
      ->Unit(benchmark::kMillisecond);
  RegisterBenchmark((p + "lastref:builtin_dpor").c_str(), prove_dpor, rp::builtin, up::immediate)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(1);
  RegisterBenchmark((p + "lastref:drain_dpor").c_str(), prove_dpor, rp::module, up::drain_residency)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(1);
  RegisterBenchmark((p + "ref:one_execution").c_str(), reference_execution, rp::builtin,
                    up::immediate);

  for (int n = 2; n <= 5; ++n) {
    const std::string g = "model_search/kref_n_" + std::to_string(n) + "/";
    RegisterBenchmark((g + "lastref:dpor").c_str(), kref_n_search, n, strategy::dpor)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->Repetitions(1);
    RegisterBenchmark((g + "baseline:dfs_unbounded").c_str(), kref_n_search, n, strategy::dfs)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->Repetitions(1);
    if (n >= 3 && n <= 4)
      RegisterBenchmark((g + "lastref:dpor_4_shards").c_str(), kref_n_sharded, n, 4)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->Repetitions(1);
  }
  for (int w = 1; w <= 3; ++w) {
    const std::string g = "model_search/completion_1x" + std::to_string(w) + "_";
    for (memory_model m : {memory_model::sc, memory_model::c11})
      RegisterBenchmark((g + (m == memory_model::sc ? "sc" : "c11") + "/lastref:dpor").c_str(),
                        completion_search, w, strategy::dpor, m)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->Repetitions(1);
    RegisterBenchmark((g + "sc/baseline:dfs_unbounded").c_str(), completion_search, w,
                      strategy::dfs, memory_model::sc)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->Repetitions(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
