// SPDX-License-Identifier: MIT
// Bring your own implementation: byo_register.cc adds a second correct kref
// with one line; it is a default set (fuzzed next to "correct"), it runs
// random scenarios clean, and impl bytes reach it.
#include <gtest/gtest.h>

#include <random>

#include "registry.h"
#include "scenario.h"

namespace lastref::fuzz {
namespace {

TEST(Byo, RegisteredAsADefaultSet) {
  const impl_entry* e = find_impl("byo_cas_kref");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->zoo);
  select_from_environment();
  bool reached = false;
  for (int b = 0; b < 4; ++b) {
    scenario s;
    s.cfg.impl_byte = static_cast<uint8_t>(b);
    reached = reached || impl_for(s).name == "byo_cas_kref";
  }
  EXPECT_TRUE(reached);
}

TEST(Byo, FuzzesCleanOnEveryTarget) {
  const impl_entry* e = find_impl("byo_cas_kref");
  ASSERT_NE(e, nullptr);
  std::mt19937_64 rng(21);
  for (auto t : {target_kind::kref, target_kind::module_unload, target_kind::mixed}) {
    for (int i = 0; i < 3000; ++i) {
      std::vector<uint8_t> bytes(8 + rng() % 80);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      scenario s = decode(t, bytes);
      adapt_to_impl(s, *e);
      const model::result r = e->run(s, run_request{});
      ASSERT_TRUE(r.ok()) << print(s, e->name) << r.report();
    }
  }
}

}  // namespace
}  // namespace lastref::fuzz
