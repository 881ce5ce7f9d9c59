// SPDX-License-Identifier: MIT
// libFuzzer target: the replay-token parser (model/checker.h decode_token),
// which reads tokens users paste from CI reports. Any text must be either
// refused (decode_token returns false: "malformed replay token") or decoded;
// never a crash, a sanitizer report or a hang.
//
// Checked beyond "does not crash": a decoded token round-trips — encoding
// its bytes and decoding that gives the same bytes — and the encoding of
// any byte string decodes to it (the input's bytes used as the string).
// The v3 tokens that carry their program (replay_token.h) likewise: a
// decoded one re-encodes to a token that decodes to the same fields.
//
// Memory ordering: single-threaded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/model/checker.h>

#include "replay_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lastref::model::decode_token;
  using lastref::model::encode_token;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<uint8_t> bytes;
  if (decode_token(text, bytes)) {
    std::vector<uint8_t> back;
    if (!decode_token(encode_token(bytes), back) || back != bytes) std::abort();
  }
  std::vector<uint8_t> raw;
  if (!decode_token(encode_token(std::span<const uint8_t>(data, size)), raw) ||
      raw != std::vector<uint8_t>(data, data + size))
    std::abort();
  lastref::fuzz::program_token t;
  std::string err;
  if (lastref::fuzz::decode_program_token(text, t, &err)) {
    lastref::fuzz::program_token u;
    const std::string again =
        lastref::fuzz::encode_program_token(t.target, t.set, t.scenario, t.model_token);
    if (!lastref::fuzz::decode_program_token(again, u, &err) || u.target != t.target ||
        u.set != t.set || u.scenario != t.scenario || u.model_token != t.model_token)
      std::abort();
  } else if (err.empty()) {
    std::abort();  // a refusal always says why
  }
  return 0;
}
