// SPDX-License-Identifier: MIT
// libFuzzer target: the crash-file / scenario decoder the replay and minimize
// tools run on files users download from CI (tool_common.h decode_checked,
// scenario.h decode and print). Any bytes must give either a usage_error
// (the tools print it and exit 2) or a scenario that prints; never a crash,
// a sanitizer report or a hang.
//
// Input: byte 0 picks the target (low two bits) and --pad (bit 2); the rest
// is the file. Checked beyond "does not crash": decoding is deterministic
// (two decodes print the same text), and an input that is not padded has
// its header inside the file, the schedule being exactly the bytes after it.
//
// Memory ordering: single-threaded. Lifetime: the scenario's schedule span
// points into the local byte vector, which outlives it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../scenario.h"
#include "tool_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lastref::fuzz;
  if (size == 0) return 0;
  const auto t = static_cast<target_kind>(data[0] % target_count);
  const bool pad = (data[0] & 4) != 0;
  const std::vector<uint8_t> bytes(data + 1, data + size);
  try {
    const scenario s = tools::decode_checked(t, bytes, pad, "input");
    const scenario again = decode(t, bytes);
    const std::string text = print(s, "fuzz");
    if (text != print(again, "fuzz")) std::abort();  // nondeterministic decode
    if (s.header_missing == 0 && s.header_bytes + s.schedule.size() != bytes.size()) std::abort();
    if (!pad && s.header_missing != 0) std::abort();  // decode_checked must have refused it
  } catch (const tools::usage_error&) {
    // Refused with a message: what the tools turn into exit status 2.
  }
  return 0;
}
