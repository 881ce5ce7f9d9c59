// SPDX-License-Identifier: MIT
// Replay tokens that carry their program (replay_token.h).

#include "replay_token.h"

#include <lastref/model/checker.h>

namespace lastref::fuzz {

namespace {
constexpr std::string_view prefix = "lastref-replay:";
constexpr std::string_view v3 = "lastref-replay:v3:";

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The next ':'-terminated field of `s` (consumed); false if there is none.
bool field(std::string_view& s, std::string_view& out) {
  const auto p = s.find(':');
  if (p == std::string_view::npos) return false;
  out = s.substr(0, p);
  s.remove_prefix(p + 1);
  return true;
}
}  // namespace

bool decode_program_token(std::string_view text, program_token& out, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = why;
    return false;
  };
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.substr(0, v3.size()) != v3) return fail("not a lastref-replay:v3: token");
  text.remove_prefix(v3.size());
  std::string_view t, set, hex;
  if (!field(text, t) || !field(text, set) || !field(text, hex))
    return fail("a v3 token has target, set, scenario and schedule fields separated by ':'");
  const auto kind = target_from_name(t);
  if (!kind) return fail("unknown target '" + std::string(t) + "' in the token");
  if (set.empty() || set.size() > 64) return fail("empty or overlong set name in the token");
  if (hex.size() % 2 != 0 || hex.size() > 2 * 64)
    return fail("the token's scenario field is not 0..64 bytes of hex");
  std::vector<uint8_t> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return fail("the token's scenario field is not hex");
    bytes.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  const std::string model_token = std::string(prefix) + std::string(text);
  std::vector<uint8_t> schedule;
  if (!model::decode_token(model_token, schedule))
    return fail("the token's schedule is not a v1 or v2 model token");
  out.target = *kind;
  out.set = set == "-" ? std::string() : std::string(set);
  out.scenario = std::move(bytes);
  out.model_token = model_token;
  return true;
}

}  // namespace lastref::fuzz
