// SPDX-License-Identifier: MIT
// Suite 2c — one-shot wake latency of a BLOCKED waiter: from the signal
// (complete()) to the sleeping waiter returning from wait().
//
// One job, per sample: the waiter announces it is about to wait and blocks;
// the waker (the benchmark thread) lets it fall asleep (settle_time, longer
// than any peer's spin phase, so the waiter is really in the kernel), takes
// t0 = steady_clock::now() and signals; the waiter takes t1 =
// steady_clock::now() as soon as its wait returns. The sample is t1 - t0.
// Regimes (names follow harness/main.h):
//   completion_wake/cross_cpu  waker and waiter on two CPUs; the waker spins
//       while it waits for the waiter (it has a CPU of its own).
//   completion_wake/cross_cpu_spinning  the same rig without the settle
//       time: the waker signals as soon as the waiter announced it is about
//       to wait, so the signal lands while the waiter is still in its fast
//       path or spin phase ("waiter spinning"). Limit: a waiter that only
//       spins on the word (the one-way cache-line transfer).
//   completion_wake/same_cpu   both on ONE CPU: the waker sleeps instead of
//       spinning (settle by a timed sleep, then a futex wait for the
//       waiter's report), so the sample includes the switch from the waker
//       to the waiter, which is what a wake on a busy CPU costs.
// The clock: steady_clock is CLOCK_MONOTONIC through the vDSO (TSC or
// kvm-clock scaled by the kernel), one clock for every CPU. That is checked,
// not assumed: before measuring, cross_cpu runs 256 timestamp echoes
// between the two threads (A reads ta0, B answers with its tb, A reads ta1)
// and publishes, from the echo with the smallest round trip, clock_rtt_ns =
// ta1 - ta0 and clock_offset_ns = tb - (ta0 + ta1) / 2: B's clock minus
// A's, known to within +-rtt/2. A sample's error from the clocks is at most
// |offset| + rtt/2 (tens of ns here against microseconds of latency), so
// samples are not corrected.
// Each iteration is one sample and reports it as manual time, so the
// benchmark's time is the mean; the counters p50_us/p90_us/p99_us/max_us are
// the distribution. Every iteration also takes one sample of the physical
// limit in the same rig (alternating), reported as limit_p50_us and
// x_paired_limit (p50 / limit p50): wake latency on a VM depends on whether
// the waiter's CPU is halted or polling (cpuidle haltpoll, PM QoS: see the
// cpu_dma_latency context entry and --lastref_hold_cpu_dma_latency), which
// drifts with the machine's load, and the paired figure compares both under
// the same conditions.
// Against std::binary_semaphore, std::atomic<>::wait/notify_one, std::mutex
// + std::condition_variable, std::promise/std::future, std::latch and
// absl::Notification (one-shot: a fresh object per sample), and the
// physical limit: raw FUTEX_WAKE -> FUTEX_WAIT return on one word.
// `ref:completion_no_spin` is lastref's completion without its spin phase:
// a blocked waiter's wake should not depend on it (the spin ended long ago).

#include <lastref/futex.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

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

enum class regime { cross_cpu, cross_cpu_spinning, same_cpu };

// The echo protocol of the clock check (cross_cpu only); see the header.
struct clock_check {
  static constexpr int echoes = 256;
  alignas(64) std::atomic<std::uint32_t> ask{0};       // k+1: echo k asked
  alignas(64) std::atomic<std::int64_t> answer{0};     // published by `answered`
  alignas(64) std::atomic<std::uint32_t> answered{0};  // k+1: echo k answered (release)
  std::int64_t best_rtt = INT64_MAX;
  std::int64_t best_offset = 0;

  void responder() {
    for (std::uint32_t k = 1; k <= echoes; ++k) {
      while (ask.load(std::memory_order_acquire) != k) cpu_relax();
      answer.store(clock_type::now().time_since_epoch().count(), std::memory_order_relaxed);
      answered.store(k, std::memory_order_release);
    }
  }
  void asker() {
    for (std::uint32_t k = 1; k <= echoes; ++k) {
      const std::int64_t a0 = clock_type::now().time_since_epoch().count();
      ask.store(k, std::memory_order_release);
      while (answered.load(std::memory_order_acquire) != k) cpu_relax();
      const std::int64_t a1 = clock_type::now().time_since_epoch().count();
      const std::int64_t b = answer.load(std::memory_order_relaxed);
      if (a1 - a0 < best_rtt) {
        best_rtt = a1 - a0;
        best_offset = b - (a0 + a1) / 2;
      }
    }
  }
};

// Waits until word == want: spinning (the thread has its own CPU) or, on a
// shared CPU, sleeping in FUTEX_WAIT so the other thread can run.
template <regime R>
void await_word(const std::atomic<std::uint32_t>& word, std::uint32_t want,
                clock_type::time_point give_up) {
  for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) != want;) {
    if (R == regime::same_cpu)
      lastref::futex_wait(&word, v);
    else
      cpu_relax();
    if (clock_type::now() > give_up) {
      std::fprintf(stderr, "completion_wake: lost wake-up (waiter never returned)\n");
      std::abort();
    }
  }
}

template <regime R>
void post_word(std::atomic<std::uint32_t>& word, std::uint32_t v) {
  word.store(v, std::memory_order_release);
  if (R == regime::same_cpu) lastref::futex_wake(&word, 1);
}

// Sample j: even j uses the channel under test (its round j/2), odd j the
// paired physical-limit channel, so both see the same machine state.
template <class Channel, regime R>
void wake_latency(benchmark::State& st) {
  using limit_channel =
      std::conditional_t<R == regime::cross_cpu_spinning, spin_channel, futex_channel>;
  const cpu_pair cpus = pick_cpu_pair();
  if (R != regime::same_cpu && !cpus.distinct()) {
    st.SkipWithError("cross-CPU wake latency needs two CPUs");
    return;
  }
  scoped_pin pin(cpus.first);
  auto ch = std::make_unique<Channel>();
  auto lim = std::make_unique<limit_channel>();
  auto check = std::make_unique<clock_check>();
  // Waiter -> waker hand-shake, outside the measured interval (futex words:
  // the same_cpu waker sleeps on them).
  alignas(64) std::atomic<std::uint32_t> armed{0};  // j+1: about to wait for sample j
  alignas(64) std::atomic<std::uint32_t> woken{0};  // j+1: sample j's wait returned at woken_at
  std::atomic<std::int64_t> woken_at{0};            // published by `woken` (release)
  std::atomic<bool> stop{false};                    // ordered by the final signal
  pin_handshake pinned;
  std::thread waiter([&] {
    pin_self(R == regime::same_cpu ? cpus.first : cpus.second);
    pinned.pinned();
    if (R != regime::same_cpu) check->responder();
    for (std::uint64_t j = 0;; ++j) {
      post_word<R>(armed, static_cast<std::uint32_t>(j + 1));
      if (j % 2 == 0)
        ch->wait(j / 2);
      else
        lim->wait(j / 2);
      const auto t1 = clock_type::now();
      if (stop.load(std::memory_order_relaxed)) return;
      woken_at.store(t1.time_since_epoch().count(), std::memory_order_relaxed);
      post_word<R>(woken, static_cast<std::uint32_t>(j + 1));
    }
  });
  pinned.wait();
  if (R != regime::same_cpu) check->asker();

  auto one_sample = [&](std::uint64_t j, auto&& signal) {
    await_word<R>(armed, static_cast<std::uint32_t>(j + 1), clock_type::now() + lost_wakeup);
    if (R == regime::same_cpu) {
      std::this_thread::sleep_for(settle_time);  // lets the waiter run into its sleep
    } else if (R == regime::cross_cpu) {
      const auto settled = clock_type::now() + settle_time;
      while (clock_type::now() < settled) cpu_relax();
    }
    const auto t0 = clock_type::now();
    signal();
    await_word<R>(woken, static_cast<std::uint32_t>(j + 1), t0 + lost_wakeup);
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
  if (R != regime::same_cpu) {
    st.counters["clock_rtt_ns"] = static_cast<double>(check->best_rtt);
    st.counters["clock_offset_ns"] = static_cast<double>(check->best_offset);
  }
  if (!cpus.distinct()) st.SetLabel("one CPU");
}

// Manual time counts only the wake itself (~1/10 of each iteration's wall
// time), so a direct run defaults to 0.1 s of it; an explicit
// --benchmark_min_time (run_bench.sh, smoke tests) decides otherwise.
template <regime R>
void register_group(const std::string& g, bool default_min_time) {
  auto add = [&](const char* role, void (*fn)(benchmark::State&)) {
    auto* b = benchmark::RegisterBenchmark((g + role).c_str(), fn)->UseManualTime();
    if (default_min_time) b->MinTime(0.1);
  };
  add("lastref:completion", wake_latency<completion_channel, R>);
  add("ref:completion_no_spin", wake_latency<completion_no_spin_channel, R>);
#if defined(LASTREF_BENCH_BYO_CHANNEL)
  // A user's completion (lastref_add_primitive: byo/templates/
  // wake_bench.cc.in includes this file), role byo.
  add(LASTREF_BENCH_BYO_ROLE, wake_latency<LASTREF_BENCH_BYO_CHANNEL, R>);
#endif
  add("baseline:binary_semaphore", wake_latency<semaphore_channel, R>);
  add("baseline:atomic_wait_notify", wake_latency<atomic_wait_channel, R>);
  add("baseline:mutex_condvar", wake_latency<condvar_channel, R>);
  add("baseline:promise_future_oneshot", wake_latency<promise_channel, R>);
  add("baseline:latch_oneshot", wake_latency<latch_channel, R>);
#if defined(LASTREF_HAVE_ABSL)
  add("baseline:absl_notification_oneshot", wake_latency<absl_notification_channel, R>);
#endif
  if constexpr (R == regime::cross_cpu_spinning) {
    add("ref:raw_futex_one_word", wake_latency<futex_channel, R>);
    add("limit:spin_cacheline", wake_latency<spin_channel, R>);
  } else {
    add("limit:raw_futex_one_word", wake_latency<futex_channel, R>);
  }
}

void register_all(bool default_min_time) {
  register_group<regime::cross_cpu>("completion_wake/cross_cpu/", default_min_time);
  register_group<regime::cross_cpu_spinning>("completion_wake/cross_cpu_spinning/",
                                             default_min_time);
  register_group<regime::same_cpu>("completion_wake/same_cpu/", default_min_time);
}

}  // namespace

int main(int argc, char** argv) {
  bool min_time_given = false;
  for (int i = 1; i < argc; ++i)
    min_time_given |= std::string_view(argv[i]).rfind("--benchmark_min_time", 0) == 0;
  register_all(!min_time_given);
  return lastref::bench::run_main(argc, argv);
}
