// SPDX-License-Identifier: MIT
// Suite 2b — completion ping-pong: the round trip complete -> wait -> complete
// -> wait between two threads.
//
// One job: the throughput of a hand-off in each regime (names follow
// harness/main.h):
//   completion_pingpong/cross_cpu  the threads on two CPUs, round trips back
//       to back: the partner answers within ~0.1-0.3 us, so a primitive that
//       polls before sleeping catches it while still spinning ("waiter
//       spinning" regime). Limit: `limit:spin_cacheline_pingpong`, the same
//       protocol spinning on one word with no sleep at all (the cache-line
//       round trip). `ref:raw_futex_one_word` is the raw FUTEX_WAIT/WAKE
//       ping-pong, which never spins, for context.
//   completion_pingpong/same_cpu  both threads pinned to ONE CPU: nobody can
//       answer while the waiter spins, so every hand-off is a sleep and a
//       context switch ("waiter blocked"); a spin phase is pure cost here.
//       Limit: `limit:raw_futex_one_word`.
// (The blocked regime across CPUs — the waiter long asleep when the signal
// comes — is completion_wake.)
// Peers: std::binary_semaphore, std::atomic<>::wait/notify_one, std::mutex +
// std::condition_variable, std::promise/std::future, std::latch and
// absl::Notification (one-shot: a fresh object per direction per round,
// which is how they must be used; absl only when CMake found it).
// `ref:completion_no_spin` is lastref's completion without its spin phase
// (a platform with wait_spin_iterations = wait_yield_iterations = 0), to
// show what the spin buys in each regime.
// Figures: wall time per round trip, p50_us/p90_us/p99_us/mean_us over
// batches of 16 back-to-back round trips (the manual time is a whole
// iteration, every batch, and not a figure). Every iteration also runs a
// batch of the group's limit in the same threads, reported as limit_p50_us
// and x_paired_limit (p50 / limit p50), so the comparison holds while the
// machine's load drifts; cross_cpu also pairs the raw futex
// (futex_p50_us, x_paired_futex).

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

#include "harness/cpu.h"
#include "harness/latency.h"
#include "harness/main.h"
#include "wake_channels.h"

namespace {

using namespace lastref::bench;
using clock_type = std::chrono::steady_clock;

// Round trips come in batches of `batch`, alternating between the subject
// and the paired limit(s) in the same two threads, so all see the same
// machine state while back-to-back round trips inside a batch keep the
// regime of a real ping-pong. One iteration = one batch of each; a sample
// is a batch's time per round trip, and p50/p99 are over samples (a few
// preempted rounds on a loaded machine drag the mean).
constexpr std::uint64_t batch = 16;

enum class regime { cross_cpu, same_cpu };

// One duplex driven by both threads, with its own round counter.
template <class Duplex>
struct driven {
  std::unique_ptr<Duplex> d = std::make_unique<Duplex>();
  std::uint64_t a_round = 0;  // thread A's
  std::uint64_t b_round = 0;  // thread B's

  // B's side of one batch; false once A asked it to stop.
  bool b_batch(const std::atomic<bool>& stop) {
    for (std::uint64_t k = 0; k < batch; ++k, ++b_round) {
      d->b_wait(b_round);
      if (stop.load(std::memory_order_relaxed)) return false;
      d->b_signal(b_round);
    }
    return true;
  }
  // A's side of one batch: time per round trip.
  clock_type::duration a_batch() {
    const auto t0 = clock_type::now();
    for (std::uint64_t k = 0; k < batch; ++k, ++a_round) {
      d->recycle(a_round + 2);
      d->a_signal(a_round);
      d->a_wait(a_round);
    }
    return (clock_type::now() - t0) / batch;
  }
};

template <class Duplex, regime R>
void ping_pong(benchmark::State& st) {
  using limit_duplex = std::conditional_t<R == regime::cross_cpu, spin_duplex, futex_duplex>;
  const cpu_pair cpus = pick_cpu_pair();
  if (R == regime::cross_cpu && !cpus.distinct()) {
    st.SkipWithError("cross-CPU ping-pong needs two CPUs");
    return;
  }
  const int cpu_b = R == regime::cross_cpu ? cpus.second : cpus.first;
  scoped_pin pin(cpus.first);
  driven<Duplex> subject;
  driven<limit_duplex> lim;
  driven<futex_duplex> fut;       // cross_cpu only
  std::atomic<bool> stop{false};  // read by B after a wait: the signal orders it
  pin_handshake pinned;
  std::thread b([&] {
    pin_self(cpu_b);
    pinned.pinned();
    for (;;) {
      if (!subject.b_batch(stop)) return;
      lim.b_batch(stop);
      if (R == regime::cross_cpu) fut.b_batch(stop);
    }
  });
  pinned.wait();
  latency_samples subject_s, limit_s, futex_s;
  for (auto _ : st) {
    const auto t0 = clock_type::now();
    subject_s.add(subject.a_batch());
    limit_s.add(lim.a_batch());
    if (R == regime::cross_cpu) futex_s.add(fut.a_batch());
    // The iteration's whole wall time (every batch): Google Benchmark sizes
    // the run by it; the figures are the counters below.
    st.SetIterationTime(std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  // B waits for the subject's round a_round, the first of a new batch; slot
  // a_round was recycled two rounds ago.
  stop.store(true, std::memory_order_relaxed);
  subject.d->a_signal(subject.a_round);
  b.join();
  st.SetItemsProcessed(static_cast<std::int64_t>(subject.a_round));  // subject round trips
  subject_s.publish(st);
  const double p50 = subject_s.percentile_us(0.5);
  const double lim_p50 = limit_s.percentile_us(0.5);
  st.counters["limit_p50_us"] = lim_p50;
  st.counters["x_paired_limit"] = lim_p50 > 0 ? p50 / lim_p50 : 0.0;
  if (R == regime::cross_cpu) {
    const double fut_p50 = futex_s.percentile_us(0.5);
    st.counters["futex_p50_us"] = fut_p50;
    st.counters["x_paired_futex"] = fut_p50 > 0 ? p50 / fut_p50 : 0.0;
  }
  if (!cpus.distinct()) st.SetLabel("one CPU");
}

template <regime R>
void register_group(const std::string& g) {
  auto add = [&](const char* role, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark((g + role).c_str(), fn)->UseManualTime();
  };
  add("lastref:completion", ping_pong<duplex_of<completion_channel>, R>);
  add("ref:completion_no_spin", ping_pong<duplex_of<completion_no_spin_channel>, R>);
#if defined(LASTREF_BENCH_BYO_CHANNEL)
  // A user's completion (lastref_add_primitive: byo/templates/
  // pingpong_bench.cc.in includes this file), role byo.
  add(LASTREF_BENCH_BYO_ROLE, ping_pong<duplex_of<LASTREF_BENCH_BYO_CHANNEL>, R>);
#endif
  add("baseline:binary_semaphore", ping_pong<duplex_of<semaphore_channel>, R>);
  add("baseline:atomic_wait_notify", ping_pong<duplex_of<atomic_wait_channel>, R>);
  add("baseline:mutex_condvar", ping_pong<duplex_of<condvar_channel>, R>);
  add("baseline:promise_future_oneshot", ping_pong<duplex_of<promise_channel>, R>);
  add("baseline:latch_oneshot", ping_pong<duplex_of<latch_channel>, R>);
#if defined(LASTREF_HAVE_ABSL)
  add("baseline:absl_notification_oneshot", ping_pong<duplex_of<absl_notification_channel>, R>);
#endif
  if constexpr (R == regime::cross_cpu) {
    add("ref:raw_futex_one_word", ping_pong<futex_duplex, R>);
    add("limit:spin_cacheline_pingpong", ping_pong<spin_duplex, R>);
  } else {
    add("limit:raw_futex_one_word", ping_pong<futex_duplex, R>);
  }
}

void register_all() {
  register_group<regime::cross_cpu>("completion_pingpong/cross_cpu/");
  register_group<regime::same_cpu>("completion_pingpong/same_cpu/");
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
