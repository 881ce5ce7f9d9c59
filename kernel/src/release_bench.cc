// SPDX-License-Identifier: MIT
// <name>_release_bench (lastref_add_kernel_test): lastref's release-latency-
// under-priority-contention suite (bench/suites/release_latency.cc, its
// strategies, probes, cells and flags) with one more row per cell,
// release_latency/<cell>/byo:<name>, whose sample is the user's own unload
// path: the kernel-C test run once on real threads.
//
// One sample: a fresh THIS_MODULE, module_init, LASTREF_SETUP. Every
// LASTREF_THREAD but the unloader (the thread named by BENCH_UNLOADER,
// default `unloader`) is a releaser: a fresh thread in the cell's releaser
// class (on the releaser CPU when pinned) that waits until the unload
// begins, sleeps until that instant + d (the cell's randomised pre-release
// delay), stamps t_put and runs its body. The unloader's body runs on the
// benchmark thread (the suite's unloader: SCHED_OTHER nice 0, pinned when
// the cell is). lastref_delete_module() stamps t_req at its first entry
// (and lets the releasers go), t_torn when module_exit has returned and
// t_gone when a successful unload returns. Then every thread and kthread
// is joined and LASTREF_CHECK runs. The row's figures are lastref's:
//   put_to_teardown = t_torn - t_put (the latest releaser's t_put)
//   unload_to_gone  = t_gone - t_req - d
// so t_put is when the releaser's body starts, not its last put: a body
// that works before its put adds that work to put_to_teardown.
// `exposed` and `woke_sleeper` are not measured here (0): module text
// residency is tracked by the model, not on real threads.
//
// Contract: the unloader thread unloads the module (lastref_delete_module()
// returns 0) in every run, and no thread waits for the unloader before the
// unload begins (the releasers start their bodies only after it began).
// The user's C runs here with the real-thread backend (real_backend.cc)
// without ThreadSanitizer: a test must be clean under its <name>_tsan run
// first. A test without such an unloader and at least one releaser is
// refused before any row runs (exit status 2); a WARN or LASTREF_ASSERT
// during a sample, or an unload that did not happen, ends the run (abort,
// with the reason).
//
// Memory ordering: the go word is published with release and read with
// acquire, so t_due is visible to the releasers; joins order everything
// else.
#include <latch>

#include "real_backend.h"
extern "C" {
#include "linux_internal.h"
// Written by the target's generated file (LastrefKernelTest.cmake).
extern const char lastref_kernel_bench_role[];
extern const char lastref_kernel_bench_unloader[];
}

#define LASTREF_BENCH_BYO_UNLOAD 1
#define LASTREF_BENCH_BYO_ROLE lastref_kernel_bench_role
#include "release_latency.cc"

namespace {

// The test's threads, once: the unloader's index and the releasers'.
struct roles {
  const lastref_test_fn* threads = nullptr;
  int unloader = -1;
  std::vector<int> releasers;
};
roles g_roles;

// One sample's stopwatch, written by lastref_delete_module's hook.
alignas(64) std::atomic<std::uint32_t> g_go{0};  // futex word: the unload began
std::atomic<std::int64_t> g_t_due{0};            // published by g_go's release
std::atomic<std::int64_t> g_t_req{0};
std::atomic<std::int64_t> g_t_torn{0};
std::atomic<std::int64_t> g_t_gone{0};
std::int64_t g_delay_ns = 0;  // set before the sample's threads start

void let_releasers_go(std::int64_t now) {
  g_t_due.store(now + g_delay_ns, std::memory_order_relaxed);
  g_go.store(1u, std::memory_order_release);
  lastref::futex_wake(&g_go, lastref::futex_wake_everyone);
}

void on_unload(int event, int result) {
  const std::int64_t t = now_ns();
  switch (event) {
    case LASTREF_UNLOAD_ENTER:
      if (g_t_req.load(std::memory_order_relaxed) == 0) {
        g_t_req.store(t, std::memory_order_relaxed);
        let_releasers_go(t);
      }
      break;
    case LASTREF_UNLOAD_EXITED:
      g_t_torn.store(t, std::memory_order_relaxed);
      break;
    default:
      if (result == 0) g_t_gone.store(t, std::memory_order_relaxed);
  }
}

[[noreturn]] void refuse(const std::string& why) {
  std::fprintf(stderr, "release_latency (%s): %s\n", lastref_kernel_bench_role, why.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

void byo_unload_check() {
  int n = 0;
  g_roles.threads = lastref_test_threads(&n);
  for (int i = 0; i < n; ++i) {
    if (std::strcmp(g_roles.threads[i].name, lastref_kernel_bench_unloader) == 0)
      g_roles.unloader = i;
    else
      g_roles.releasers.push_back(i);
  }
  if (g_roles.unloader < 0)
    refuse(std::string("the test has no LASTREF_THREAD(") + lastref_kernel_bench_unloader +
           ") to run as the unloader (name it with BENCH_UNLOADER, or NO_BENCH)");
  if (g_roles.releasers.empty())
    refuse(std::string("the test has no LASTREF_THREAD besides ") + lastref_kernel_bench_unloader +
           " to release while it unloads (or NO_BENCH)");
  lastref_linux_unload_hook = &on_unload;
}

sample byo_unload_sample(releaser_class rc, const placement& pl, nanoseconds delay) {
  const int warnings = lastref::kernel::real_warnings();
  g_go.store(0u, std::memory_order_relaxed);
  g_t_req.store(0, std::memory_order_relaxed);
  g_t_torn.store(0, std::memory_order_relaxed);
  g_t_gone.store(0, std::memory_order_relaxed);
  g_delay_ns = delay.count();
  if (lastref_linux_reset() != 0) die("module_init failed");
  lastref_test_run_setup();

  const std::size_t n = g_roles.releasers.size();
  std::vector<std::atomic<std::int64_t>> t_put(n);
  std::atomic<bool> class_ok{true};
  std::latch ready(static_cast<std::ptrdiff_t>(n));
  std::vector<std::thread> releasers;
  releasers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    releasers.push_back(lastref::run_thread([&, i] {
      if (pl.releaser >= 0) pin_self(pl.releaser);
      if (!apply_class(rc)) class_ok.store(false, std::memory_order_relaxed);
      // The pre-release delay wakes by timer: no slack (as lastref's rows).
      prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      ready.count_down();
      while (g_go.load(std::memory_order_acquire) == 0u) lastref::futex_wait(&g_go, 0u);
      sleep_until_ns(g_t_due.load(std::memory_order_relaxed));
      t_put[i].store(now_ns(), std::memory_order_relaxed);
      lastref::kernel::real_run_thread(g_roles.threads[g_roles.releasers[i]].fn);
    }));
  }
  ready.wait();

  lastref::kernel::real_run_thread(g_roles.threads[g_roles.unloader].fn);
  const bool began = g_t_req.load(std::memory_order_relaxed) != 0;
  if (!began) let_releasers_go(now_ns());  // do not leave them waiting
  for (auto& t : releasers) t.join();
  lastref::kernel::real_join_spawned();
  lastref_test_run_check();
  if (!began) die("the unloader thread never called lastref_delete_module()");
  if (g_t_gone.load(std::memory_order_relaxed) == 0)
    die("the unloader's lastref_delete_module() never succeeded (retry while -EBUSY)");
  if (lastref::kernel::real_warnings() != warnings)
    die("a WARN or LASTREF_ASSERT fired (run the test's _tsan target first)");

  std::int64_t last_put = 0;
  for (const auto& t : t_put) last_put = std::max(last_put, t.load(std::memory_order_relaxed));
  sample out;
  out.class_ok = class_ok.load(std::memory_order_relaxed);
  out.put_to_teardown = nanoseconds(g_t_torn.load(std::memory_order_relaxed) - last_put);
  out.unload_to_gone = nanoseconds(g_t_gone.load(std::memory_order_relaxed) -
                                   g_t_req.load(std::memory_order_relaxed)) -
                       delay;
  out.end = clock_type::now();
  return out;
}

}  // namespace
