// Suite 3 — release latency under priority contention: the benchmark half of
// the reference bug (DESIGN.md, "The reference bug").
//
// One job. Per iteration: a module M is loaded; an object holds one reference
// for the unloader and one for the releasing thread A (pinned to the second
// CPU); the unloader (the benchmark thread, first CPU) asks to unload M. A
// drops the last reference at t_put; the sample is t_put -> unload() returned
// (M gone, its text freed). Variants (how the last release is placed):
//   lastref:builtin_release       release() in builtin code, calls complete()
//                                 (the dm-builtin.c fix); policy immediate
//   lastref:complete_and_exit     A is M's thread and ends with
//                                 complete_and_exit (kthread_complete_and_exit)
//   lastref:module_put_and_exit   A holds a module reference and ends with
//                                 module_put_and_exit; the unloader retries
//                                 delete_module (polls the refcount) until it
//                                 is unused
//   lastref:drain_residency       release() in M's text; unload waits until no
//                                 thread is inside M's text
//   baseline:UNSAFE_module_text_immediate
//                                 release() in M's text, immediate unload: the
//                                 kernel bug. Fast but wrong: `violations`
//                                 counts iterations where M was gone while A
//                                 was still inside its text.
// Two groups: `uncontended` (A has its CPU to itself) and `starved_releaser`
// (a cpu_hog shares A's CPU and is kicked right after A's signal, see
// starved_platform.h). The hog is SCHED_FIFO when the kernel allows it, else
// the fallback (SCHED_IDLE releaser under a nice-0 hog); which one ran is in
// every label, the JSON context and stderr.
// Physical limit of each group, same run: futex wake-to-run of a thread on
// A's CPU, in A's scheduling class, with the hog spinning there (starved) or
// not (uncontended).
//
// Bounds: a burst is at most cpu_hog::max_burst (5 ms), each hog spins at
// most 1 s in total, iterations are fixed (--lastref_samples), and the hog is
// joined on every path.
//
// Extra flags (before Google Benchmark's): --lastref_samples=N (starved
// iterations per repetition; uncontended runs 4N; default 40),
// --lastref_burst_us=N (hog burst, default 2000, at most 5000).

#include <lastref/completion.h>
#include <lastref/kref.h>
#include <lastref/module.h>
#include <lastref/thread.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/cpu.h"
#include "harness/cpu_hog.h"
#include "harness/latency.h"
#include "harness/main.h"
#include "starved_platform.h"
#include "wake_channels.h"

namespace {

using namespace lastref::bench;
using P = starved_platform;
using clock_type = std::chrono::steady_clock;
using module_t = lastref::basic_module<P>;
using scope_t = lastref::basic_residency_scope<P>;
using completion_t = lastref::basic_completion<P>;
using kref_t = lastref::basic_kref<P>;

int g_samples = 40;
std::chrono::microseconds g_burst{2000};
constexpr std::chrono::microseconds settle_time{50};
constexpr std::chrono::seconds stuck{10};  // a step this slow is a bug, not a latency

enum class variant {
  builtin_release,
  complete_and_exit,
  module_put_and_exit,
  drain_residency,
  unsafe
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "release_latency: %s\n", what);
  std::abort();
}

void spin_until(const std::atomic<std::uint32_t>& flag, std::uint32_t value) {
  const auto deadline = clock_type::now() + stuck;
  while (flag.load(std::memory_order_acquire) != value) {
    cpu_relax();
    if (clock_type::now() > deadline) die("a thread never reached the agreed step");
  }
}

void spin_for(std::chrono::microseconds d) {
  const auto until = clock_type::now() + d;
  while (clock_type::now() < until) cpu_relax();
}

// The releasing thread's scheduling class; false if refused.
bool releaser_class(const contention_mode& mode) {
  return mode.fifo ? set_self_other(0) : set_self_idle();
}

struct sample {
  std::chrono::nanoseconds latency{};
  bool violation = false;
  fired_at where = fired_at::not_yet;
};

// One unload of a fresh module; A runs on `cpu`, the caller is the unloader.
sample one_unload(variant v, int cpu, cpu_hog* hog, const contention_mode& mode) {
  const bool placed_in_text = v == variant::drain_residency || v == variant::unsafe;
  const auto policy = v == variant::drain_residency ? lastref::unload_policy::drain_residency
                                                    : lastref::unload_policy::immediate;
  completion_t released;                            // release() -> unloader
  completion_t thread_done;                         // complete_and_exit -> unloader
  kref_t obj;                                       // the unloader's reference
  obj.get();                                        // A's reference
  alignas(64) std::atomic<std::uint32_t> armed{0};  // 1: the unloader waits now
  std::atomic<std::int64_t> t_put{0};               // published by thread join
  preemption_trigger trigger{hog};

  std::optional<module_t> storage;
  module_t& mod = storage.emplace(
      "lastref_bench_mod",
      [&] {
        // M's exit callback, in the unloader: drop our reference, then wait
        // for the release (or for M's thread) like dm's exit path does.
        // module_put_and_exit: the unloader dropped it before retrying, and
        // the exit runs only once M is unused.
        if (v == variant::module_put_and_exit) return;
        obj.put([](kref_t&) { die("the unloader's put was the last one"); });
        armed.store(1, std::memory_order_release);
        if (v == variant::complete_and_exit)
          thread_done.wait();
        else
          released.wait();
      },
      policy);
  mod.mark_live();
  if (v == variant::module_put_and_exit) mod.get();  // the creator pins M for its thread

  auto start_put = [&] {
    spin_until(armed, 1);
    spin_for(settle_time);  // the unloader sleeps in wait() (or polls) by now
    t_put.store(clock_type::now().time_since_epoch().count(), std::memory_order_relaxed);
  };
  auto release_fn = [&](kref_t&) {
    if (placed_in_text)
      mod.call_in_text([&] { released.complete(); });
    else if (v == variant::builtin_release)
      released.complete();
    // The safe-exit variants' release only frees (in M's text, where A runs).
  };

  pin_handshake a_pinned;
  std::thread a = lastref::run_thread([&] {
    pin_self(cpu);
    releaser_class(mode);
    a_pinned.pinned();
    armed_trigger = &trigger;
    switch (v) {
      case variant::builtin_release:
      case variant::drain_residency:
      case variant::unsafe:
        start_put();
        obj.put(release_fn);
        P::fire_end();
        return;
      case variant::complete_and_exit: {
        scope_t scope(mod);  // M's thread runs in M's text
        start_put();
        obj.put(release_fn);
        lastref::complete_and_exit(thread_done, scope);
      }
      case variant::module_put_and_exit: {
        scope_t scope(mod);
        start_put();
        obj.put(release_fn);
        lastref::module_put_and_exit(mod, scope);
      }
    }
  });

  a_pinned.wait();
  lastref::unload_result r;
  if (v == variant::module_put_and_exit) {
    obj.put([](kref_t&) { die("the unloader's put was the last one"); });
    armed.store(1, std::memory_order_release);
    // delete_module(O_NONBLOCK) fails while A's pin is held: retry as soon
    // as the count says it can succeed.
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
  const auto t_done = clock_type::now();
  sample s;
  // M is gone: a thread still inside its text is the reference bug.
  s.violation = mod.residents() != 0;
  a.join();  // A's last steps may still touch mod (that is the bug); free after
  if (r != lastref::unload_result::ok) die("unload() failed");
  s.latency = t_done - clock_type::time_point(clock_type::duration(t_put.load()));
  s.where = trigger.where;
  return s;
}

std::string mode_label(const contention_mode& mode, bool starved) {
  if (!starved) return "";
  return mode.fifo ? "mode=sched_fifo_hog" : "mode=FALLBACK_sched_idle_releaser(see stderr)";
}

void release_latency(benchmark::State& st, variant v, bool starved) {
  const contention_mode& mode = detect_contention_mode();
  const cpu_pair cpus = pick_cpu_pair();
  if (!cpus.distinct()) {
    st.SkipWithError("needs two CPUs (unloader and releaser on different CPUs)");
    return;
  }
  scoped_pin pin(cpus.first);
  std::optional<cpu_hog> hog;
  if (starved) hog.emplace(cpu_hog::options{cpus.second, mode.fifo, mode.fifo_priority, g_burst});
  latency_samples samples;
  std::int64_t violations = 0, at_wake = 0, at_exit = 0;
  for (auto _ : st) {
    const sample s = one_unload(v, cpus.second, hog ? &*hog : nullptr, mode);
    samples.add(s.latency);
    st.SetIterationTime(std::chrono::duration<double>(s.latency).count());
    violations += s.violation ? 1 : 0;
    at_wake += s.where == fired_at::after_wake ? 1 : 0;
    at_exit += s.where == fired_at::at_exit ? 1 : 0;
  }
  samples.publish(st);
  const auto n = static_cast<double>(st.iterations());
  st.counters["violations"] = static_cast<double>(violations);
  st.counters["violation_rate"] = n > 0 ? static_cast<double>(violations) / n : 0.0;
  st.counters["preempt_after_wake"] = n > 0 ? static_cast<double>(at_wake) / n : 0.0;
  st.counters["preempt_at_exit"] = n > 0 ? static_cast<double>(at_exit) / n : 0.0;
  std::string label = mode_label(mode, starved);
  if (hog && !hog->error().empty()) label += " hog_error=" + hog->error();
  if (hog && hog->refused() != 0) label += " hog_budget_exhausted";
  if (v == variant::unsafe)
    label += std::string(label.empty() ? "" : " ") +
             "UNSAFE(fast but wrong): text freed under the releaser in " +
             std::to_string(violations) + "/" + std::to_string(st.iterations());
  st.SetLabel(label);
}

// Physical limit: a thread on the releaser's CPU and in its class sleeps on a
// futex; with the hog spinning there (starved) or not, the benchmark thread
// wakes it at t0; the sample ends when it runs (t1).
void wake_to_run_limit(benchmark::State& st, bool starved) {
  const contention_mode& mode = detect_contention_mode();
  const cpu_pair cpus = pick_cpu_pair();
  if (!cpus.distinct()) {
    st.SkipWithError("needs two CPUs");
    return;
  }
  scoped_pin pin(cpus.first);
  std::optional<cpu_hog> hog;
  if (starved) hog.emplace(cpu_hog::options{cpus.second, mode.fifo, mode.fifo_priority, g_burst});
  futex_channel ch;
  alignas(64) std::atomic<std::uint64_t> armed{0};
  alignas(64) std::atomic<std::uint64_t> ran{0};
  std::atomic<std::int64_t> ran_at{0};
  std::atomic<bool> stop{false};
  pin_handshake b_pinned;
  std::thread b([&] {
    pin_self(cpus.second);
    releaser_class(mode);
    b_pinned.pinned();
    for (std::uint64_t k = 0;; ++k) {
      armed.store(k + 1, std::memory_order_release);
      ch.wait(k);
      const auto t1 = clock_type::now();
      if (stop.load(std::memory_order_relaxed)) return;
      ran_at.store(t1.time_since_epoch().count(), std::memory_order_relaxed);
      ran.store(k + 1, std::memory_order_release);
    }
  });
  b_pinned.wait();
  latency_samples samples;
  std::uint64_t k = 0;
  for (auto _ : st) {
    while (armed.load(std::memory_order_acquire) != k + 1) cpu_relax();
    spin_for(settle_time);
    if (hog) {
      const std::uint32_t ticket = hog->kick();
      if (!hog->wait_started(ticket, stuck)) die("the hog never started");
    }
    const auto t0 = clock_type::now();
    ch.signal(k);
    const auto deadline = t0 + stuck;
    while (ran.load(std::memory_order_acquire) != k + 1) {
      cpu_relax();
      if (clock_type::now() > deadline) die("lost wake-up in the limit measurement");
    }
    const auto t1 =
        clock_type::time_point(clock_type::duration(ran_at.load(std::memory_order_relaxed)));
    samples.add(t1 - t0);
    st.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    ++k;
  }
  stop.store(true, std::memory_order_relaxed);
  ch.signal(k);
  b.join();
  samples.publish(st);
  std::string label = mode_label(mode, starved);
  if (hog && !hog->error().empty()) label += " hog_error=" + hog->error();
  st.SetLabel(label);
}

void register_all() {
  struct entry {
    const char* role;
    variant v;
  };
  const entry entries[] = {
      {"lastref:builtin_release", variant::builtin_release},
      {"lastref:complete_and_exit", variant::complete_and_exit},
      {"lastref:module_put_and_exit", variant::module_put_and_exit},
      {"lastref:drain_residency", variant::drain_residency},
      {"baseline:UNSAFE_module_text_immediate", variant::unsafe},
  };
  for (bool starved : {false, true}) {
    const std::string g =
        starved ? "release_latency/starved_releaser/" : "release_latency/uncontended/";
    const int n = starved ? g_samples : 4 * g_samples;
    for (const entry& e : entries)
      benchmark::RegisterBenchmark((g + e.role).c_str(), release_latency, e.v, starved)
          ->UseManualTime()
          ->Iterations(n);
    benchmark::RegisterBenchmark((g + "limit:futex_wake_to_run").c_str(), wake_to_run_limit,
                                 starved)
        ->UseManualTime()
        ->Iterations(n);
  }
}

// Takes our own flags out of argv; false on a malformed one.
bool parse_own_flags(int& argc, char** argv) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag, long lo, long hi, long& v) {
      if (a.substr(0, flag.size()) != flag) return false;
      char* end = nullptr;
      const std::string s(a.substr(flag.size()));
      v = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || v < lo || v > hi) {
        std::fprintf(stderr, "release_latency: %s expects an integer in [%ld, %ld]\n",
                     std::string(flag).c_str(), lo, hi);
        std::exit(1);
      }
      return true;
    };
    long v = 0;
    if (value("--lastref_samples=", 1, 100000, v))
      g_samples = static_cast<int>(v);
    else if (value("--lastref_burst_us=", 10, cpu_hog::max_burst.count(), v))
      g_burst = std::chrono::microseconds(v);
    else
      argv[out++] = argv[i];
  }
  argc = out;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  parse_own_flags(argc, argv);
  benchmark::AddCustomContext("lastref_hog_burst_us", std::to_string(g_burst.count()));
  register_all();
  return lastref::bench::run_main(argc, argv, /*with_contention=*/true);
}
