// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz replay tokens — a model replay token that carries the program
// it was printed for, so `lastref-replay TOKEN` replays a finding with no
// file and no other argument.
//
//   lastref-replay:v3:<target>:<set>:<scenario hex>:<model token body>
//
// <target> is a fuzz target name (kref_fuzzer, ...); <set> is the zoo set
// that ran (its LASTREF_ZOO name) or "-" for the set the scenario's impl byte
// selects; <scenario hex> is the scenario header (fuzz/scenario.h, no
// schedule bytes); <model token body> is a model token (checker.h) without
// its "lastref-replay:" prefix ("v2:c11:<hex>" or "v1:<hex>"), whose
// schedule the checker replays under the token's memory model. Model tokens
// (v1, v2) stay valid: they replay through checker::replay on the program
// they were printed for.
//
// Contract: decode_program_token accepts exactly what encode_program_token
// makes (surrounding spaces and a trailing newline allowed) and rejects
// anything else with a message; it never crashes on any text (a fuzz target
// of the replay-token parser exercises it). Lifetime: plain values. Memory
// ordering: none.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario.h"

namespace lastref::fuzz {

struct program_token {
  target_kind target{};
  std::string set;                // zoo set name, empty for the default set
  std::vector<uint8_t> scenario;  // header bytes
  std::string model_token;        // "lastref-replay:v2:..." / "lastref-replay:v1:..."
};

// `model_token` is a checker token ("lastref-replay:v..."); `header` the
// scenario's header bytes. Inline: the fuzz targets print tokens and link
// no tool code (byo's fuzz support library included).
[[nodiscard]] inline std::string encode_program_token(target_kind t, std::string_view set,
                                                      std::span<const uint8_t> header,
                                                      std::string_view model_token) {
  constexpr std::string_view prefix = "lastref-replay:";
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "lastref-replay:v3:";
  s += target_name(t);
  s += ':';
  s += set.empty() ? std::string_view("-") : set;
  s += ':';
  for (uint8_t b : header) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  s += ':';
  if (model_token.substr(0, prefix.size()) == prefix) model_token.remove_prefix(prefix.size());
  s += model_token;
  return s;
}

// True for a v3 token; false with `error` set otherwise.
bool decode_program_token(std::string_view text, program_token& out, std::string* error);

}  // namespace lastref::fuzz
