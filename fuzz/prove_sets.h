// SPDX-License-Identifier: MIT
#pragma once
// The implementation sets a prove tool searches (prove_main.cc): lastref-
// prove takes lastref's correct primitives or a zoo set from the scorecard
// catalog (prove_sets_catalog.cc); a bring-your-own <name>-prove, generated
// by lastref_add_primitive (byo/templates/tools.cc.in), takes the user's set
// only. The tool's main is the same source in both.
//
// Contract: prove_set_for returns the set to search for target `t` (`zoo`:
// a named zoo set, else the tool's default set), or nullptr with `error`
// naming what was wrong (a usage error). adapted() decodes a scenario's
// header bytes and applies the set's adapt hook (what explore runs);
// explore() runs the set on those bytes under a schedule source, with
// checker::explore's contract. Lifetime: the sets are static. Memory
// ordering: single-threaded.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <lastref/model/checker.h>
#include <lastref/model/schedule.h>

#include "scenario.h"

namespace lastref::fuzz::tools {

struct prove_set {
  std::string name;
  bool zoo = false;
  std::function<scenario(target_kind, const std::vector<uint8_t>&)> adapted;
  std::function<model::explore_result(target_kind, const std::vector<uint8_t>&,
                                      model::schedule_source&, std::uint64_t)>
      explore;
};

const prove_set* prove_set_for(target_kind t, const std::optional<std::string>& zoo,
                               std::string& error);
// The tool's name in messages ("lastref-prove", "<name>-prove") and the
// replay command its replay line names.
const char* prove_tool_name();
const char* prove_replay_command();

}  // namespace lastref::fuzz::tools
