// SPDX-License-Identifier: MIT
// The zoo catalog (catalog.h): set types, witnesses, runners.
#include "catalog.h"

#include <memory>

#include "primitives/zoo/check_then_dec_kref.h"
#include "primitives/zoo/check_then_unload_module.h"
#include "primitives/zoo/counted_complete_all_completion.h"
#include "primitives/zoo/get_from_zero_kref.h"
#include "primitives/zoo/going_try_get_module.h"
#include "primitives/zoo/lost_wakeup_completion.h"
#include "primitives/zoo/reinit_racing_completion.h"
#include "primitives/zoo/relaxed_put_kref.h"
#include "primitives/zoo/split_sticky_completion.h"
#include "primitives/zoo/touch_after_complete.h"
#include "primitives/zoo/unchecked_kref.h"
#include "primitives/zoo/unfenced_going_module.h"
#include "primitives/zoo/unserialized_done_completion.h"
#include "primitives/zoo/waitqueue_active_completion.h"
#include "primitives/zoo/wrapping_kref.h"
#include "register_impl.h"
#include "registry.h"

namespace lastref::fuzz::scorecard {
namespace {

using enum op_code;
using prog = std::vector<std::pair<op_code, uint8_t>>;

// Set types: the same triples as fuzz/zoo_sets.cc (a test compares quirks).
template <template <class> class K, template <class> class C, template <class> class M,
          quirks Q = quirks{}>
struct set {
  template <class P>
  using kref = K<P>;
  template <class P>
  using completion = C<P>;
  template <class P>
  using module = M<P>;
  static constexpr quirks quirk = Q;
};

using correct = set<basic_kref, basic_completion, basic_module>;

// The runners: every call builds its scenario, factory and options as
// locals and borrows fuzz_checker()'s stacks.
template <class Set>
struct runner {
  static scenario adapted(const entry& witness) {
    scenario s = decode(witness.target, witness.witness);
    impl_entry ie{"", false, Set::quirk, nullptr};  // adapt_to_impl reads only quirk
    adapt_to_impl(s, ie);
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
    impl_entry ie{"", false, Set::quirk, nullptr};  // adapt_to_impl reads only quirk
    adapt_to_impl(s, ie);
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

program_spec spec(int threads, std::initializer_list<prog> progs) {
  program_spec s;
  s.threads = threads;
  size_t t = 0;
  for (const auto& p : progs) s.programs[t++] = p;
  return s;
}

template <class Set>
entry make(std::string name, int item, std::string title, std::string header, target_kind t,
           const program_spec& witness, std::string expect, stress_spec plain = {},
           stress_spec tsan = {}) {
  entry e;
  e.name = std::move(name);
  e.item = item;
  e.zoo = item != 0;
  e.title = std::move(title);
  e.header = std::move(header);
  e.target = t;
  e.witness = encode(t, witness, {});
  e.expect = std::move(expect);
  e.plain = plain;
  e.tsan = tsan;
  e.quirk = Set::quirk;
  e.explore = &runner<Set>::explore;
  e.run_input = &runner<Set>::run_input;
  e.replay = &runner<Set>::replay;
  e.witness_text = print(runner<Set>::adapted(e), e.name);
  return e;
}

constexpr const char* no_harness =
    "no real-thread harness in tsan/ runs this variant (they take zoo items 1, 2, 6 and 9)";
constexpr const char* tsan_blind =
    "a deadlock or lost wake-up is not a data race: TSan has no oracle for it and the "
    "harnesses have no variant for it";

std::vector<entry> build() {
  std::vector<entry> v;
  const auto kref = target_kind::kref;
  const auto comp = target_kind::completion;
  const auto mod = target_kind::module_unload;

  // Witnesses shared by several variants.
  const auto lookup_put_vs_release = spec(2, {{{lookup, 0}, {put, 0}}, {{release_object, 0}}});
  const auto lookup_vs_release = spec(2, {{{lookup, 0}}, {{release_object, 0}}});
  auto on_stack = spec(2, {{{wait, 0}}, {{complete, 0}}});
  on_stack.on_stack = true;
  const auto broadcast = spec(3, {{{wait, 0}}, {{wait, 0}}, {{complete_all, 0}}});
  auto refbug = spec(2, {{{unload, 0}}, {{lookup, 0}, {put, 0}}});
  refbug.release = placement::module;
  const auto try_get_vs_unload =
      spec(2, {{{unload, 0}}, {{module_try_get, 0}, {exit_thread_safely, 0}}});

  v.push_back(make<set<basic_kref, basic_completion, basic_module,
                       quirks{.module_release_immediate = true}>>(
      "module_release_immediate", 1,
      "release placed in module text + immediate unload (DESIGN.md's reference bug, "
      "dm-builtin.c)",
      "quirk module_release_immediate (fuzz/impl_set.h)", mod, refbug, "unloaded_text",
      {"module_stress", "--variant module_immediate --jitter 3 --iterations 200", nullptr},
      {"module_stress", "--variant module_immediate --jitter 3 --iterations 200", nullptr}));
  v.push_back(make<set<zoo::relaxed_put_kref, basic_completion, basic_module>>(
      "relaxed_put_kref", 2, "put decrements relaxed and frees without an acquire",
      "primitives/zoo/relaxed_put_kref.h", kref, lookup_put_vs_release, "data_race",
      {"kref_stress",
       "--variant relaxed_put --scenario pair --quarantine --jitter 2 --iterations 2000", nullptr},
      {"kref_stress", "--variant relaxed_put --scenario pair --jitter 1 --iterations 200",
       nullptr}));
  v.push_back(make<set<zoo::get_from_zero_kref, basic_completion, basic_module>>(
      "get_from_zero_kref", 3, "lookup takes its reference with an increment from zero",
      "primitives/zoo/get_from_zero_kref.h", kref, lookup_vs_release,
      "use_after_free|data_race|invariant", {nullptr, nullptr, no_harness},
      {nullptr, nullptr, no_harness}));
  v.push_back(
      make<set<basic_kref, basic_completion, basic_module, quirks{.lookup_with_get = true}>>(
          "lookup_with_get", 3,
          "lookup path calls get() instead of get_unless_zero() (protocol twin)",
          "quirk lookup_with_get (fuzz/impl_set.h)", kref, lookup_vs_release,
          "refcount|use_after_free|data_race|invariant", {nullptr, nullptr, no_harness},
          {nullptr, nullptr, no_harness}));
  v.push_back(
      make<set<zoo::wrapping_kref, basic_completion, basic_module, quirks{.leaked_refs = true}>>(
          "wrapping_kref", 4,
          "32-bit count wraps instead of saturating (preset 2^32-2 leaked refs)",
          "primitives/zoo/wrapping_kref.h", kref,
          spec(2, {{{lookup, 0}, {get, 0}, {put, 0}}, {{release_object, 0}}}),
          "use_after_free|data_race|double_free", {nullptr, nullptr, no_harness},
          {nullptr, nullptr, no_harness}));
  v.push_back(
      make<set<zoo::unchecked_kref, basic_completion, basic_module, quirks{.double_put = true}>>(
          "unchecked_kref", 5, "double put / underflow not detected by the primitive",
          "primitives/zoo/unchecked_kref.h + quirk double_put", kref, lookup_put_vs_release,
          "use_after_free|double_free|data_race", {nullptr, nullptr, no_harness},
          {nullptr, nullptr, no_harness}));
  v.push_back(make<set<zoo::check_then_dec_kref, basic_completion, basic_module>>(
      "check_then_dec_kref", 6, "put checks read() == 1, then stores 0 (non-atomic)",
      "primitives/zoo/check_then_dec_kref.h", kref,
      spec(2, {{{release_object, 0}}, {{lookup, 0}, {put, 0}}}),
      "use_after_free|data_race|double_free",
      {"kref_stress",
       "--variant check_then_dec --scenario table --quarantine --jitter 2 --iterations 2000",
       nullptr},
      {"kref_stress", "--variant check_then_dec --scenario table --jitter 1 --iterations 300",
       nullptr}));
  v.push_back(make<set<basic_kref, zoo::lost_wakeup_completion, basic_module>>(
      "lost_wakeup_completion", 7, "waiter checks done, then sleeps without the futex re-check",
      "primitives/zoo/lost_wakeup_completion.h", comp, spec(2, {{{wait, 0}}, {{complete, 0}}}),
      "deadlock", {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}));
  v.push_back(make<set<basic_kref, zoo::counted_complete_all_completion, basic_module>>(
      "counted_complete_all_completion", 8,
      "complete_all's waiters still decrement done (later waiters block)",
      "primitives/zoo/counted_complete_all_completion.h", comp, broadcast, "deadlock",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}));
  v.push_back(make<set<basic_kref, zoo::touch_after_complete_completion, basic_module>>(
      "touch_after_complete", 9, "complete touches the completion after the releasing store",
      "primitives/zoo/touch_after_complete.h", comp, on_stack, "use_after_free|data_race",
      {"completion_stress",
       "--variant touch_after_complete --scenario handoff --jitter 2 --iterations 2000", nullptr},
      {"completion_stress",
       "--variant touch_after_complete --scenario handoff --jitter 1 --iterations 300", nullptr}));
  v.push_back(make<set<basic_kref, zoo::unserialized_done_completion, basic_module>>(
      "unserialized_done_completion", 10,
      "completion_done()-style check used to free while complete() still runs",
      "primitives/zoo/unserialized_done_completion.h", comp, on_stack, "use_after_free|data_race",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, no_harness}));
  v.push_back(make<set<basic_kref, zoo::reinit_racing_completion, basic_module>>(
      "reinit_racing_completion", 11, "reinit races with a waiter not yet woken from complete_all",
      "primitives/zoo/reinit_racing_completion.h", comp, broadcast, "deadlock",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}));
  v.push_back(make<set<basic_kref, basic_completion, zoo::going_try_get_module>>(
      "going_try_get_module", 12, "try_get on a going module (state check missing)",
      "primitives/zoo/going_try_get_module.h", mod, try_get_vs_unload, "unloaded_text",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, no_harness}));
  v.push_back(
      make<set<basic_kref, basic_completion, basic_module, quirks{.unsafe_thread_exit = true}>>(
          "unsafe_thread_exit", 13,
          "module_put, then return into module text (no safe-exit helper)",
          "quirk unsafe_thread_exit (fuzz/impl_set.h)", mod,
          spec(2, {{{module_try_get, 0}, {exit_thread_safely, 0}}, {{unload, 0}}}), "unloaded_text",
          {nullptr, nullptr, no_harness}, {nullptr, nullptr, no_harness}));
  v.push_back(make<set<basic_kref, basic_completion, zoo::check_then_unload_module>>(
      "check_then_unload_module", 14,
      "unload checks the refcount, then frees (a get slips in between)",
      "primitives/zoo/check_then_unload_module.h", mod, try_get_vs_unload, "unloaded_text",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, no_harness}));

  // Weak-memory bugs: sequential consistency hides them (the c11 model finds
  // them); each has a fixed twin below.
  constexpr quirks keep_alive{.completions_outlive_completers = true};
  const auto wait_vs_complete = spec(2, {{{wait, 0}}, {{complete, 0}}});
  v.push_back(make<set<basic_kref, zoo::waitqueue_active_completion, basic_module, keep_alive>>(
      "waitqueue_active_completion", 15,
      "waiter registers then checks done, completer sets done then checks waiters, no smp_mb "
      "(store buffering)",
      "primitives/zoo/waitqueue_active_completion.h", comp, wait_vs_complete, "deadlock",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}));
  v.push_back(make<set<basic_kref, zoo::split_sticky_completion, basic_module, keep_alive>>(
      "split_sticky_completion", 16,
      "complete_all's sticky flag beside the count, waiters snapshot the wake sequence relaxed "
      "(message passing)",
      "primitives/zoo/split_sticky_completion.h", comp, broadcast, "deadlock",
      {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}));
  v.push_back(make<set<basic_kref, basic_completion, zoo::unfenced_going_module>>(
      "unfenced_going_module", 17,
      "try_get increments then checks going, unload sets going then checks the count, no "
      "smp_mb__after_atomic / smp_mb (store buffering)",
      "primitives/zoo/unfenced_going_module.h", mod, try_get_vs_unload,
      "unloaded_text|data_race|use_after_free", {nullptr, nullptr, no_harness},
      {nullptr, nullptr, no_harness}));
  // Their fixed twins (not zoo: correct code, expected silent).
  auto twin = [](entry e, std::string name) {
    e.name = std::move(name);
    e.zoo = false;
    return e;
  };
  v.push_back(
      twin(make<set<basic_kref, zoo::waitqueue_active_completion_fixed, basic_module, keep_alive>>(
               "", 15, "waitqueue_active_completion with smp_mb() on both sides",
               "primitives/zoo/waitqueue_active_completion.h", comp, wait_vs_complete, "",
               {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}),
           "fixed/waitqueue_active_completion"));
  v.push_back(
      twin(make<set<basic_kref, zoo::split_sticky_completion_fixed, basic_module, keep_alive>>(
               "", 16, "split_sticky_completion taking its wake-sequence snapshot with acquire",
               "primitives/zoo/split_sticky_completion.h", comp, broadcast, "",
               {nullptr, nullptr, no_harness}, {nullptr, nullptr, tsan_blind}),
           "fixed/split_sticky_completion"));
  v.push_back(twin(make<set<basic_kref, basic_completion, zoo::unfenced_going_module_fixed>>(
                       "", 17, "unfenced_going_module with smp_mb__after_atomic() and smp_mb()",
                       "primitives/zoo/unfenced_going_module.h", mod, try_get_vs_unload, "",
                       {nullptr, nullptr, no_harness}, {nullptr, nullptr, no_harness}),
                   "fixed/unfenced_going_module"));

  // The correct sets, one per target. Their own witness is a representative
  // seed; the zoo witnesses of the same target are run with them too.
  struct correct_stress {
    target_kind t;
    stress_spec plain, tsan;
  };
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
    v.push_back(make<correct>(n, 0, "lastref's correct primitives", "primitives/*.h", c.t,
                              c.t == comp  ? on_stack
                              : c.t == mod ? try_get_vs_unload
                                           : lookup_put_vs_release,
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
  impl_entry ie{"", set.zoo, set.quirk, nullptr};
  adapt_to_impl(s, ie);
  return s;
}

}  // namespace lastref::fuzz::scorecard
