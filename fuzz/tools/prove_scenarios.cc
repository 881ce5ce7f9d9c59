// SPDX-License-Identifier: MIT
// Named scenarios of lastref-prove (prove_scenarios.h).

#include "prove_scenarios.h"

namespace lastref::fuzz::tools {

namespace {
using enum op_code;
using prog = std::vector<std::pair<op_code, uint8_t>>;

program_spec spec(std::initializer_list<prog> progs) {
  program_spec s;
  s.threads = static_cast<int>(progs.size());
  std::size_t t = 0;
  for (const auto& p : progs) s.programs[t++] = p;
  return s;
}
}  // namespace

const std::vector<named_scenario>& named_scenarios() {
  static const std::vector<named_scenario> v = {
      {"lookup3", target_kind::kref,
       "lookup table, 3 threads: T0 lookup,put; T1 lookup,get,put,put; T2 release_object"},
      {"lookup4", target_kind::kref,
       "lookup table, 4 threads: T0 lookup,put; T1 lookup,get,put,put; T2 lookup,put; T3 "
       "release_object"},
      {"droppers", target_kind::kref,
       "lookup table, 3 threads: T0 and T1 race to drop the table's reference (release_object: "
       "T0 with put_mutex, T1 with put); T2 lookup,put"},
      {"completion1x3", target_kind::completion,
       "completion, 1 completer (complete, complete_all) and 3 waiters (wait, wait, wait_for)"},
      {"completion1x2", target_kind::completion,
       "completion, 1 completer (complete_all) and 2 waiters (wait, wait)"},
  };
  return v;
}

std::optional<std::vector<uint8_t>> named_scenario_bytes(std::string_view name, bool c11) {
  program_spec s;
  target_kind t{};
  if (name == "lookup3") {
    t = target_kind::kref;
    s = spec({{{lookup, 0}, {put, 0}},
              {{lookup, 0}, {get, 0}, {put, 0}, {put, 0}},
              {{release_object, 0}}});
  } else if (name == "lookup4") {
    t = target_kind::kref;
    s = spec({{{lookup, 0}, {put, 0}},
              {{lookup, 0}, {get, 0}, {put, 0}, {put, 0}},
              {{lookup, 0}, {put, 0}},
              {{release_object, 0}}});
  } else if (name == "droppers") {
    t = target_kind::kref;
    s = spec({{{release_object, 4}}, {{release_object, 0}}, {{lookup, 0}, {put, 0}}});
  } else if (name == "completion1x3") {
    t = target_kind::completion;
    s = spec({{{wait, 0}}, {{wait, 0}}, {{wait_for, 0}}, {{complete, 0}, {complete_all, 0}}});
  } else if (name == "completion1x2") {
    t = target_kind::completion;
    s = spec({{{wait, 0}}, {{wait, 0}}, {{complete_all, 0}}});
  } else {
    return std::nullopt;
  }
  s.c11 = c11;
  return encode(t, s, {});
}

void set_memory_model_bit(std::vector<uint8_t>& b, bool c11) {
  if (b.empty()) b.push_back(0);
  b[0] = static_cast<uint8_t>(c11 ? (b[0] | 0x80u) : (b[0] & 0x7Fu));
}

}  // namespace lastref::fuzz::tools
