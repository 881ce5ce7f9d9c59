// SPDX-License-Identifier: MIT
// lastref-prove's sets (prove_sets.h): the scorecard catalog's correct
// primitives, or a zoo set by name.

#include <memory>
#include <string_view>

#include "../prove_sets.h"
#include "catalog.h"

namespace lastref::fuzz::tools {

namespace sc = scorecard;

namespace {
prove_set of(const sc::entry& set) {
  prove_set p;
  p.name = set.name;
  p.zoo = set.zoo;
  const sc::entry* e = &set;
  auto witness = [](target_kind t, const std::vector<uint8_t>& b) {
    sc::entry w;
    w.target = t;
    w.witness = b;
    return w;
  };
  p.adapted = [e, witness](target_kind t, const std::vector<uint8_t>& b) {
    return sc::witness_scenario(witness(t, b), *e);
  };
  p.explore = [e, witness](target_kind t, const std::vector<uint8_t>& b,
                           model::schedule_source& src,
                           std::uint64_t n) { return e->explore(witness(t, b), src, n); };
  return p;
}
}  // namespace

const prove_set* prove_set_for(target_kind t, const std::optional<std::string>& zoo,
                               std::string& error) {
  const sc::entry* set = zoo ? sc::find(*zoo) : &sc::correct_for(t);
  if (set == nullptr) {
    error = "unknown --zoo '" + *zoo + "'";
    return nullptr;
  }
  if (zoo && set->target != t) {
    error = "zoo set " + *zoo + " runs --target " + std::string(target_name(set->target));
    return nullptr;
  }
  static std::vector<std::unique_ptr<prove_set>> made;
  made.push_back(std::make_unique<prove_set>(of(*set)));
  return made.back().get();
}

const char* prove_tool_name() { return "lastref-prove"; }
const char* prove_replay_command() { return "lastref-replay"; }

}  // namespace lastref::fuzz::tools
