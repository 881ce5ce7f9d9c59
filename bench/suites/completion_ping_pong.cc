// Suite 2b — completion ping-pong: the round trip complete -> wait -> complete
// -> wait between two threads on two CPUs.
//
// One job: the throughput of a blocking hand-off when the other side is
// usually asleep. Thread A (the benchmark thread) signals ping and waits for
// pong; thread B waits for ping and signals pong. Against std::binary_semaphore,
// std::mutex + std::condition_variable, std::promise/std::future and
// std::latch (one-shot: a fresh object per direction per round, which is how
// they must be used), and the physical limit: a raw FUTEX_WAIT/FUTEX_WAKE
// ping-pong on one word. `ref:spin_no_sleep` spins on one word instead of
// sleeping: the cache-line round trip alone, shown for context.
// Figures: wall time per round trip, p50_us/p90_us/p99_us/mean_us over
// batches of 16 back-to-back round trips (the manual time is a whole
// iteration, both batches, and not a figure). Every iteration
// also runs a batch of the limit in the same threads, reported as
// limit_p50_us and x_paired_limit (p50 / limit p50), so the comparison holds
// even while the machine's load drifts. Names follow harness/main.h.

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

// Round trips come in batches of `batch`, alternating between Duplex and the
// paired physical limit (futex_duplex) in the same two threads, so both see
// the same machine state while back-to-back round trips inside a batch keep
// the regime of a real ping-pong (a primitive that spins before sleeping
// still catches its partner). One iteration = one batch of each; a sample is
// a batch's time per round trip, and p50/p99 are over samples (a few
// preempted rounds on a loaded machine drag the mean).
constexpr std::uint64_t batch = 16;

template <class Duplex>
void ping_pong(benchmark::State& st) {
  using clock_type = std::chrono::steady_clock;
  const cpu_pair cpus = pick_cpu_pair();
  if (!cpus.distinct() && std::is_same_v<Duplex, spin_duplex>) {
    st.SkipWithError("spinning hand-off needs two CPUs");
    return;
  }
  scoped_pin pin(cpus.first);
  auto d = std::make_unique<Duplex>();
  auto lim = std::make_unique<futex_duplex>();
  std::atomic<bool> stop{false};  // read by B after a wait: the signal orders it
  pin_handshake pinned;
  std::thread b([&] {
    pin_self(cpus.second);
    pinned.pinned();
    for (std::uint64_t i = 0, l = 0;;) {
      for (std::uint64_t k = 0; k < batch; ++k, ++i) {
        d->b_wait(i);
        if (stop.load(std::memory_order_relaxed)) return;
        d->b_signal(i);
      }
      for (std::uint64_t k = 0; k < batch; ++k, ++l) {
        lim->b_wait(l);
        lim->b_signal(l);
      }
    }
  });
  pinned.wait();
  std::uint64_t i = 0, l = 0;
  latency_samples subject, limit;
  for (auto _ : st) {
    const auto t0 = clock_type::now();
    for (std::uint64_t k = 0; k < batch; ++k, ++i) {
      d->recycle(i + 2);
      d->a_signal(i);
      d->a_wait(i);
    }
    const auto t1 = clock_type::now();
    for (std::uint64_t k = 0; k < batch; ++k, ++l) {
      lim->a_signal(l);
      lim->a_wait(l);
    }
    const auto t2 = clock_type::now();
    // The iteration's whole wall time (both batches): Google Benchmark sizes
    // the run by it; the figures are the counters below.
    st.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
    subject.add((t1 - t0) / batch);
    limit.add((t2 - t1) / batch);
  }
  // B waits for round i, the first of a new batch; slot i was recycled two
  // rounds ago.
  stop.store(true, std::memory_order_relaxed);
  d->a_signal(i);
  b.join();
  st.SetItemsProcessed(static_cast<std::int64_t>(i));  // subject round trips
  subject.publish(st);
  const double lim_p50 = limit.percentile_us(0.5);
  st.counters["limit_p50_us"] = lim_p50;
  st.counters["x_paired_limit"] = lim_p50 > 0 ? subject.percentile_us(0.5) / lim_p50 : 0.0;
  if (!cpus.distinct()) st.SetLabel("one CPU: both threads time-slice");
}

void register_all() {
  const std::string g = "completion_pingpong/round_trip_2cpus/";
  auto add = [&](const char* role, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark((g + role).c_str(), fn)->UseManualTime();
  };
  add("lastref:completion", ping_pong<duplex_of<completion_channel>>);
  add("baseline:binary_semaphore", ping_pong<duplex_of<semaphore_channel>>);
  add("baseline:mutex_condvar", ping_pong<duplex_of<condvar_channel>>);
  add("baseline:promise_future_oneshot", ping_pong<duplex_of<promise_channel>>);
  add("baseline:latch_oneshot", ping_pong<duplex_of<latch_channel>>);
  add("limit:raw_futex_one_word", ping_pong<futex_duplex>);
  add("ref:spin_no_sleep", ping_pong<spin_duplex>);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
