// SPDX-License-Identifier: MIT
#pragma once
// The zoo's README table, generated from the manifest (fuzz/zoo_manifest.h).
//
// Contract: zoo_table() is the markdown table of every `zoo` entry in
// manifest order; splice_zoo_table() puts it between the begin/end marker
// lines of a README's text (the markers stay), or returns nullopt when a
// marker is missing. `lastref-scorecard zoo-table` prints, checks and
// rewrites primitives/zoo/README.md with them; a test runs the check.
//
// Lifetime rule: values only.
//
// Memory ordering: single-threaded.

#include <optional>
#include <string>
#include <string_view>

namespace lastref::fuzz::scorecard {

inline constexpr std::string_view zoo_table_begin =
    "<!-- zoo table: generated from fuzz/zoo_manifest.h by `lastref-scorecard zoo-table "
    "--readme primitives/zoo/README.md`; do not edit by hand -->";
inline constexpr std::string_view zoo_table_end = "<!-- end of zoo table -->";

[[nodiscard]] std::string zoo_table();
[[nodiscard]] std::optional<std::string> splice_zoo_table(std::string_view readme);

}  // namespace lastref::fuzz::scorecard
