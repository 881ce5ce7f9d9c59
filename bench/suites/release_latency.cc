// SPDX-License-Identifier: MIT
// Suite 3 — release latency under priority contention: the benchmark half of
// the reference bug (DESIGN.md, "The reference bug"), on real threads.
//
// One sample (one_unload): a fresh module M is loaded; a fresh object holds
// one reference for the unloader (the benchmark thread) and one for the
// releasing thread A (a fresh thread in the cell's releaser class, blocked
// until told to go). The unloader asks to unload M (t_req). M's exit
// callback drops the unloader's reference, tells A to go with a randomised
// pre-release delay d (uniform in [delay/5, delay], --lastref_delay_us,
// default 250 us), and sleeps in wait_for_completion until the release (or
// A's exit) lets it proceed, then tears the object down (t_torn); unload()
// returns once M is gone (t_gone). A sleeps until t_due = (go) + d, so the
// unloader is asleep by then (step 3 of the bug) and release instants fall at
// every phase of the hogs' activity (a closed loop without coordinated
// omission), then stamps t_put right before its last put. Metrics:
//   (a) put_to_teardown = t_torn - t_put  (last put -> unloader woke and tore
//       the object down; counters p50_us .. max_us)
//   (b) unload_to_gone  = t_gone - t_req - d  (unload request -> module gone,
//       less the planned part of the time A kept its reference; how late A
//       woke at its priority stays in; counters unload_p50_us ..
//       unload_max_us)
// Neither interval has a sleep of the benchmark's own inside it (d is the
// one planned sleep and is taken out of (b)).
// exposed: samples in which A was still inside M's text when unload()
// returned (the reference bug's window, observed); 0 by construction for
// every safe strategy, so a non-zero count there is a bug in lastref.
//
// Strategies (rows `release_latency/<cell>/<role>:<impl>`):
//   lastref:builtin_release       release() in builtin code calls complete();
//                                 immediate unload (the dm-builtin.c fix)
//   lastref:complete_and_exit     A is M's thread, its release frees the
//                                 object, it ends with complete_and_exit
//   lastref:module_put_and_exit   (full matrix) A pins M and ends with
//                                 module_put_and_exit; the unloader retries
//                                 delete_module, spinning on the refcount
//   lastref:drain_residency       release() in M's text; unload waits until no
//                                 thread is inside M's text
//   ref:builtin_release_with_wait_yield
//                                 (default and full matrix) builtin_release over
//                                 a platform whose completion wait ends its
//                                 spin with 4 sched_yield polls: the A/B of
//                                 the yield phase lastref's completion does
//                                 NOT have; benchmark JSON only, not in the
//                                 samples file
//   baseline:UNSAFE_immediate_unload
//                                 release() in M's text, immediate unload: the
//                                 kernel bug, for reference only; `exposed`
//                                 is its real-world exposure
// Reference in the same run and load (not a limit: a futex wake can beat a
// timer wakeup): `ref:timer_wakeup_unloader` (what the report divides each
// cell's figures by, bench/suites/release_latency.suite.toml) and
// `ref:timer_wakeup_releaser`, a cyclictest-style probe (clock_nanosleep to
// an absolute deadline, random period 100..500 us, timer slack 1 ns; the
// sample is how late it woke) in the unloader's class (SCHED_OTHER nice 0)
// and in the releaser's class, on their CPUs when pinned.
//
// Contention cells (release_matrix.h): releaser normal | nice 19 |
// SCHED_IDLE; K = 0, cores, 2 x cores in-process hogs, SCHED_OTHER nice 0 or
// SCHED_FIFO 1 (hog_group.h: fifo hogs are duty-cycled so each CPU stays at
// most 2/3 real-time busy); unpinned, or pinned (unloader on the first CPU,
// A on the last, hogs round-robin over all).
//
// Budget: each row samples until it has its share of --lastref_samples or
// its share of the row's time cap is spent (both split evenly over
// --benchmark_repetitions; this binary defaults to 1 repetition). Hogs stop
// at the end of the window; a sample that ends after it is discarded.
// Safety: hog_group bounds every hog; SIGINT/SIGTERM/SIGHUP stop every row at
// once (every thread is joined, so every scheduling class and priority the
// run set dies with its thread; the benchmark JSON and the samples file keep
// what finished, the samples file marked "interrupted"; the exit status is
// 128+signal); the process gets SIGTERM when its parent dies and its
// real-time threads are bounded by RLIMIT_RTTIME (run_guard.h,
// bind_to_parent), and a watchdog (--lastref_watchdog_s) aborts a run that
// overstays after stopping every hog.

#include <lastref/completion.h>
#include <lastref/futex.h>
#include <lastref/kref.h>
#include <lastref/module.h>
#include <lastref/thread.h>

#include <lastref/cli.h>

#include <benchmark/benchmark.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "harness/cpu.h"
#include "harness/histogram.h"
#include "harness/hog_group.h"
#include "harness/machine.h"
#include "harness/main.h"
#include "harness/run_guard.h"
#include "release_matrix.h"
#include "release_samples.h"
#include "starved_platform.h"
#include "wake_channels.h"

namespace {

using namespace lastref::bench;
using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::uint64_t p999_min_samples = 10'000;
constexpr milliseconds hog_settle{20};
constexpr std::chrono::seconds stuck{120};  // one step this slow is a bug, not a latency

struct config {
  matrix_kind matrix = matrix_kind::standard;
  pin_mode pinned = pin_mode::no;
  long samples = -1;  // per row, over all repetitions; -1: the matrix's default
  long cap_ms = -1;   // per strategy row, over all repetitions; probes get half
  microseconds burst{2000};
  microseconds delay_max{250};
  std::string samples_out;
  long watchdog_s = -1;
  int repetitions = 1;
};
config g_cfg;

long default_samples(matrix_kind m) {
  return m == matrix_kind::quick ? 100 : m == matrix_kind::standard ? 2000 : 10'000;
}
long default_cap_ms(matrix_kind m) {
  return m == matrix_kind::quick ? 250 : m == matrix_kind::standard ? 1200 : 21'600'000;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "release_latency: %s\n", what);
  std::abort();
}

std::int64_t now_ns() { return clock_type::now().time_since_epoch().count(); }

// steady_clock is CLOCK_MONOTONIC on Linux.
void sleep_until_ns(std::int64_t t) {
  const timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// Where a row's threads run; -1: unpinned.
struct placement {
  int unloader = -1;
  int releaser = -1;
  std::vector<int> hog_cpus;
};

bool apply_class(releaser_class r) {
  switch (r) {
    case releaser_class::normal:
      return set_self_other(0);
    case releaser_class::nice19:
      return set_self_other(19);
    case releaser_class::sched_idle:
      return set_self_idle();
  }
  return false;
}

// ---------------------------------------------------------------- one sample

// The A/B row ref:builtin_release_with_wait_yield: the same release over a
// platform whose completion wait ends its spin with sched_yield() polls, as
// libstdc++'s atomic::wait does. Under CPU hogs of the unloader's own class
// a yield hands the CPU to a hog for the rest of its slice (measured here:
// p50 205 us against 12.5 us without the yields, two normal hogs), which is
// why std_platform's wait_yield_iterations is 0; this row keeps the
// evidence in every run.
struct yield_platform : starved_platform {
  static constexpr unsigned wait_yield_iterations = 4;
};

// The parts one sample's protocol is built from: lastref's own here; a
// user's release path or module (the bring-your-own rows, at the end of
// this file) supplies its own with the same members.
template <class Plat>
struct lastref_parts {
  using kref = lastref::basic_kref<Plat>;
  using completion = lastref::basic_completion<Plat>;
  using module = lastref::basic_module<Plat>;
};

template <class Plat, class Parts = lastref_parts<Plat>>
struct object {
  typename Parts::kref ref;             // starts at 1: the unloader's reference
  typename Parts::completion released;  // release() -> the unloader (in the object,
                                        // like kobj_unregister: the waiter frees it)
  std::uint64_t payload[6] = {};
};

struct sample {
  nanoseconds put_to_teardown{};
  nanoseconds unload_to_gone{};
  bool exposed = false;
  bool woke_sleeper = false;  // A's release made a futex wake (the unloader slept)
  bool class_ok = true;
  clock_type::time_point end;
};

template <class Plat, class Parts = lastref_parts<Plat>>
sample one_unload_on(strategy s, releaser_class rc, const placement& pl, nanoseconds delay) {
  using module_t = typename Parts::module;
  using scope_t = typename module_t::residency_scope;
  using completion_t = lastref::basic_completion<Plat>;
  using kref_t = typename Parts::kref;
  // complete_and_exit / module_put_and_exit take lastref's scope: a module
  // with a residency scheme of its own runs the other strategies only.
  constexpr bool lastref_scope = std::is_same_v<scope_t, lastref::basic_residency_scope<Plat>>;
  const bool in_text = s == strategy::drain_residency || s == strategy::unsafe_immediate;
  const bool safe_exit = s == strategy::complete_and_exit || s == strategy::module_put_and_exit;
  const auto policy = s == strategy::drain_residency ? lastref::unload_policy::drain_residency
                                                     : lastref::unload_policy::immediate;
  auto* obj = new object<Plat, Parts>;
  obj->ref.get();                                // A's reference
  completion_t thread_done;                      // complete_and_exit -> unloader
  alignas(64) std::atomic<std::uint32_t> go{0};  // futex word: unloader -> A
  std::atomic<std::int64_t> t_due{0};            // published by go's release store
  std::atomic<std::int64_t> t_put{0};            // read after join
  std::atomic<bool> class_ok{true};              // read after the handshake
  std::int64_t t_torn = 0;
  preemption_trigger trigger{nullptr};  // records where A's wake happened

  auto tell_a = [&] {
    t_due.store(now_ns() + delay.count(), std::memory_order_relaxed);
    go.store(1u, std::memory_order_release);
    lastref::futex_wake(&go, 1);
  };
  auto unloaders_put = [&] {
    if (obj->ref.put([](kref_t&) {})) die("the unloader's put was the last one");
  };

  std::optional<module_t> storage;
  module_t& mod = storage.emplace(
      "lastref_bench_mod",
      [&] {
        // M's exit callback, in the unloader (dm's exit path): drop our
        // reference, let A go, sleep until the release says so, tear down.
        if (s == strategy::module_put_and_exit) {
          t_torn = now_ns();  // the retried delete_module got here: M unused
          return;
        }
        unloaders_put();
        tell_a();
        if (s == strategy::complete_and_exit) {
          thread_done.wait();
        } else {
          obj->released.wait();
          delete obj;  // the teardown: A's release no longer touches it
        }
        t_torn = now_ns();
      },
      policy);
  mod.mark_live();
  if (s == strategy::module_put_and_exit) mod.get();  // the creator pins M for A

  auto release_fn = [&](kref_t&) {
    object<Plat, Parts>* o = obj;  // the unloader never changes the pointer
    if (safe_exit) {
      delete o;  // M's thread frees the object itself, in M's text
    } else if (in_text) {
      scope_t in_m(mod);  // call_in_text, spelled with the module's own scope
      o->released.complete();
    } else
      o->released.complete();
  };

  pin_handshake a_ready;
  std::thread a = lastref::run_thread([&] {
    if (pl.releaser >= 0) pin_self(pl.releaser);
    if (!apply_class(rc)) class_ok.store(false, std::memory_order_relaxed);
    armed_trigger = &trigger;
    std::optional<scope_t> scope;
    if (safe_exit) scope.emplace(mod);  // M's thread runs in M's text
    // The pre-release delay wakes by timer: no slack (see the probe).
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    a_ready.pinned();
    while (go.load(std::memory_order_acquire) == 0u) lastref::futex_wait(&go, 0u);
    sleep_until_ns(t_due.load(std::memory_order_relaxed));
    t_put.store(now_ns(), std::memory_order_relaxed);
    obj->ref.put(release_fn);
    if constexpr (lastref_scope) {
      if (s == strategy::complete_and_exit) lastref::complete_and_exit(thread_done, *scope);
      if (s == strategy::module_put_and_exit) lastref::module_put_and_exit(mod, *scope);
    }
    Plat::fire_end();
  });
  a_ready.wait();

  sample out;
  out.class_ok = class_ok.load(std::memory_order_relaxed);
  const std::int64_t t_req = now_ns();
  lastref::unload_result r;
  if (s == strategy::module_put_and_exit) {
    unloaders_put();
    tell_a();
    // delete_module(O_NONBLOCK) fails while A's pin is held: retry as soon
    // as the count says it can succeed (spinning: no sleep in the interval).
    const auto deadline = clock_type::now() + stuck;
    while ((r = mod.unload()) == lastref::unload_result::would_block) {
      while (mod.refcount() != 0) {
        cpu_relax();
        if (clock_type::now() > deadline) die("module_put_and_exit never dropped its pin");
      }
    }
  } else {
    r = mod.unload();
  }
  const std::int64_t t_gone = now_ns();
  // M is gone: a thread still inside its text is the reference bug.
  if constexpr (requires { mod.residents(); }) out.exposed = mod.residents() != 0;
  a.join();  // A's last steps may still touch mod (that is the bug); free after
  if (r != lastref::unload_result::ok) die("unload() failed");
  out.put_to_teardown = nanoseconds(t_torn - t_put.load(std::memory_order_relaxed));
  out.unload_to_gone = nanoseconds(t_gone - t_req) - delay;
  out.woke_sleeper = trigger.where == fired_at::after_wake;
  out.end = clock_type::now();
  return out;
}

sample one_unload(strategy s, releaser_class rc, const placement& pl, nanoseconds delay) {
  if (s == strategy::builtin_with_wait_yield)
    return one_unload_on<yield_platform>(strategy::builtin, rc, pl, delay);
  return one_unload_on<starved_platform>(s, rc, pl, delay);
}

// ------------------------------------------------------------------- rows

struct row {
  std::string name;  // registered name (Google Benchmark appends the suffix)
  cell c;
  bool probe = false;
  strategy strat = strategy::builtin;
  bool probe_at_releaser = false;
  samples_cell a;  // put_to_teardown or timer_wakeup
  samples_cell b;  // unload_to_gone (strategy rows only)
  std::int64_t exposed = 0;
  // A bring-your-own row's sample (end of this file); null: one_unload.
  sample (*run)(releaser_class, const placement&, nanoseconds) = nullptr;
};
std::vector<std::unique_ptr<row>> g_rows;
std::optional<int> g_dma_latency_at_start;
bool g_started = false;

// The split of a row's budget over the repetitions.
struct window {
  std::uint64_t target;
  clock_type::duration cap;
};
window row_window(bool probe) {
  const long n = g_cfg.samples > 0 ? g_cfg.samples : default_samples(g_cfg.matrix);
  const long cap = g_cfg.cap_ms > 0 ? g_cfg.cap_ms : default_cap_ms(g_cfg.matrix);
  const int reps = std::max(g_cfg.repetitions, 1);
  return window{static_cast<std::uint64_t>((n + reps - 1) / reps),
                milliseconds((probe ? cap / 2 : cap) / reps)};
}

placement place(const cell& c) {
  placement pl;
  if (!c.pinned) return pl;
  const cpu_pair cpus = pick_cpu_pair();
  pl.unloader = cpus.first;
  pl.releaser = cpus.second;
  pl.hog_cpus = allowed_cpus();
  return pl;
}

void start_hogs(std::optional<hog_group>& hogs, const cell& c, const placement& pl,
                clock_type::time_point deadline) {
  if (c.k == 0) return;
  hog_group::options o;
  o.count = c.k;
  o.fifo = c.hogs == hog_kind::fifo;
  o.fifo_priority = detect_contention_mode().fifo_priority;
  o.cpus = pl.hog_cpus;
  o.burst = g_cfg.burst;
  o.gap = hog_group::fifo_gap_for(c.k, static_cast<int>(allowed_cpus().size()), g_cfg.burst);
  o.budget =
      std::chrono::duration_cast<milliseconds>(deadline - clock_type::now()) + milliseconds(100);
  o.abort = &stop_flag();
  o.deadline = deadline;
  hogs.emplace(std::move(o));
}

void note_start() {
  if (g_started) return;
  g_started = true;
  g_dma_latency_at_start = held_cpu_dma_latency();
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

void publish(benchmark::State& st, const log_histogram& h, const std::string& prefix) {
  st.counters[prefix + "p50_us"] = us(h.percentile(0.50));
  st.counters[prefix + "p90_us"] = us(h.percentile(0.90));
  st.counters[prefix + "p99_us"] = us(h.percentile(0.99));
  st.counters[prefix + "p999_us"] = us(h.percentile(0.999));
  st.counters[prefix + "max_us"] = us(h.max());
}

std::string row_label(const row& r, const std::string& extra) {
  std::string l = "releaser=" + std::string(releaser_name(r.c.releaser)) +
                  " hogs=" + hogs_name(r.c.hogs) + " k=" + std::to_string(r.c.k) +
                  (r.c.pinned ? " pinned" : "");
  if (!r.probe && r.strat == strategy::unsafe_immediate) l += " UNSAFE(reference only)";
  return extra.empty() ? l : l + " " + extra;
}

// Ends a row before its timed loop. The loop is still entered (it runs no
// iteration once an error is set) so that this repetition reports the same
// iteration count as the others: Google Benchmark's ComputeStats CHECKs
// that every repetition of a benchmark has one count, and aborts otherwise
// (a SIGINT that lands between two repetitions used to abort the run there).
void skip_row(benchmark::State& st, const char* why) {
  st.SkipWithError(why);
  for (auto _ : st) {
  }
}

void strategy_row(benchmark::State& st, row* r) {
  note_start();
  if (stop_flag().load(std::memory_order_relaxed)) {
    skip_row(st, "interrupted");
    return;
  }
  const placement pl = place(r->c);
  if (r->c.pinned && pl.unloader == pl.releaser) {
    skip_row(st, "pinned rows need two CPUs");
    return;
  }
  std::optional<scoped_pin> pin;
  if (pl.unloader >= 0) pin.emplace(pl.unloader);
  const window w = row_window(false);
  const auto deadline = clock_type::now() + hog_settle + w.cap;
  std::optional<hog_group> hogs;
  start_hogs(hogs, r->c, pl, deadline);
  if (hogs && !hogs->error().empty()) {
    skip_row(st, ("hogs: " + hogs->error()).c_str());
    return;
  }
  if (hogs) std::this_thread::sleep_for(hog_settle);
  std::mt19937_64 rng(std::hash<std::string>{}(r->name) ^ r->a.hist.count());
  log_histogram a, b;
  std::int64_t exposed = 0, woke = 0, discarded = 0;
  bool class_refused = false;
  for (auto _ : st) {
    while (a.count() < w.target && clock_type::now() < deadline &&
           !stop_flag().load(std::memory_order_relaxed)) {
      const std::int64_t hi = g_cfg.delay_max.count() * 1000;
      const nanoseconds d(std::uniform_int_distribution<std::int64_t>(hi / 5, hi)(rng));
      const sample s = r->run != nullptr ? r->run(r->c.releaser, pl, d)
                                         : one_unload(r->strat, r->c.releaser, pl, d);
      if (!s.class_ok) {
        class_refused = true;
        break;
      }
      if (s.end > deadline || stop_flag().load(std::memory_order_relaxed)) {
        ++discarded;  // it ended after the load did
        break;
      }
      a.record(static_cast<std::uint64_t>(std::max<std::int64_t>(s.put_to_teardown.count(), 0)));
      b.record(static_cast<std::uint64_t>(std::max<std::int64_t>(s.unload_to_gone.count(), 0)));
      exposed += s.exposed ? 1 : 0;
      woke += s.woke_sleeper ? 1 : 0;
    }
    st.SetIterationTime(std::max(1e-9, static_cast<double>(a.percentile(0.5)) * 1e-9));
  }
  const bool exhausted = hogs && hogs->exhausted();
  hogs.reset();
  if (class_refused) {
    st.SkipWithError("the kernel refused the releaser's scheduling class");
    return;
  }
  r->a.hist.merge(a);
  r->b.hist.merge(b);
  r->exposed += exposed;
  r->a.exposed = r->exposed;
  r->b.exposed = r->exposed;
  publish(st, a, "");
  publish(st, b, "unload_");
  const auto n = static_cast<double>(a.count());
  st.counters["samples"] = n;
  st.counters["cell_samples"] = static_cast<double>(r->a.hist.count());
  st.counters["p999_ok"] = a.count() >= p999_min_samples ? 1.0 : 0.0;
  st.counters["exposed"] = static_cast<double>(exposed);
  st.counters["exposure_rate"] = n > 0 ? static_cast<double>(exposed) / n : 0.0;
  st.counters["woke_sleeper"] = n > 0 ? static_cast<double>(woke) / n : 0.0;
  st.counters["discarded"] = static_cast<double>(discarded);
  std::string extra;
  if (a.count() < w.target)
    extra += "short(" + std::to_string(a.count()) + "/" + std::to_string(w.target) + ", time cap)";
  if (exhausted) extra += " hog_budget_exhausted";
  if (r->strat == strategy::unsafe_immediate)
    extra += " exposed " + std::to_string(exposed) + "/" + std::to_string(a.count());
  st.SetLabel(row_label(*r, extra));
}

// cyclictest-style: sleep to an absolute deadline, record the lateness.
void probe_row(benchmark::State& st, row* r) {
  note_start();
  if (stop_flag().load(std::memory_order_relaxed)) {
    skip_row(st, "interrupted");
    return;
  }
  const placement pl = place(r->c);
  const window w = row_window(true);
  const auto deadline = clock_type::now() + hog_settle + w.cap;
  std::optional<hog_group> hogs;
  start_hogs(hogs, r->c, pl, deadline);
  if (hogs && !hogs->error().empty()) {
    skip_row(st, ("hogs: " + hogs->error()).c_str());
    return;
  }
  if (hogs) std::this_thread::sleep_for(hog_settle);
  log_histogram h;
  bool class_ok = true;
  for (auto _ : st) {
    std::thread t([&] {
      const int cpu = r->probe_at_releaser ? pl.releaser : pl.unloader;
      if (cpu >= 0) pin_self(cpu);
      class_ok = r->probe_at_releaser ? apply_class(r->c.releaser) : set_self_other(0);
      // Timer slack would add up to 50 us to every SCHED_OTHER wake-up; the
      // release protocol wakes by futex, which has none.
      prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      std::mt19937_64 rng(std::hash<std::string>{}(r->name) ^ r->a.hist.count());
      std::uniform_int_distribution<std::int64_t> period(100'000, 500'000);
      while (class_ok && h.count() < w.target && !stop_flag().load(std::memory_order_relaxed)) {
        const std::int64_t next = now_ns() + period(rng);
        if (next >= deadline.time_since_epoch().count()) break;
        const timespec ts{static_cast<time_t>(next / 1'000'000'000),
                          static_cast<long>(next % 1'000'000'000)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        h.record(static_cast<std::uint64_t>(std::max<std::int64_t>(now_ns() - next, 0)));
      }
    });
    t.join();
    st.SetIterationTime(std::max(1e-9, static_cast<double>(h.percentile(0.5)) * 1e-9));
  }
  hogs.reset();
  if (!class_ok) {
    st.SkipWithError("the kernel refused the probe's scheduling class");
    return;
  }
  r->a.hist.merge(h);
  publish(st, h, "");
  st.counters["samples"] = static_cast<double>(h.count());
  st.counters["cell_samples"] = static_cast<double>(r->a.hist.count());
  st.counters["p999_ok"] = h.count() >= p999_min_samples ? 1.0 : 0.0;
  st.SetLabel(row_label(*r, h.count() < w.target ? "short(" + std::to_string(h.count()) + "/" +
                                                       std::to_string(w.target) + ", time cap)"
                                                 : ""));
}

// ------------------------------------------------------------ registration

samples_cell cell_record(const row& r, const std::string& full, const char* strat,
                         const char* metric) {
  samples_cell c;
  c.benchmark = full;
  c.strategy = strat;
  c.releaser = releaser_name(r.c.releaser);
  c.hogs = hogs_name(r.c.hogs);
  c.k = r.c.k;
  c.pinned = r.c.pinned;
  c.metric = metric;
  return c;
}

void register_all(const std::vector<cell>& cells) {
  // Google Benchmark names a run <name>/iterations:1/manual_time.
  const std::string suffix = "/iterations:1/manual_time";
  for (const cell& c : cells) {
    const std::string group = "release_latency/" + cell_label(c) + "/";
    for (strategy s : matrix_strategies(g_cfg.matrix)) {
      auto r = std::make_unique<row>();
      r->name = group + strategy_role(s);
      r->c = c;
      r->strat = s;
      r->a = cell_record(*r, r->name + suffix, strategy_name(s), "put_to_teardown");
      r->a.exposed = 0;
      r->b = cell_record(*r, r->name + suffix, strategy_name(s), "unload_to_gone");
      r->b.exposed = 0;
      benchmark::RegisterBenchmark(r->name.c_str(), strategy_row, r.get())
          ->UseManualTime()
          ->Iterations(1);
      g_rows.push_back(std::move(r));
    }
    for (bool at_releaser : {false, true}) {
      auto r = std::make_unique<row>();
      // A reference, not a limit: a futex wake can beat a timer wakeup.
      r->name = group + (at_releaser ? "ref:timer_wakeup_releaser" : "ref:timer_wakeup_unloader");
      r->c = c;
      r->probe = true;
      r->probe_at_releaser = at_releaser;
      r->a = cell_record(*r, r->name + suffix, "probe", "timer_wakeup");
      r->a.probe_at = at_releaser ? "releaser" : "unloader";
      benchmark::RegisterBenchmark(r->name.c_str(), probe_row, r.get())
          ->UseManualTime()
          ->Iterations(1);
      g_rows.push_back(std::move(r));
    }
  }
}

#if defined(LASTREF_BENCH_BYO_RELEASE_PARTS) || defined(LASTREF_BENCH_BYO_UNLOAD)
// ------------------------------------------------------- bring your own
// Rows of a user's code, release_latency/<cell>/<LASTREF_BENCH_BYO_ROLE>
// ("byo:<name>"), one per cell: same cells, hogs, budget and probes as
// lastref's strategies beside them; benchmark JSON only. Two ways in:
//
// LASTREF_BENCH_BYO_RELEASE_PARTS (lastref_add_primitive,
// byo/templates/release_bench.cc.in): a class with a member template
// type<Platform> naming kref, completion and module (lastref/byo/latency.h).
// The row runs lastref's sample with the user's parts: builtin_release (the
// release path: their kref's put, their completion's complete/wait) or, for
// a user's module, drain_residency (release in M's text, their unload
// drains).
//
// LASTREF_BENCH_BYO_UNLOAD (lastref_add_kernel_test,
// kernel/src/release_bench.cc): the user's whole unload path is the sample.
// The including file defines, in this unnamed namespace after its #include
// of this file,
//   void byo_unload_check();  // once, before any row runs: a test that
//                             // cannot be measured -> message, exit 2
//   sample byo_unload_sample(releaser_class, const placement&, nanoseconds d);
// byo_unload_sample runs one unload on the calling thread (the unloader,
// pinned to placement.unloader when pinned) with its releasing threads in
// the class and on the CPU given, each waiting d after the unload began,
// and fills put_to_teardown, unload_to_gone (d taken out), class_ok, end.
#if defined(LASTREF_BENCH_BYO_UNLOAD)
void byo_unload_check();
sample byo_unload_sample(releaser_class rc, const placement& pl, nanoseconds delay);
#else
template <class Parts>
sample one_unload_byo(releaser_class rc, const placement& pl, nanoseconds delay) {
  using parts = typename Parts::template type<starved_platform>;
  return one_unload_on<starved_platform, parts>(
      Parts::in_module_text ? strategy::drain_residency : strategy::builtin, rc, pl, delay);
}
#endif

void register_byo_rows(const std::vector<cell>& cells) {
#if defined(LASTREF_BENCH_BYO_UNLOAD)
  byo_unload_check();
  const strategy strat = strategy::builtin;  // for the label only
  sample (*const run)(releaser_class, const placement&, nanoseconds) = &byo_unload_sample;
#else
  using parts = LASTREF_BENCH_BYO_RELEASE_PARTS;
  const strategy strat = parts::in_module_text ? strategy::drain_residency : strategy::builtin;
  sample (*const run)(releaser_class, const placement&, nanoseconds) = &one_unload_byo<parts>;
#endif
  const std::string suffix = "/iterations:1/manual_time";
  for (const cell& c : cells) {
    auto r = std::make_unique<row>();
    r->name = "release_latency/" + cell_label(c) + "/" + LASTREF_BENCH_BYO_ROLE;
    r->c = c;
    r->strat = strat;
    r->run = run;
    r->a = cell_record(*r, r->name + suffix, LASTREF_BENCH_BYO_ROLE, "put_to_teardown");
    r->a.exposed = 0;
    r->b = cell_record(*r, r->name + suffix, LASTREF_BENCH_BYO_ROLE, "unload_to_gone");
    r->b.exposed = 0;
    benchmark::RegisterBenchmark(r->name.c_str(), strategy_row, r.get())
        ->UseManualTime()
        ->Iterations(1);
    g_rows.push_back(std::move(r));
  }
}
#endif

// ------------------------------------------------------------------ flags

// Takes our own flags (lastref/cli.h conventions: --name=V or --name V) out
// of argv, leaving Google Benchmark's; a malformed one: message, exit 2.
// --help prints ours and stays for Google Benchmark's.
void parse_own_flags(int& argc, char** argv) {
  CLI::App app{"lastref release-latency flags (before Google Benchmark's)", "release_latency"};
  app.allow_extras();   // Google Benchmark's flags and the harness's go on
  app.set_help_flag();  // --help: ours, then Google Benchmark's
  auto choice = [&app](const std::string& name, std::vector<std::string> names, auto set,
                       const std::string& help) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    app.add_option_function<std::string>(
           name,
           [name, names, list, set](const std::string& v) {
             for (std::size_t i = 0; i < names.size(); ++i)
               if (names[i] == v) return set(i);
             throw CLI::ValidationError(name, "expects " + list + " (got '" + v + "')");
           },
           help + " (" + list + ")")
        ->type_name("NAME");
  };
  choice(
      "--lastref_matrix", {"quick", "default", "full"},
      [](std::size_t i) {
        g_cfg.matrix = i == 0   ? matrix_kind::quick
                       : i == 1 ? matrix_kind::standard
                                : matrix_kind::full;
      },
      "contention matrix (default: default; full: 10000 samples per row, pinned and not)");
  choice(
      "--lastref_pinned", {"no", "yes", "both"},
      [](std::size_t i) {
        g_cfg.pinned = i == 0 ? pin_mode::no : i == 1 ? pin_mode::yes : pin_mode::both;
      },
      "pin unloader/releaser/hogs (default no; full: both)");
  long samples = 0, cap_ms = 0, burst_us = 0, delay_us = 0, watchdog_s = 0;
  lastref::cli::add_number(app, "--lastref_samples", samples, 1L, 10'000'000L,
                           "samples per row over all repetitions");
  lastref::cli::add_number(app, "--lastref_cap_ms", cap_ms, 1L, 86'400'000L,
                           "time cap per strategy row (probes: half)");
  lastref::cli::add_number(app, "--lastref_burst_us", burst_us, 10L, 5000L,
                           "hog burst (default 2000)");
  lastref::cli::add_number(app, "--lastref_delay_us", delay_us, 0L, 100'000L,
                           "randomised pre-release delay, uniform in [N/5, N] us (default 250)");
  lastref::cli::add_number(app, "--lastref_watchdog_s", watchdog_s, 1L, 7L * 86'400L,
                           "abort a run that lasts longer (default: from the matrix)");
  lastref::cli::add_text(app, "--lastref_samples_out", g_cfg.samples_out,
                         "write the per-cell histograms (JSON)", "PATH");
  lastref::cli::parse(app, argc, argv);
  if (app.count("--lastref_samples") > 0) g_cfg.samples = samples;
  if (app.count("--lastref_cap_ms") > 0) g_cfg.cap_ms = cap_ms;
  if (app.count("--lastref_burst_us") > 0) g_cfg.burst = microseconds(burst_us);
  if (app.count("--lastref_delay_us") > 0) g_cfg.delay_max = microseconds(delay_us);
  if (app.count("--lastref_watchdog_s") > 0) g_cfg.watchdog_s = watchdog_s;
  if (app.count("--lastref_pinned") == 0 && g_cfg.matrix == matrix_kind::full)
    g_cfg.pinned = pin_mode::both;

  // What is left, in order, for Google Benchmark (argv keeps pointing at
  // storage that lives as long as the process).
  static std::vector<std::string> rest;
  rest = app.remaining();
  int out = 1;
  for (std::string& a : rest) {
    if (a == "--help") std::fputs(app.help().c_str(), stdout);
    constexpr std::string_view reps = "--benchmark_repetitions=";
    if (a.starts_with(reps)) {
      try {
        g_cfg.repetitions = static_cast<int>(lastref::cli::parse_decimal<long>(
            "--benchmark_repetitions", a.substr(reps.size()), 1L, 1'000'000L));
      } catch (const CLI::ParseError& e) {
        lastref::cli::usage_error(app, e.what());
      }
    }
    argv[out++] = a.data();
  }
  argc = out;
  argv[argc] = nullptr;
}

std::string read_first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  if (!f || !std::getline(f, line)) return "";
  return line;
}

std::string json_int_or_null(const std::string& s) {
  if (s.empty() || s.find_first_not_of("-0123456789") != std::string::npos) return "null";
  return s;
}

std::string autogroup_note(const std::string& enabled) {
  if (enabled == "1")
    return "sched_autogroup is on: nice applies inside a session's autogroup. The hogs run in "
           "this process (same session, same autogroup), so a nice-19 releaser competes with "
           "them at weight 15 vs 1024 each; hogs in another session would sit in another "
           "autogroup, which shares the CPU with ours as a whole, and nice 19 would barely "
           "matter against them.";
  if (enabled == "0")
    return "sched_autogroup is off: nice 19 competes against every nice-0 thread of the "
           "machine at weight 15 vs 1024, in this session or not.";
  return "sched_autogroup setting unreadable";
}

}  // namespace

int main(int argc, char** argv) {
  // A fifo hog bursts at most 7.5 ms (3/2 x the 5 ms --lastref_burst_us
  // bound) before it sleeps; 500 ms without blocking is a runaway.
  bind_to_parent(/*rttime_us=*/500'000);
  parse_own_flags(argc, argv);
  // Samples are merged over repetitions: one repetition unless asked.
  std::vector<char*> args(argv, argv + argc);
  static char one_rep[] = "--benchmark_repetitions=1";
  bool has_reps = false;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).substr(0, 24) == "--benchmark_repetitions=") has_reps = true;
  if (!has_reps) args.push_back(one_rep);
  argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  argv = args.data();

  const contention_mode& mode = detect_contention_mode();
  const int cores = static_cast<int>(allowed_cpus().size());
  const std::vector<cell> cells = matrix_cells(g_cfg.matrix, g_cfg.pinned, cores, mode.fifo);
  // Without SCHED_FIFO the fifo rows are not registered; run_main prints
  // the mode's detail (which says so, and how to grant it) once.
  register_all(cells);
#if defined(LASTREF_BENCH_BYO_RELEASE_PARTS) || defined(LASTREF_BENCH_BYO_UNLOAD)
  register_byo_rows(cells);
#endif

  const std::string autogroup = read_first_line("/proc/sys/kernel/sched_autogroup_enabled");
  const std::string rt_runtime = read_first_line("/proc/sys/kernel/sched_rt_runtime_us");
  utsname u{};
  const std::string kernel = uname(&u) == 0 ? u.release : "unknown";
  const long samples = g_cfg.samples > 0 ? g_cfg.samples : default_samples(g_cfg.matrix);
  const long cap_ms = g_cfg.cap_ms > 0 ? g_cfg.cap_ms : default_cap_ms(g_cfg.matrix);
  const char* pinned = g_cfg.pinned == pin_mode::no    ? "no"
                       : g_cfg.pinned == pin_mode::yes ? "yes"
                                                       : "both";
  benchmark::AddCustomContext("lastref_release_matrix", matrix_name(g_cfg.matrix));
  benchmark::AddCustomContext("lastref_release_pinned", pinned);
  benchmark::AddCustomContext("lastref_release_samples_per_row", std::to_string(samples));
  benchmark::AddCustomContext("lastref_release_cap_ms_per_row", std::to_string(cap_ms));
  benchmark::AddCustomContext("lastref_hog_burst_us", std::to_string(g_cfg.burst.count()));
  benchmark::AddCustomContext("lastref_fifo_rows", mode.fifo ? "run" : "skipped: " + mode.detail);
  benchmark::AddCustomContext("lastref_sched_autogroup_enabled",
                              autogroup.empty() ? "unreadable" : autogroup);
  benchmark::AddCustomContext("lastref_autogroup_note", autogroup_note(autogroup));
  benchmark::AddCustomContext("lastref_sched_rt_runtime_us",
                              rt_runtime.empty() ? "unreadable" : rt_runtime);

  // Bound: every row's window plus generous slack for setup and one slow
  // trailing sample, over every repetition.
  const long rows = static_cast<long>(g_rows.size());
  const long bound_s = g_cfg.watchdog_s > 0 ? g_cfg.watchdog_s : 120 + rows * (cap_ms / 1000 + 5);
  benchmark::AddCustomContext("lastref_watchdog_s", std::to_string(bound_s));
  install_stop_signals();
  int rc = 0;
  {
    watchdog dog(std::chrono::seconds(bound_s), "release_latency");
    rc = lastref::bench::run_main(argc, argv, /*with_contention=*/true);
  }
  const int sig = stop_signal();
  if (sig != 0)
    std::fprintf(stderr, "release_latency: stopped by signal %d; keeping what finished\n", sig);
  const int done_rc = sig != 0 ? 128 + sig : rc;
  if (rc != 0 || g_cfg.samples_out.empty() || !g_started) return done_rc;

  std::vector<std::pair<std::string, std::string>> ctx;
  ctx.emplace_back("interrupted", sig != 0 ? "true" : "false");
  ctx.emplace_back("contention_mode", json_string(mode.name));
  ctx.emplace_back("cpu_dma_latency_us", g_dma_latency_at_start
                                             ? std::to_string(*g_dma_latency_at_start)
                                             : std::string("null"));
  ctx.emplace_back("fifo_rows", json_string(mode.fifo ? "run" : "skipped: " + mode.detail));
  ctx.emplace_back("sched_autogroup_enabled", json_int_or_null(autogroup));
  ctx.emplace_back("autogroup_note", json_string(autogroup_note(autogroup)));
  ctx.emplace_back("sched_rt_runtime_us", json_int_or_null(rt_runtime));
  ctx.emplace_back("kernel", json_string(kernel));
  ctx.emplace_back("cores", std::to_string(cores));
  ctx.emplace_back("matrix", json_string(matrix_name(g_cfg.matrix)));
  ctx.emplace_back("pinned", json_string(pinned));
  ctx.emplace_back("samples_per_row", std::to_string(samples));
  ctx.emplace_back("cap_ms_per_row", std::to_string(cap_ms));
  ctx.emplace_back("repetitions", std::to_string(g_cfg.repetitions));
  ctx.emplace_back("p999_min_samples", std::to_string(p999_min_samples));
  ctx.emplace_back("hog_burst_us", std::to_string(g_cfg.burst.count()));
  ctx.emplace_back("fifo_hog_duty",
                   json_string("each CPU at most 2/3 real-time busy: burst uniform in "
                               "[burst/2, 3*burst/2], sleep sized by K/cores"));
  ctx.emplace_back("pre_release_delay_us",
                   json_string("uniform in [" + std::to_string(g_cfg.delay_max.count() / 5) + ", " +
                               std::to_string(g_cfg.delay_max.count()) +
                               "], slept by the releaser after go; taken out of unload_to_gone"));
  ctx.emplace_back("probe", json_string("clock_nanosleep(TIMER_ABSTIME), period uniform in "
                                        "[100, 500] us, timer slack 1 ns"));
  std::vector<const samples_cell*> out;
  for (const auto& r : g_rows) {
    if (r->a.hist.count() == 0) continue;  // not run (filtered out, skipped)
    // The A/B row is not one of the agreed strategies: benchmark JSON only.
    if (!r->probe && r->strat == strategy::builtin_with_wait_yield) continue;
    if (r->run != nullptr) continue;  // a user's row: benchmark JSON only
    out.push_back(&r->a);
    if (!r->probe) out.push_back(&r->b);
  }
  std::string err;
  if (!write_samples_file(g_cfg.samples_out, ctx, out, err)) {
    std::fprintf(stderr, "release_latency: %s\n", err.c_str());
    return 1;
  }
  return done_rc;
}
