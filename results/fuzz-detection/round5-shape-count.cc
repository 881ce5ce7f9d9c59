// SPDX-License-Identifier: MIT
// Round 5 measurement (fuzz/README.md, "Generation beside mutation" and "Round 5"):
// the share of the custom mutator's fresh inputs whose decoded scenario has a
// witness shape, against uniform bytes of the same lengths. Not built by CMake;
// built by hand against a fuzz-preset build, as fuzz_mutator_test links mutator.cc:
//   clang++-14 -O1 -fsanitize=address,undefined -std=c++20 -DMODULE (or -DONSTACK, or neither:
//   broadcast) -I fuzz -I fuzz/model/include -I primitives/include ... this.cc fuzz/mutator.cc
//   build/fuzz/fuzz/liblastref_fuzz_scenario.a build/fuzz/fuzz/model/liblastref_model.a
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "scenario.h"
#include "target.h"
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t*, size_t, size_t, unsigned int);
extern "C" size_t LLVMFuzzerMutate(uint8_t*, size_t, size_t) { return 0; }
using namespace lastref::fuzz;
#ifdef MODULE
const target_kind lastref::fuzz::this_target = target_kind::module_unload;
bool shape(const scenario&
               s) {  // kthread_vs_unload: pin + exit_thread_safely vs unload, builtin, immediate
  if (s.cfg.release != lastref::release_placement::builtin ||
      s.cfg.policy != lastref::unload_policy::immediate)
    return false;
  for (int a = 0; a < s.cfg.threads; ++a) {
    bool pin = false, kt = false;
    for (const step& o : s.programs[a]) {
      if (o.skip) continue;
      if (o.code == op_code::module_try_get) pin = true;
      if (pin && o.code == op_code::exit_thread_safely) kt = true;
    }
    if (!kt) continue;
    for (int b = 0; b < s.cfg.threads; ++b)
      if (b != a)
        for (const step& o : s.programs[b])
          if (!o.skip && o.code == op_code::unload) return true;
  }
  return false;
}
#elif defined(ONSTACK)
const target_kind lastref::fuzz::this_target = target_kind::completion;
bool shape(const scenario& s) {  // the on-stack idiom: the normaliser's on_stack[] flag
  for (bool x : s.cfg.on_stack)
    if (x) return true;
  return false;
}
#else
const target_kind lastref::fuzz::this_target = target_kind::completion;
bool shape(const scenario& s) {  // broadcast: two threads wait on c, a third complete_all on c
  for (int c = 0; c < s.cfg.completions; ++c) {
    int waiters = 0;
    bool all = false;
    for (int t = 0; t < s.cfg.threads; ++t) {
      bool w = false, a = false;
      for (const step& o : s.programs[t]) {
        if (o.skip || o.completion(s.cfg.completions) != c) continue;
        if (o.code == op_code::wait) w = true;
        if (o.code == op_code::complete_all) a = true;
      }
      waiters += w;
      all |= a && !w;
    }
    if (waiters >= 2 && all) return true;
  }
  return false;
}
#endif
int main() {
  std::mt19937 seeds(1);
  std::minstd_rand rng(7);
  long n = 0, hit = 0, uhit = 0;
  for (int i = 0; i < 300000; ++i) {
    std::vector<uint8_t> b(128, 0);
    size_t k = LLVMFuzzerCustomMutator(b.data(), 0, 128, seeds());
    if (!k) continue;
    b.resize(k);
    ++n;
    hit += shape(decode(this_target, b));
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    uhit += shape(decode(this_target, b));
  }
  std::printf("inputs %ld shape: fresh 1 in %.0f, uniform 1 in %.0f\n", n, double(n) / hit,
              double(n) / uhit);
}
