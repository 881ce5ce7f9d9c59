// SPDX-License-Identifier: MIT
// Suite 2a — completion fast paths, uncontended.
//
// One job: what a completion costs when nobody has to sleep. Two groups:
//   completion_fast/wait_on_done: waiting on something that already
//     happened (complete_all() earlier; every wait returns at once), against
//     std::latch, std::shared_future, absl::Notification (when CMake found
//     abseil), std::atomic<>::wait on a changed value and a mutex-protected
//     flag, and the floor: one acquire load of a std::atomic<bool> flag.
//   completion_fast/complete_then_consume: signal then consume it
//     (complete(); try_wait() or wait()), against std::binary_semaphore,
//     a std::atomic<bool> flag (store + exchange) and mutex + condvar, and
//     the floor for a *counting* signal: two lock cmpxchg on a private line
//     (both the count's increment and its consumption must be RMWs).
// Names follow bench/suites/harness/main.h.

#include <lastref/completion.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <latch>
#include <mutex>
#include <semaphore>
#include <string>
#if defined(LASTREF_HAVE_ABSL)
#include <absl/synchronization/notification.h>
#endif

#include "harness/main.h"
#include "rmw_limits.h"

namespace {

template <class T>
struct alignas(64) on_line {
  T v;
};

// --- wait on an already-done event -----------------------------------------------

void done_completion_wait(benchmark::State& st) {
  on_line<lastref::completion> c{};
  c.v.complete_all();
  for (auto _ : st) c.v.wait();
  benchmark::DoNotOptimize(c.v.done());
  st.SetItemsProcessed(st.iterations());
}

void done_completion_done(benchmark::State& st) {
  on_line<lastref::completion> c{};
  c.v.complete_all();
  for (auto _ : st) benchmark::DoNotOptimize(c.v.done());
  st.SetItemsProcessed(st.iterations());
}

void done_latch(benchmark::State& st) {
  std::latch l(1);
  l.count_down();
  for (auto _ : st) l.wait();
  benchmark::DoNotOptimize(l.try_wait());
  st.SetItemsProcessed(st.iterations());
}

void done_shared_future(benchmark::State& st) {
  std::promise<void> p;
  std::shared_future<void> f = p.get_future().share();
  p.set_value();
  for (auto _ : st) f.wait();
  st.SetItemsProcessed(st.iterations());
}

#if defined(LASTREF_HAVE_ABSL)
void done_absl_notification(benchmark::State& st) {
  absl::Notification n;
  n.Notify();
  for (auto _ : st) n.WaitForNotification();
  benchmark::DoNotOptimize(n.HasBeenNotified());
  st.SetItemsProcessed(st.iterations());
}
#endif

// wait(old) returns at once when the value already differs from old.
void done_atomic_wait(benchmark::State& st) {
  on_line<std::atomic<std::uint32_t>> word{};
  word.v.store(1, std::memory_order_release);
  for (auto _ : st) word.v.wait(0, std::memory_order_acquire);
  st.SetItemsProcessed(st.iterations());
}

void done_mutex_flag(benchmark::State& st) {
  std::mutex m;
  bool flag = true;
  for (auto _ : st) {
    std::lock_guard<std::mutex> g(m);
    benchmark::DoNotOptimize(flag);
  }
  st.SetItemsProcessed(st.iterations());
}

void done_acquire_load_limit(benchmark::State& st) {
  on_line<std::atomic<bool>> flag{};
  flag.v.store(true, std::memory_order_release);
  for (auto _ : st) benchmark::DoNotOptimize(flag.v.load(std::memory_order_acquire));
  st.SetItemsProcessed(st.iterations());
}

// --- signal, then consume it ------------------------------------------------------

void consume_completion_try_wait(benchmark::State& st) {
  on_line<lastref::completion> c{};
  for (auto _ : st) {
    c.v.complete();
    benchmark::DoNotOptimize(c.v.try_wait());
  }
  st.SetItemsProcessed(st.iterations());
}

void consume_completion_wait(benchmark::State& st) {
  on_line<lastref::completion> c{};
  for (auto _ : st) {
    c.v.complete();
    c.v.wait();
  }
  st.SetItemsProcessed(st.iterations());
}

void consume_binary_semaphore(benchmark::State& st) {
  std::binary_semaphore s{0};
  for (auto _ : st) {
    s.release();
    benchmark::DoNotOptimize(s.try_acquire());
  }
  st.SetItemsProcessed(st.iterations());
}

void consume_atomic_flag(benchmark::State& st) {
  on_line<std::atomic<bool>> flag{};
  for (auto _ : st) {
    flag.v.store(true, std::memory_order_release);
    benchmark::DoNotOptimize(flag.v.exchange(false, std::memory_order_acquire));
  }
  st.SetItemsProcessed(st.iterations());
}

void consume_mutex_condvar(benchmark::State& st) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  for (auto _ : st) {
    {
      std::lock_guard<std::mutex> g(m);
      ready = true;
    }
    cv.notify_one();
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return ready; });
    ready = false;
  }
  st.SetItemsProcessed(st.iterations());
}

void consume_limit(benchmark::State& st) {
  lastref::bench::rmw_line line;
  line.v.store(0, std::memory_order_relaxed);
  for (auto _ : st) {
    benchmark::DoNotOptimize(lastref::bench::locked_cas(line, 0, 1));
    benchmark::DoNotOptimize(lastref::bench::locked_cas(line, 1, 0));
  }
  st.SetItemsProcessed(st.iterations());
}

void register_all() {
  auto add = [](const std::string& name, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(name.c_str(), fn);
  };
  const std::string d = "completion_fast/wait_on_done/";
  add(d + "lastref:completion_wait", done_completion_wait);
  add(d + "lastref:completion_done", done_completion_done);
  add(d + "baseline:latch_wait", done_latch);
  add(d + "baseline:shared_future_wait", done_shared_future);
#if defined(LASTREF_HAVE_ABSL)
  add(d + "baseline:absl_notification_wait", done_absl_notification);
#endif
  add(d + "baseline:atomic_wait_changed", done_atomic_wait);
  add(d + "baseline:mutex_flag_check", done_mutex_flag);
  add(d + "limit:atomic_flag_acquire_load", done_acquire_load_limit);

  const std::string c = "completion_fast/complete_then_consume/";
  add(c + "lastref:completion_try_wait", consume_completion_try_wait);
  add(c + "lastref:completion_wait", consume_completion_wait);
  add(c + "baseline:binary_semaphore", consume_binary_semaphore);
  add(c + "baseline:atomic_flag_store_exchange", consume_atomic_flag);
  add(c + "baseline:mutex_condvar", consume_mutex_condvar);
  add(c + "limit:lock_cmpxchg_x2_private_line", consume_limit);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return lastref::bench::run_main(argc, argv);
}
