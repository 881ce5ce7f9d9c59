// SPDX-License-Identifier: MIT
// The scenario decoder, normaliser, encoder and printer (fuzz/scenario.h).
#include "scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace lastref::fuzz {
namespace {

using enum op_code;

constexpr target_kind k_targets[] = {target_kind::kref, target_kind::completion,
                                     target_kind::module_unload, target_kind::mixed};

std::vector<op_code> codes(const scenario& s, int t) {
  std::vector<op_code> v;
  for (const auto& o : s.programs[static_cast<size_t>(t)]) v.push_back(o.code);
  return v;
}

scenario decode_spec(target_kind t, const program_spec& spec) {
  static std::vector<uint8_t> keep;  // the scenario's schedule span points here
  keep = encode(t, spec, {});
  return decode(t, keep);
}

TEST(ScenarioDecode, AnyBytesGiveAValidScenario) {
  std::mt19937_64 rng(4);
  for (auto t : k_targets) {
    const auto table = target_ops(t);
    for (int i = 0; i < 20000; ++i) {
      std::vector<uint8_t> bytes(rng() % 64);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      const scenario s = decode(t, bytes);
      ASSERT_GE(s.cfg.threads, 2);
      ASSERT_LE(s.cfg.threads, max_threads);
      ASSERT_LE(s.header_bytes, bytes.size());
      ASSERT_EQ(s.schedule.size(), bytes.size() - s.header_bytes);
      for (int th = 0; th < max_threads; ++th) {
        const auto& prog = s.programs[static_cast<size_t>(th)];
        ASSERT_LE(prog.size(), static_cast<size_t>(max_ops));
        if (th >= s.cfg.threads) {
          ASSERT_TRUE(prog.empty());
        }
        for (const auto& o : prog) {
          const op_code decoded = o.rewritten ? o.from : o.code;
          ASSERT_NE(std::find(table.begin(), table.end(), decoded), table.end());
          ASSERT_LT(o.arg, 8);
          if (o.rewritten) {
            ASSERT_EQ(o.code, try_wait);
          }
          if (o.skip || o.rewritten) {
            ASSERT_NE(o.note, nullptr);
          }
        }
      }
      ASSERT_FALSE(print(s, "correct").empty());
    }
  }
}

TEST(ScenarioDecode, EmptyAndTruncatedInputsReadZeros) {
  const scenario e = decode(target_kind::mixed, {});
  EXPECT_EQ(e.cfg.threads, 2);
  EXPECT_EQ(e.op_count(), 0u);
  EXPECT_EQ(e.header_missing, 2u + 2u);  // config, impl, two length bytes
  const uint8_t cut[] = {0x00, 0x00, 0x03, 0x00};
  const scenario c = decode(target_kind::kref, cut);
  EXPECT_EQ(c.programs[0].size(), 3u);
  EXPECT_GT(c.header_missing, 0u);
}

TEST(ScenarioDecode, TargetsDecideTheWorld) {
  const uint8_t bytes[] = {0xff, 0x00};
  EXPECT_FALSE(decode(target_kind::kref, bytes).cfg.has_module);
  EXPECT_EQ(decode(target_kind::kref, bytes).cfg.completions, 0);
  EXPECT_EQ(decode(target_kind::completion, bytes).cfg.objects, 0);
  const scenario m = decode(target_kind::mixed, bytes);
  EXPECT_TRUE(m.cfg.has_module);
  EXPECT_EQ(m.cfg.threads, 4);
  EXPECT_EQ(m.cfg.objects, 2);
  EXPECT_EQ(m.cfg.completions, 2);
  EXPECT_EQ(m.cfg.release, release_placement::module);
  EXPECT_EQ(m.cfg.policy, unload_policy::drain_residency);
}

TEST(ScenarioEncode, RoundTripsPrograms) {
  std::mt19937_64 rng(7);
  for (auto t : k_targets) {
    const auto table = target_ops(t);
    for (int i = 0; i < 2000; ++i) {
      program_spec spec;
      spec.threads = 2 + static_cast<int>(rng() % 3);
      spec.two_objects = rng() & 1;
      spec.release = rng() & 1 ? release_placement::module : release_placement::builtin;
      for (int th = 0; th < spec.threads; ++th)
        for (int k = static_cast<int>(rng() % (max_ops + 1)); k > 0; --k)
          spec.programs[static_cast<size_t>(th)].emplace_back(table[rng() % table.size()],
                                                              static_cast<uint8_t>(rng() % 8));
      const std::vector<uint8_t> sched = {1, 2, 3};
      const auto bytes = encode(t, spec, sched);
      const scenario s = decode(t, bytes);
      ASSERT_EQ(s.cfg.threads, spec.threads);
      ASSERT_EQ(s.header_missing, 0u);
      ASSERT_EQ(std::vector<uint8_t>(s.schedule.begin(), s.schedule.end()), sched);
      for (int th = 0; th < spec.threads; ++th) {
        const auto& want = spec.programs[static_cast<size_t>(th)];
        const auto& got = s.programs[static_cast<size_t>(th)];
        ASSERT_EQ(got.size(), want.size());
        for (size_t k = 0; k < got.size(); ++k) {
          ASSERT_EQ(got[k].rewritten ? got[k].from : got[k].code, want[k].first);
          ASSERT_EQ(got[k].arg, want[k].second);
        }
      }
    }
  }
}

TEST(ScenarioNormalise, PrivateWaitWithoutCompleteBecomesTryWait) {
  const scenario s =
      decode_spec(target_kind::completion,
                  {.threads = 2, .programs = {{{{wait, 0}, {complete, 0}, {wait, 0}}}}});
  EXPECT_EQ(codes(s, 0), (std::vector<op_code>{try_wait, complete, wait}));
  EXPECT_TRUE(s.programs[0][0].rewritten);
}

TEST(ScenarioNormalise, MatchedCrossThreadWaitIsKept) {
  const scenario s = decode_spec(target_kind::completion,
                                 {.threads = 2, .programs = {{{{complete, 0}}, {{wait, 0}}}}});
  EXPECT_EQ(codes(s, 1), (std::vector<op_code>{wait}));
  EXPECT_EQ(s.cfg.single_completer[0], 0);
}

TEST(ScenarioNormalise, ConsumersMustNotOutnumberCompletes) {
  // Two waiters, one complete: whichever loses would sleep forever.
  const scenario s =
      decode_spec(target_kind::completion,
                  {.threads = 3, .programs = {{{{complete, 0}}, {{wait, 0}}, {{wait, 0}}}}});
  EXPECT_EQ(codes(s, 1), (std::vector<op_code>{try_wait}));
  EXPECT_EQ(codes(s, 2), (std::vector<op_code>{try_wait}));
  // A complete_all satisfies any number.
  const scenario a =
      decode_spec(target_kind::completion,
                  {.threads = 3, .programs = {{{{complete_all, 0}}, {{wait, 0}}, {{wait, 0}}}}});
  EXPECT_EQ(codes(a, 1), (std::vector<op_code>{wait}));
  EXPECT_EQ(codes(a, 2), (std::vector<op_code>{wait}));
}

TEST(ScenarioNormalise, CircularWaitsAreBroken) {
  program_spec spec{.threads = 2,
                    .two_completions = true,
                    .programs = {{{{wait, 0}, {complete, 1}}, {{wait, 1}, {complete, 0}}}}};
  const scenario s = decode_spec(target_kind::completion, spec);
  EXPECT_EQ(codes(s, 0)[0], try_wait);
  EXPECT_EQ(codes(s, 1)[0], try_wait);
  // Ping-pong is fine: one side starts.
  spec.programs = {{{{complete, 0}, {wait, 1}}, {{wait, 0}, {complete, 1}}}};
  const scenario p = decode_spec(target_kind::completion, spec);
  EXPECT_EQ(codes(p, 0)[1], wait);
  EXPECT_EQ(codes(p, 1)[0], wait);
}

TEST(ScenarioNormalise, SharedReinitIsSkipped) {
  const scenario s =
      decode_spec(target_kind::completion,
                  {.threads = 2, .programs = {{{{reinit, 0}, {complete, 0}}, {{wait, 0}}}}});
  EXPECT_TRUE(s.programs[0][0].skip);
  const scenario p =
      decode_spec(target_kind::completion,
                  {.threads = 2, .programs = {{{{complete, 0}, {reinit, 0}, {wait, 0}}}}});
  EXPECT_FALSE(p.programs[0][1].skip);
  EXPECT_EQ(codes(p, 0)[2], try_wait);  // the reinit ate the completion
}

TEST(ScenarioNormalise, WaitWhileHoldingAReferenceNeedsACompleteBeforeTheUnload) {
  // T1 holds o0 while waiting for a complete that comes after T0's unload,
  // whose exit() waits for T1's put: a user deadlock, so the wait goes.
  const scenario s = decode_spec(
      target_kind::mixed,
      {.threads = 2, .programs = {{{{unload, 0}, {complete, 0}}, {{lookup, 0}, {wait, 0}}}}});
  EXPECT_EQ(codes(s, 1)[1], try_wait);
  // Without the reference the wait is fine.
  const scenario ok = decode_spec(
      target_kind::mixed,
      {.threads = 2, .programs = {{{{unload, 0}, {complete, 0}}, {{wait, 0}, {lookup, 0}}}}});
  EXPECT_EQ(codes(ok, 1)[0], wait);
}

TEST(ScenarioNormalise, OnStackNeedsTheSingleWaiterIdiom) {
  program_spec spec{.threads = 3,
                    .on_stack = true,
                    .programs = {{{{complete, 0}}, {{wait, 0}, {wait, 0}}, {{complete, 0}}}}};
  EXPECT_TRUE(decode_spec(target_kind::completion, spec).cfg.on_stack[0]);
  spec.programs[2] = {{try_wait, 0}};
  EXPECT_FALSE(decode_spec(target_kind::completion, spec).cfg.on_stack[0]);
  spec.programs[2] = {{complete, 0}};
  spec.on_stack = false;
  EXPECT_FALSE(decode_spec(target_kind::completion, spec).cfg.on_stack[0]);
}

// Twins for the model's symmetry reduction: identical op lists (the
// same codes and arguments, after normalisation), nothing else.
TEST(ScenarioSymmetry, IdenticalOpListsAreTwins) {
  const scenario s =
      decode_spec(target_kind::completion,
                  {.threads = 4,
                   .programs = {{{{wait, 0}}, {{wait, 0}}, {{wait_for, 0}}, {{complete_all, 0}}}}});
  EXPECT_EQ(symmetry_classes(s), (std::array<int, max_threads>{0, 0, -1, -1}));
  // The on-stack idiom: two completers alike, the single waiter apart.
  program_spec spec{.threads = 3,
                    .on_stack = true,
                    .programs = {{{{complete, 0}}, {{wait, 0}, {wait, 0}}, {{complete, 0}}}}};
  EXPECT_EQ(symmetry_classes(decode_spec(target_kind::completion, spec)),
            (std::array<int, max_threads>{0, -1, 0, -1}));
  // Another object is another argument: no twins.
  const scenario k = decode_spec(
      target_kind::kref, {.threads = 2,
                          .two_objects = true,
                          .programs = {{{{lookup, 0}, {put, 0}}, {{lookup, 1}, {put, 1}}}}});
  EXPECT_EQ(symmetry_classes(k), (std::array<int, max_threads>{-1, -1, -1, -1}));
  // lookup4's T0 and T2 (lookup, put) are twins; T1 and T3 are not.
  const scenario l =
      decode_spec(target_kind::kref, {.threads = 4,
                                      .programs = {{{{lookup, 0}, {put, 0}},
                                                    {{lookup, 0}, {get, 0}, {put, 0}, {put, 0}},
                                                    {{lookup, 0}, {put, 0}},
                                                    {{release_object, 0}}}}});
  EXPECT_EQ(symmetry_classes(l), (std::array<int, max_threads>{0, -1, 0, -1}));
}

TEST(ScenarioPrint, SaysWhatRuns) {
  program_spec spec{.threads = 2,
                    .release = release_placement::module,
                    .programs = {{{{lookup, 0}, {put, 0}}, {{unload, 0}}}}};
  const std::string text = print(decode_spec(target_kind::module_unload, spec), "correct");
  EXPECT_NE(text.find("T0: lookup o0; put o0"), std::string::npos) << text;
  EXPECT_NE(text.find("T1: unload"), std::string::npos) << text;
  EXPECT_NE(text.find("release in module text"), std::string::npos) << text;
  const std::string n = print(
      decode_spec(target_kind::completion, {.threads = 2, .programs = {{{{wait, 0}}}}}), "correct");
  EXPECT_NE(n.find("try_wait c0 [was wait:"), std::string::npos) << n;
}

TEST(ScenarioNames, TargetsRoundTrip) {
  for (auto t : k_targets) {
    EXPECT_EQ(target_from_name(target_name(t)), t);
  }
  EXPECT_EQ(target_from_name("kref"), target_kind::kref);
  EXPECT_FALSE(target_from_name("nope_fuzzer").has_value());
}

}  // namespace
}  // namespace lastref::fuzz
