// SPDX-License-Identifier: MIT
// Suite 2d — complete_all to N sleeping waiters: from the broadcast to the
// LAST waiter returning from its wait.
//
// One job, per sample: N waiter threads (waiter i pinned to allowed CPU
// (i + 1) mod CPUs; the waker, the benchmark thread, on the first CPU)
// announce they are about to wait and block; the waker sleeps settle_time so
// that every waiter is asleep in the kernel, takes t0 and broadcasts; each
// waiter takes its t1 when its wait returns. The sample is max(t1) - t0.
// The waker and some waiters share a CPU when N >= CPUs, so every
// hand-shake outside the measured interval sleeps on a futex word instead of
// spinning. Clock: steady_clock (CLOCK_MONOTONIC), one clock for every CPU;
// completion_wake checks the cross-CPU offset (tens of ns) and publishes it.
// Groups completion_broadcast/waiters_N for N = 2, CPUs, 2 x CPUs
// (deduplicated); names follow harness/main.h. Against std::latch,
// std::shared_future, absl::Notification (one-shot: re-created per round),
// std::atomic<>::wait/notify_all and std::mutex + condition_variable
// notify_all; the limit: one FUTEX_WAKE(INT_MAX) on a word all waiters
// sleep on. Every iteration also takes one sample of the limit in the same
// threads (limit_p50_us, x_paired_limit), as the other latency suites do.

#include <lastref/completion.h>
#include <lastref/futex.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#if defined(LASTREF_HAVE_ABSL)
#include <absl/synchronization/notification.h>
#endif

#include "harness/cpu.h"
#include "harness/latency.h"
#include "harness/main.h"

namespace {

using namespace lastref::bench;
using clock_type = std::chrono::steady_clock;

constexpr std::chrono::microseconds settle_time{200};
constexpr std::chrono::seconds lost_wakeup{10};

// Broadcast channels. Round r: the waker calls reset(r) while nobody waits
// (every waiter reported round r - 1 and waits for the go of round r), then
// signal(r); each waiter calls wait(r). reset happens-before wait through
// the go word (release/acquire).
struct completion_bc {
  lastref::completion c;
  void reset(std::uint64_t) { c.reinit(); }
  void signal(std::uint64_t) { c.complete_all(); }
  void wait(std::uint64_t) { c.wait(); }
};

struct latch_bc {
  std::optional<std::latch> l{std::in_place, 1};
  void reset(std::uint64_t) { l.emplace(1); }
  void signal(std::uint64_t) { l->count_down(); }
  void wait(std::uint64_t) { l->wait(); }
};

struct shared_future_bc {
  std::promise<void> p;
  std::shared_future<void> f = p.get_future().share();
  void reset(std::uint64_t) {
    p = std::promise<void>();
    f = p.get_future().share();
  }
  void signal(std::uint64_t) { p.set_value(); }
  void wait(std::uint64_t) { f.wait(); }
};

#if defined(LASTREF_HAVE_ABSL)
struct absl_notification_bc {
  std::optional<absl::Notification> n{std::in_place};
  void reset(std::uint64_t) { n.emplace(); }
  void signal(std::uint64_t) { n->Notify(); }
  void wait(std::uint64_t) { n->WaitForNotification(); }
};
#endif

struct atomic_wait_bc {
  std::atomic<std::uint32_t> word{0};  // round r+1 signalled; store release, load acquire
  void reset(std::uint64_t) {}
  void signal(std::uint64_t r) {
    word.store(static_cast<std::uint32_t>(r + 1), std::memory_order_release);
    word.notify_all();
  }
  void wait(std::uint64_t r) {
    const auto want = static_cast<std::uint32_t>(r + 1);
    for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) != want;)
      word.wait(v, std::memory_order_acquire);
  }
};

struct condvar_bc {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;  // guarded by m
  void reset(std::uint64_t) {
    std::lock_guard<std::mutex> g(m);
    ready = false;
  }
  void signal(std::uint64_t) {
    {
      std::lock_guard<std::mutex> g(m);
      ready = true;
    }
    cv.notify_all();
  }
  void wait(std::uint64_t) {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [this] { return ready; });
  }
};

// The limit: one word, one FUTEX_WAKE for everyone.
struct futex_bc {
  std::atomic<std::uint32_t> word{0};  // round r+1 signalled; store release, load acquire
  void reset(std::uint64_t) {}
  void signal(std::uint64_t r) {
    word.store(static_cast<std::uint32_t>(r + 1), std::memory_order_release);
    lastref::futex_wake(&word, lastref::futex_wake_everyone);
  }
  void wait(std::uint64_t r) {
    const auto want = static_cast<std::uint32_t>(r + 1);
    for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) != want;)
      lastref::futex_wait(&word, v);
  }
};

// Sleeps until word >= want (counts only grow between rounds).
void await_at_least(const std::atomic<std::uint32_t>& word, std::uint32_t want,
                    clock_type::time_point give_up) {
  for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) < want;) {
    lastref::futex_wait(&word, v);
    if (clock_type::now() > give_up) {
      std::fprintf(stderr, "completion_broadcast: lost wake-up\n");
      std::abort();
    }
  }
}

// Sample j: even j uses the channel under test (its round j/2), odd j the
// paired limit.
template <class Channel>
void broadcast(benchmark::State& st, int n) {
  const std::vector<int> cpus = allowed_cpus();
  scoped_pin pin(cpus[0]);
  auto ch = std::make_unique<Channel>();
  auto lim = std::make_unique<futex_bc>();
  const auto un = static_cast<std::uint32_t>(n);
  alignas(64) std::atomic<std::uint32_t> go{0};     // j+1: sample j may start (release)
  alignas(64) std::atomic<std::uint32_t> armed{0};  // waiters about to wait, all samples
  alignas(64) std::atomic<std::uint32_t> woken{0};  // waiters returned, all samples
  std::atomic<bool> stop{false};                    // published by `go`
  std::vector<std::atomic<std::int64_t>> woken_at(static_cast<std::size_t>(n));  // by `woken`
  std::vector<std::thread> waiters;
  for (int i = 0; i < n; ++i)
    waiters.emplace_back([&, i] {
      pin_self(cpus[static_cast<std::size_t>(i + 1) % cpus.size()]);
      for (std::uint64_t j = 0;; ++j) {
        await_at_least(go, static_cast<std::uint32_t>(j + 1), clock_type::time_point::max());
        if (stop.load(std::memory_order_relaxed)) return;
        armed.fetch_add(1, std::memory_order_release);
        lastref::futex_wake(&armed, 1);
        if (j % 2 == 0)
          ch->wait(j / 2);
        else
          lim->wait(j / 2);
        woken_at[static_cast<std::size_t>(i)].store(clock_type::now().time_since_epoch().count(),
                                                    std::memory_order_relaxed);
        if (woken.fetch_add(1, std::memory_order_acq_rel) + 1 == un * (j + 1))
          lastref::futex_wake(&woken, 1);
      }
    });

  auto one_sample = [&](std::uint64_t j, auto&& reset, auto&& signal) {
    reset();
    go.store(static_cast<std::uint32_t>(j + 1), std::memory_order_release);
    lastref::futex_wake(&go, lastref::futex_wake_everyone);
    await_at_least(armed, un * static_cast<std::uint32_t>(j + 1), clock_type::now() + lost_wakeup);
    std::this_thread::sleep_for(settle_time);  // every waiter falls asleep
    const auto t0 = clock_type::now();
    signal();
    await_at_least(woken, un * static_cast<std::uint32_t>(j + 1), t0 + lost_wakeup);
    std::int64_t last = 0;
    for (auto& w : woken_at) last = std::max(last, w.load(std::memory_order_relaxed));
    return clock_type::time_point(clock_type::duration(last)) - t0;
  };

  latency_samples samples, limit_samples;
  std::uint64_t k = 0;
  for (auto _ : st) {
    const auto d = one_sample(
        2 * k, [&] { ch->reset(k); }, [&] { ch->signal(k); });
    limit_samples.add(one_sample(
        2 * k + 1, [&] { lim->reset(k); }, [&] { lim->signal(k); }));
    samples.add(d);
    st.SetIterationTime(std::chrono::duration<double>(d).count());
    ++k;
  }
  stop.store(true, std::memory_order_relaxed);
  go.store(static_cast<std::uint32_t>(2 * k + 1), std::memory_order_release);
  lastref::futex_wake(&go, lastref::futex_wake_everyone);
  for (auto& t : waiters) t.join();
  samples.publish(st);
  const double lim_p50 = limit_samples.percentile_us(0.5);
  st.counters["limit_p50_us"] = lim_p50;
  st.counters["x_paired_limit"] = lim_p50 > 0 ? samples.percentile_us(0.5) / lim_p50 : 0.0;
  st.counters["waiters"] = n;
}

// Each sample sleeps settle_time first, so a direct run asks for 0.02 s of
// manual time (~100 samples); an explicit --benchmark_min_time decides
// otherwise.
void register_all(bool default_min_time) {
  const int cpus = static_cast<int>(allowed_cpus().size());
  std::vector<int> ns{2, cpus, 2 * cpus};
  std::sort(ns.begin(), ns.end());
  ns.erase(std::unique(ns.begin(), ns.end()), ns.end());
  for (int n : ns) {
    const std::string g = "completion_broadcast/waiters_" + std::to_string(n) + "/";
    auto add = [&](const char* role, void (*fn)(benchmark::State&, int)) {
      auto* b = benchmark::RegisterBenchmark((g + role).c_str(), fn, n)->UseManualTime();
      if (default_min_time) b->MinTime(0.02);
    };
    add("lastref:completion_complete_all", broadcast<completion_bc>);
    add("baseline:latch_count_down", broadcast<latch_bc>);
    add("baseline:shared_future_set_value", broadcast<shared_future_bc>);
#if defined(LASTREF_HAVE_ABSL)
    add("baseline:absl_notification_notify", broadcast<absl_notification_bc>);
#endif
    add("baseline:atomic_wait_notify_all", broadcast<atomic_wait_bc>);
    add("baseline:mutex_condvar_notify_all", broadcast<condvar_bc>);
    add("limit:raw_futex_wake_all", broadcast<futex_bc>);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool min_time_given = false;
  for (int i = 1; i < argc; ++i)
    min_time_given |= std::string_view(argv[i]).rfind("--benchmark_min_time", 0) == 0;
  register_all(!min_time_given);
  return lastref::bench::run_main(argc, argv);
}
