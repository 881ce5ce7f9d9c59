// SPDX-License-Identifier: MIT
// The interpreter is a template over the Platform: the same scenarios run on
// real threads with std_platform. Normalised scenarios never wait for
// something that cannot happen, so every run ends (the CTest TIMEOUT would
// catch a hang) and the interpreter's own invariants hold.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <vector>

#include <lastref/thread.h>

#include "impl_set.h"
#include "interpreter.h"
#include "scenario.h"

namespace lastref::fuzz {
namespace {

std::atomic<int> g_violations{0};
std::string g_first;

void record(bool ok, const char* what, source_loc) {
  if (ok) return;
  if (g_violations.fetch_add(1) == 0) g_first = what;
}

void run_on_threads(const scenario& s) {
  interpreter<std_platform, correct_set> in(s, &record);
  in.setup();
  {
    std::vector<joining_thread> threads;
    for (int t = 0; t < in.threads(); ++t) threads.emplace_back([&in, t] { in.run(t); });
  }
  in.check();
}

TEST(RealThreads, RandomScenariosRunToTheEnd) {
  std::mt19937_64 rng(9);
  for (auto t : {target_kind::kref, target_kind::completion, target_kind::module_unload,
                 target_kind::mixed}) {
    for (int i = 0; i < 150; ++i) {
      std::vector<uint8_t> bytes(2 + rng() % 40);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      scenario s = decode(t, bytes);
      // correct_set: module-placed release with immediate unload would be
      // the reference bug; run the fixed configuration, as the fuzzers do.
      if (s.cfg.release == release_placement::module) s.cfg.policy = unload_policy::drain_residency;
      run_on_threads(s);
      ASSERT_EQ(g_violations.load(), 0) << g_first << "\n" << print(s, "correct");
    }
  }
}

}  // namespace
}  // namespace lastref::fuzz
