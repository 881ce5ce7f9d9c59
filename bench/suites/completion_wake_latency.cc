// Suite 2c — wake latency: from the signal (complete()) to the sleeping
// waiter returning from wait(), across two CPUs.
//
// One job, per sample: the waiter (on the second CPU) announces it is about
// to wait and blocks; the waker (the benchmark thread, first CPU) lets it
// fall asleep (settle_time of spinning, so the waiter is really in the
// kernel), takes t0 = steady_clock::now() and signals; the waiter takes
// t1 = steady_clock::now() as soon as its wait returns. The sample is
// t1 - t0 (CLOCK_MONOTONIC is one clock across CPUs). Each iteration is one
// sample and reports it as manual time, so the benchmark's time is the mean;
// the counters p50_us/p90_us/p99_us/max_us are the distribution. Every
// iteration also takes one sample of the physical limit in the same rig
// (alternating), reported as limit_p50_us and x_paired_limit (p50 / limit
// p50): wake latency on a VM depends on whether the waiter's CPU is halted
// or polling, which drifts with the machine's load, and the paired figure
// compares both under the same conditions.
// Against std::binary_semaphore, std::mutex + std::condition_variable,
// std::promise/std::future and std::latch (one-shot: a fresh object per
// sample), and the physical limit: raw FUTEX_WAKE -> FUTEX_WAIT return on one
// word. Names follow harness/main.h.

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "harness/cpu.h"
#include "harness/latency.h"
#include "harness/main.h"
#include "wake_channels.h"

namespace {

using namespace lastref::bench;
using clock_type = std::chrono::steady_clock;

constexpr std::chrono::microseconds settle_time{50};
// A wake that takes this long is a lost wake-up, not a latency.
constexpr std::chrono::seconds lost_wakeup{10};

// Sample j: even j uses the channel under test (its round j/2), odd j the
// paired physical-limit channel, so both see the same machine state.
template <class Channel>
void wake_latency(benchmark::State& st) {
  const cpu_pair cpus = pick_cpu_pair();
  scoped_pin pin(cpus.first);
  auto ch = std::make_unique<Channel>();
  auto lim = std::make_unique<futex_channel>();
  // Waiter -> waker hand-shake, outside the measured interval.
  alignas(64) std::atomic<std::uint64_t> armed{0};  // j+1: about to wait for sample j
  alignas(64) std::atomic<std::uint64_t> woken{0};  // j+1: sample j's wait returned at woken_at
  std::atomic<std::int64_t> woken_at{0};            // published by `woken` (release)
  std::atomic<bool> stop{false};                    // ordered by the final signal
  pin_handshake pinned;
  std::thread waiter([&] {
    pin_self(cpus.second);
    pinned.pinned();
    for (std::uint64_t j = 0;; ++j) {
      armed.store(j + 1, std::memory_order_release);
      if (j % 2 == 0)
        ch->wait(j / 2);
      else
        lim->wait(j / 2);
      const auto t1 = clock_type::now();
      if (stop.load(std::memory_order_relaxed)) return;
      woken_at.store(t1.time_since_epoch().count(), std::memory_order_relaxed);
      woken.store(j + 1, std::memory_order_release);
    }
  });
  pinned.wait();

  auto one_sample = [&](std::uint64_t j, auto&& signal) {
    while (armed.load(std::memory_order_acquire) != j + 1) cpu_relax();
    const auto settled = clock_type::now() + settle_time;
    while (clock_type::now() < settled) cpu_relax();
    const auto t0 = clock_type::now();
    signal();
    while (woken.load(std::memory_order_acquire) != j + 1) {
      cpu_relax();
      if (clock_type::now() - t0 > lost_wakeup) {
        std::fprintf(stderr, "completion_wake: lost wake-up (waiter never returned)\n");
        std::abort();
      }
    }
    return clock_type::time_point(clock_type::duration(woken_at.load(std::memory_order_relaxed))) -
           t0;
  };

  latency_samples samples, limit_samples;
  std::uint64_t k = 0;
  for (auto _ : st) {
    ch->recycle(k + 2);
    const auto d = one_sample(2 * k, [&] { ch->signal(k); });
    limit_samples.add(one_sample(2 * k + 1, [&] { lim->signal(k); }));
    samples.add(d);
    st.SetIterationTime(std::chrono::duration<double>(d).count());
    ++k;
  }
  stop.store(true, std::memory_order_relaxed);
  ch->signal(k);  // the waiter is in sample 2k: ch->wait(k)
  waiter.join();
  samples.publish(st);
  const double lim_p50 = limit_samples.percentile_us(0.5);
  st.counters["limit_p50_us"] = lim_p50;
  st.counters["x_paired_limit"] = lim_p50 > 0 ? samples.percentile_us(0.5) / lim_p50 : 0.0;
  if (!cpus.distinct()) st.SetLabel("one CPU: waker and waiter time-slice");
}

// Manual time counts only the wake itself (~1/10 of each iteration's wall
// time), so a direct run defaults to 0.1 s of it; an explicit
// --benchmark_min_time (run_bench.sh, smoke tests) decides otherwise.
void register_all(bool default_min_time) {
  const std::string g = "completion_wake/latency_2cpus/";
  auto add = [&](const char* role, void (*fn)(benchmark::State&)) {
    auto* b = benchmark::RegisterBenchmark((g + role).c_str(), fn)->UseManualTime();
    if (default_min_time) b->MinTime(0.1);
  };
  add("lastref:completion", wake_latency<completion_channel>);
  add("baseline:binary_semaphore", wake_latency<semaphore_channel>);
  add("baseline:mutex_condvar", wake_latency<condvar_channel>);
  add("baseline:promise_future_oneshot", wake_latency<promise_channel>);
  add("baseline:latch_oneshot", wake_latency<latch_channel>);
  add("limit:raw_futex_one_word", wake_latency<futex_channel>);
}

}  // namespace

int main(int argc, char** argv) {
  bool min_time_given = false;
  for (int i = 1; i < argc; ++i)
    min_time_given |= std::string_view(argv[i]).rfind("--benchmark_min_time", 0) == 0;
  register_all(!min_time_given);
  return lastref::bench::run_main(argc, argv);
}
