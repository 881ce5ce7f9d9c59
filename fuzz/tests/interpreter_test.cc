// SPDX-License-Identifier: MIT
// The interpreter under the model: correct sets never report on any decoded
// scenario (so a report always means a real bug), and the reference bug
// (zoo set module_release_immediate) is found and named.
#include <gtest/gtest.h>

#include <random>

#include "registry.h"
#include "scenario.h"
#include "zoo_manifest.h"

namespace lastref::fuzz {
namespace {

using enum op_code;

constexpr target_kind k_targets[] = {target_kind::kref, target_kind::completion,
                                     target_kind::module_unload, target_kind::mixed};

model::result run_with(const char* set, scenario& s) {
  const impl_entry* e = find_impl(set);
  EXPECT_NE(e, nullptr) << set;
  adapt_to_impl(s, *e);
  return e->run(s, run_request{});
}

TEST(Interpreter, RandomScenariosRunCleanOnCorrectPrimitives) {
  std::mt19937_64 rng(12);
  for (auto t : k_targets) {
    for (int i = 0; i < 3000; ++i) {
      std::vector<uint8_t> bytes(8 + rng() % 80);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      scenario s = decode(t, bytes);
      const model::result r = run_with("correct", s);
      ASSERT_TRUE(r.ok()) << print(s, "correct") << r.report();
    }
  }
}

std::vector<uint8_t> reference_program(target_kind t) {
  program_spec spec;
  spec.threads = 2;
  spec.release = release_placement::module;
  spec.programs[0] = {{lookup, 0}, {put, 0}};
  spec.programs[1] = {{unload, 0}};
  return encode(t, spec, {});
}

// Random schedules for DESIGN.md's two-thread program; returns the number of
// executions until `set` failed, or 0.
int executions_to_failure(const char* set, int budget, model::result* out) {
  std::mt19937_64 rng(1);
  const auto header = reference_program(target_kind::module_unload);
  for (int i = 1; i <= budget; ++i) {
    auto bytes = header;
    for (auto k = 2 + rng() % 9; k > 0; --k) bytes.push_back(static_cast<uint8_t>(rng()));
    scenario s = decode(target_kind::module_unload, bytes);
    model::result r = run_with(set, s);
    if (r.failed()) {
      *out = std::move(r);
      return i;
    }
  }
  return 0;
}

TEST(Interpreter, ReferenceBugIsFoundAndNamed) {
  model::result r;
  const int n = executions_to_failure("module_release_immediate", 2000, &r);
  ASSERT_GT(n, 0) << "reference bug not found in 2000 random schedules";
  EXPECT_EQ(r.kind, model::failure_kind::unloaded_text) << r.report();
  EXPECT_NE(r.report().find("executing unloaded module text"), std::string::npos) << r.report();
}

TEST(Interpreter, ReferenceProgramIsCleanWithTheFixes) {
  model::result r;
  // The correct set turns module + immediate into drain (adapt_to_impl).
  EXPECT_EQ(executions_to_failure("correct", 2000, &r), 0) << r.report();
  std::mt19937_64 rng(3);
  for (auto pl : {release_placement::builtin, release_placement::module}) {
    for (int i = 0; i < 1000; ++i) {
      program_spec spec;
      spec.threads = 2;
      spec.release = pl;
      spec.policy = pl == release_placement::builtin ? unload_policy::immediate
                                                     : unload_policy::drain_residency;
      spec.programs[0] = {{lookup, 0}, {put, 0}};
      spec.programs[1] = {{unload, 0}};
      std::vector<uint8_t> sched(8);
      for (auto& b : sched) b = static_cast<uint8_t>(rng() % 8);
      const auto bytes = encode(target_kind::module_unload, spec, sched);
      scenario s = decode(target_kind::module_unload, bytes);
      const model::result c = run_with("correct", s);
      ASSERT_TRUE(c.ok()) << print(s, "correct") << c.report();
    }
  }
}

TEST(Interpreter, CorrectSetNeverRunsTheReferenceConfiguration) {
  const auto bytes = reference_program(target_kind::module_unload);
  scenario s = decode(target_kind::module_unload, bytes);
  adapt_to_impl(s, *find_impl("correct"));
  EXPECT_EQ(s.cfg.policy, unload_policy::drain_residency);
  EXPECT_NE(s.cfg.note, nullptr);
  scenario z = decode(target_kind::module_unload, bytes);
  adapt_to_impl(z, *find_impl("module_release_immediate"));
  EXPECT_EQ(z.cfg.policy, unload_policy::immediate);
  EXPECT_EQ(z.cfg.release, release_placement::module);
}

TEST(Interpreter, SameBytesSameResult) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> bytes(40);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    scenario a = decode(target_kind::mixed, bytes);
    scenario b = decode(target_kind::mixed, bytes);
    const auto ra = run_with("correct", a);
    const auto rb = run_with("correct", b);
    ASSERT_EQ(ra.steps, rb.steps);
    ASSERT_EQ(ra.decisions, rb.decisions);
  }
}

TEST(Registry, DefaultsAndZooAreSeparate) {
  const impl_entry* c = find_impl("correct");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->zoo);
  const impl_entry* z = find_impl("module_release_immediate");
  ASSERT_NE(z, nullptr);
  EXPECT_TRUE(z->zoo);
  EXPECT_EQ(z->adapt, &variants::module_release_immediate::adapt);
  // Without LASTREF_ZOO every impl byte picks a default set.
  select_from_environment();
  for (int b = 0; b < 256; ++b) {
    scenario s;
    s.cfg.impl_byte = static_cast<uint8_t>(b);
    EXPECT_FALSE(impl_for(s).zoo);
  }
}

}  // namespace
}  // namespace lastref::fuzz
