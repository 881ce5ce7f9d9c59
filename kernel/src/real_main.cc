// SPDX-License-Identifier: MIT
// The real-thread driver of a kernel-C test (<name>_tsan): runs the test
// --iterations times (default 200) on real threads under ThreadSanitizer,
// each iteration a fresh THIS_MODULE, module_init, LASTREF_SETUP, the
// LASTREF_THREADs started together, every kthread joined, LASTREF_CHECK.
// Prints a progress line every 10% of the iterations.
//
// Exit status: 0 clean; 1 a WARN / LASTREF_ASSERT fired; 2 bad input;
// ThreadSanitizer's own exit code (66) when it reported.
//
// Memory ordering: thread start and join are the only edges the driver adds.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

extern "C" {
#include "linux_internal.h"
}
#include "real_backend.h"

int main(int argc, char** argv) {
  unsigned long iterations = 200;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      char* end = nullptr;
      iterations = std::strtoul(argv[i] + 13, &end, 10);
      if (*end != '\0' || iterations == 0 || argv[i][13] == '\0') {
        std::fprintf(stderr, "lastref kernel test: --iterations must be a positive number: '%s'\n",
                     argv[i] + 13);
        return 2;
      }
    } else if (std::strcmp(argv[i], "--help") == 0) {
      std::puts("usage: <test>_tsan [--iterations=N]");
      return 0;
    } else {
      std::fprintf(stderr, "lastref kernel test: unknown option '%s' (see --help)\n", argv[i]);
      return 2;
    }
  }
  int n = 0;
  const lastref_test_fn* threads = lastref_test_threads(&n);
  if (n == 0) {
    std::fprintf(stderr, "lastref kernel test: the test file defines no LASTREF_THREAD\n");
    return 2;
  }
  for (unsigned long it = 0; it < iterations; ++it) {
    if (lastref_linux_reset() != 0) {
      std::fprintf(stderr, "lastref kernel test: module_init failed\n");
      return 1;
    }
    lastref_test_run_setup();
    std::atomic<int> go{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < n; ++t)
      ts.emplace_back([&, t] {
        while (go.load(std::memory_order_acquire) == 0) std::this_thread::yield();
        lastref::kernel::real_run_thread(threads[t].fn);
      });
    go.store(1, std::memory_order_release);
    for (auto& t : ts) t.join();
    lastref::kernel::real_join_spawned();
    lastref_test_run_check();
    if (iterations >= 10 && (it + 1) % (iterations / 10) == 0)
      std::fprintf(stderr, "lastref kernel test: %lu/%lu iterations\n", it + 1, iterations);
  }
  const int w = lastref::kernel::real_warnings();
  std::printf("%lu iterations on real threads, %d warnings\n", iterations, w);
  return w != 0 ? 1 : 0;
}
