// SPDX-License-Identifier: MIT
// The zoo catalog (catalog.h): set types, witnesses, runners.
#include "catalog.h"

#include <memory>

#include "register_impl.h"
#include "registry.h"

namespace lastref::fuzz::scorecard {
namespace {

using correct = correct_set;

// The runners: every call builds its scenario, factory and options as
// locals and borrows fuzz_checker()'s stacks.
template <class Set>
struct runner {
  static scenario adapted(const entry& witness) {
    scenario s = decode(witness.target, witness.witness);
    Set::adapt(s.cfg);
    return s;
  }

  static model::explore_result explore(const entry& witness, model::schedule_source& src,
                                       std::uint64_t max_executions) {
    const scenario s = adapted(witness);
    return fuzz_checker().explore(model_factory<Set>(s, nullptr), src, max_executions,
                                  run_options_of(s, nullptr));
  }

  static model::result run_input(const entry& self, std::span<const uint8_t> input) {
    scenario s = decode(self.target, input);
    Set::adapt(s.cfg);
    model::bytes_source src(s.schedule);
    return fuzz_checker().run(model_factory<Set>(s, nullptr), src, run_options_of(s, nullptr));
  }

  static model::result replay(const entry& witness, std::span<const uint8_t> choices,
                              model::observer* obs) {
    const scenario s = adapted(witness);
    // Untraced run (the checker observes only those; a failure is then
    // re-run traced for the report).
    model::replay_source src(std::vector<std::uint8_t>(choices.begin(), choices.end()));
    return fuzz_checker().run(model_factory<Set>(s, nullptr), src, run_options_of(s, obs));
  }
};

template <class Set>
entry make(std::string name, int item, bool zoo, std::string title, std::string header,
           target_kind t, const program_spec& witness, std::string expect, stress_spec plain,
           stress_spec tsan) {
  entry e;
  e.name = std::move(name);
  e.item = item;
  e.zoo = zoo;
  e.title = std::move(title);
  e.header = std::move(header);
  e.target = t;
  e.witness = encode(t, witness, {});
  e.expect = std::move(expect);
  e.plain = plain;
  e.tsan = tsan;
  e.adapt = &Set::adapt;
  e.explore = &runner<Set>::explore;
  e.run_input = &runner<Set>::run_input;
  e.replay = &runner<Set>::replay;
  e.witness_text = print(runner<Set>::adapted(e), e.name);
  return e;
}

// Where a manifest entry's bug lives: its header and/or the hooks it replaces.
std::string where(const variant_info& i) {
  std::string w;
  if (*i.header != '\0') w = std::string("primitives/zoo/") + i.header;
  if (*i.hooks != '\0') {
    if (!w.empty()) w += " + ";
    w += std::string("hook ") + i.hooks + " (fuzz/zoo_manifest.h)";
  }
  return w;
}

std::vector<entry> build() {
  std::vector<entry> v;
  for_each_variant([&v]<class V>() {
    const variant_info& i = V::info;
    v.push_back(make<V>(i.name, i.item, i.kind == variant_kind::zoo, i.title, where(i), i.target,
                        i.witness(), i.expect, i.plain, i.tsan));
  });

  // The correct sets, one per target. Their own witness is a representative
  // seed; the zoo witnesses of the same target are run with them too.
  struct correct_stress {
    target_kind t;
    stress_spec plain, tsan;
  };
  const auto kref = target_kind::kref;
  const auto comp = target_kind::completion;
  const auto mod = target_kind::module_unload;
  const correct_stress cs[] = {
      {kref,
       {"kref_stress", "--variant correct --scenario table --jitter 2 --iterations 2000", nullptr},
       {"kref_stress", "--variant correct --scenario table --jitter 1 --iterations 300", nullptr}},
      {comp,
       {"completion_stress", "--variant correct --scenario handoff --jitter 2 --iterations 2000",
        nullptr},
       {"completion_stress", "--variant correct --scenario handoff --jitter 1 --iterations 300",
        nullptr}},
      {mod,
       {"module_stress", "--variant drain --jitter 3 --iterations 200", nullptr},
       {"module_stress", "--variant drain --jitter 3 --iterations 200", nullptr}},
      {target_kind::mixed,
       {nullptr, nullptr, "the per-primitive harnesses above cover it"},
       {nullptr, nullptr, "the per-primitive harnesses above cover it"}},
  };
  for (const auto& c : cs) {
    const std::string n = std::string("correct/") + std::string(target_name(c.t));
    v.push_back(make<correct>(n, 0, false, "lastref's correct primitives",
                              "primitives/include/lastref/*.h", c.t,
                              c.t == comp  ? witness::on_stack()
                              : c.t == mod ? witness::try_get_vs_unload()
                                           : witness::lookup_put_vs_release(),
                              "", c.plain, c.tsan));
  }
  return v;
}

}  // namespace

const std::vector<entry>& entries() {
  static const std::vector<entry> v = build();
  return v;
}

const entry* find(std::string_view name) {
  for (const auto& e : entries())
    if (e.name == name) return &e;
  return nullptr;
}

const entry& correct_for(target_kind t) {
  return *find(std::string("correct/") + std::string(target_name(t)));
}

scenario witness_scenario(const entry& witness, const entry& set) {
  scenario s = decode(witness.target, witness.witness);
  set.adapt(s.cfg);
  return s;
}

}  // namespace lastref::fuzz::scorecard
