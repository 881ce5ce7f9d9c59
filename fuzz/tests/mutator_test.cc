// SPDX-License-Identifier: MIT
// The custom mutator (fuzz/mutator.cc, fuzz/README.md "Custom mutator"): its
// acquire-before rule (ops that the interpreter skips without an earlier
// acquire in their thread are generated after it) and its share of fresh
// inputs. mutator.cc is linked in as
// it is into the libFuzzer targets, with this file standing in for libFuzzer
// (LLVMFuzzerMutate) and for the target (this_target = module_unload_fuzzer).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "scenario.h"
#include "target.h"

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed);

// libFuzzer's own mutation: none here, so only the mutator's outputs count
// (an output of size 0 is skipped below).
extern "C" size_t LLVMFuzzerMutate(uint8_t*, size_t size, size_t) { return size; }

const lastref::fuzz::target_kind lastref::fuzz::this_target =
    lastref::fuzz::target_kind::module_unload;

namespace lastref::fuzz {
namespace {

// Of the module_put / exit_thread_safely ops in `s`, how many have a
// module_try_get before them in their thread (what the interpreter needs to
// run them rather than skip them), and how many there are.
void count_pinned(const scenario& s, int& pinned, int& acting) {
  for (int t = 0; t < s.cfg.threads; ++t) {
    bool pin = false;
    for (const step& o : s.programs[static_cast<size_t>(t)]) {
      if (o.code == op_code::module_try_get) pin = true;
      if (o.code == op_code::module_put || o.code == op_code::exit_thread_safely) {
        ++acting;
        pinned += pin;
      }
    }
  }
}

// From an empty corpus every input is refilled by the mutator; half of the
// refills are uniform bytes (the decoder's own distribution), half fresh
// scenarios that follow the rule. The baseline, uniform bytes of the same
// lengths decoded the same way, is measured in the same run: the rule must
// lift the share of pinned acting ops well above it (without the rule the
// two are equal up to sampling noise; 4 000 inputs each, fixed seeds).
TEST(Mutator, ActingOpsFollowTheirAcquire) {
  constexpr unsigned inputs = 4000;
  constexpr size_t max_size = 128;
  int pinned = 0, acting = 0, base_pinned = 0, base_acting = 0;
  std::minstd_rand rng(12345);
  std::mt19937 seeds(678);  // libFuzzer passes a random 32-bit seed per call
  for (unsigned i = 0; i < inputs; ++i) {
    std::vector<uint8_t> buf(max_size, 0);
    const size_t n = LLVMFuzzerCustomMutator(buf.data(), 0, max_size, seeds());
    ASSERT_LE(n, max_size);
    if (n == 0) continue;
    buf.resize(n);
    count_pinned(decode(target_kind::module_unload, buf), pinned, acting);
    std::vector<uint8_t> uniform(n);
    for (auto& b : uniform) b = static_cast<uint8_t>(rng());
    count_pinned(decode(target_kind::module_unload, uniform), base_pinned, base_acting);
  }
  ASSERT_GT(acting, 500);
  ASSERT_GT(base_acting, 500);
  const double share = static_cast<double>(pinned) / acting;
  const double base = static_cast<double>(base_pinned) / base_acting;
  EXPECT_GT(share, base + 0.15) << "pinned share " << share << " vs uniform bytes " << base;
}

// Generation and mutation as a portfolio (LASTREF_FRESH_SHARE, default 50):
// from a full-length input, about half of the calls return a whole fresh
// input (24-63 bytes, none of the input's bytes kept), the rest edit it (the
// stand-in LLVMFuzzerMutate leaves it as it is; a structured edit keeps most
// of its bytes). 4 000 calls with fixed seeds: the share must be 0.5 +- 0.05
// (a binomial standard deviation is 0.008).
TEST(Mutator, HalfOfTheCallsGenerateAFreshInput) {
  constexpr unsigned calls = 4000;
  constexpr size_t max_size = 128;
  constexpr uint8_t mark = 0xa5;
  std::mt19937 seeds(91);
  unsigned fresh = 0;
  for (unsigned i = 0; i < calls; ++i) {
    std::vector<uint8_t> buf(max_size, mark);
    const size_t n = LLVMFuzzerCustomMutator(buf.data(), max_size, max_size, seeds());
    ASSERT_LE(n, max_size);
    size_t kept = 0;
    for (size_t k = 0; k < n; ++k) kept += buf[k] == mark;
    if (n >= 24 && n < 64 && kept * 8 < n) ++fresh;  // a fresh input keeps ~1/256 by chance
  }
  const double share = static_cast<double>(fresh) / calls;
  EXPECT_GT(share, 0.45);
  EXPECT_LT(share, 0.55);
}

}  // namespace
}  // namespace lastref::fuzz
