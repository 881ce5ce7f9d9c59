// SPDX-License-Identifier: MIT
// The zoo catalog (catalog.h): set types, witnesses, runners.
#include "catalog.h"

#include <memory>

#include "register_impl.h"
#include "registry.h"

namespace lastref::fuzz::scorecard {
namespace {

using correct = correct_set;

// Forwards to the observer of the replay in progress (if any): checkers take
// their options once, replays want a different observer each time.
class forwarding_observer final : public model::observer {
 public:
  model::observer* to = nullptr;
  void on_execution_begin() override {
    if (to != nullptr) to->on_execution_begin();
  }
  void on_step(int thread, model::op kind, const source_loc& loc, const void* addr,
               std::uint64_t value) override {
    if (to != nullptr) to->on_step(thread, kind, loc, addr, value);
  }
  void on_switch(int from, int to_thread, bool preemption) override {
    if (to != nullptr) to->on_switch(from, to_thread, preemption);
  }
  void on_execution_end(model::failure_kind kind) override {
    if (to != nullptr) to->on_execution_end(kind);
  }
};

forwarding_observer& replay_observer() {
  static forwarding_observer f;
  return f;
}

model::options catalog_options(bool observed) {
  model::options o;
  o.trace_failures = true;
  if (observed) o.obs = &replay_observer();
  return o;
}

// One checker per (set, purpose); the program reads the scenario through a
// pointer that is set before every use.
template <class Set>
struct runner {
  static const scenario*& current() {
    static const scenario* s = nullptr;
    return s;
  }
  static model::program_factory factory() {
    return [] {
      return std::unique_ptr<model::program>(std::make_unique<model_program<Set>>(*current()));
    };
  }
  static model::checker& chk() {
    static model::checker c(factory(), catalog_options(false));
    return c;
  }
  static model::checker& observed_chk() {
    static model::checker c(factory(), catalog_options(true));
    return c;
  }

  static scenario adapted(const entry& witness) {
    scenario s = decode(witness.target, witness.witness);
    Set::adapt(s.cfg);
    return s;
  }

  static model::explore_result explore(const entry& witness, model::schedule_source& src,
                                       std::uint64_t max_executions) {
    static scenario s;
    s = adapted(witness);
    current() = &s;
    chk().set_memory_model(memory_model_of(s));
    return chk().explore(src, max_executions);
  }

  static model::result run_input(const entry& self, std::span<const uint8_t> input) {
    static scenario s;
    s = decode(self.target, input);
    Set::adapt(s.cfg);
    current() = &s;
    chk().set_memory_model(memory_model_of(s));
    model::bytes_source src(s.schedule);
    return chk().run(src);
  }

  static model::result replay(const entry& witness, std::span<const uint8_t> choices,
                              model::observer* obs) {
    static scenario s;
    s = adapted(witness);
    current() = &s;
    observed_chk().set_memory_model(memory_model_of(s));
    replay_observer().to = obs;
    // Untraced run (the checker observes only those; a failure is then
    // re-run traced for the report).
    model::replay_source src(std::vector<std::uint8_t>(choices.begin(), choices.end()));
    model::result r = observed_chk().run(src);
    replay_observer().to = nullptr;
    return r;
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
