// SPDX-License-Identifier: MIT
// The zoo README table (zoo_table.h).
#include "zoo_table.h"

#include <set>

#include "zoo_manifest.h"

namespace lastref::fuzz::scorecard {
namespace {

// "a|b|c" -> "a, b, c"
std::string kinds(std::string_view expect) {
  std::string out;
  for (char c : expect) out += c == '|' ? std::string(", ") : std::string(1, c);
  return out;
}

std::string where(const variant_info& i) {
  std::string w;
  if (*i.header != '\0') w = std::string("`") + i.header + "`";
  if (*i.hooks != '\0') {
    const std::string hook = std::string("hook `") + i.hooks + "`";
    w = w.empty() ? hook + " in `fuzz/zoo_manifest.h`" : w + " (+ " + hook + ")";
  }
  return w;
}

}  // namespace

std::string zoo_table() {
  std::string t =
      "| # | LASTREF_ZOO name | where | what is wrong | real bug class | fuzz target | failure "
      "kinds a detector may report |\n"
      "|---|---|---|---|---|---|---|\n";
  std::set<int> seen;
  for_each_variant([&]<class V>() {
    const variant_info& i = V::info;
    if (i.kind != variant_kind::zoo) return;
    // A second entry for one item is its protocol twin: "3′".
    const std::string item = std::to_string(i.item) + (seen.insert(i.item).second ? "" : "′");
    t += "| " + item + " | `" + i.name + "` | " + where(i) + " | " + i.what + " | " + i.bug_class +
         " | " + std::string(target_name(i.target)) + " | " + kinds(i.expect) +
         (i.weak_memory ? ", **c11 only**" : "") + " |\n";
  });
  return t;
}

std::optional<std::string> splice_zoo_table(std::string_view readme) {
  const auto b = readme.find(zoo_table_begin);
  if (b == std::string_view::npos) return std::nullopt;
  const auto body = readme.find('\n', b);
  const auto e = readme.find(zoo_table_end, b);
  if (body == std::string_view::npos || e == std::string_view::npos || e < body)
    return std::nullopt;
  std::string out(readme.substr(0, body + 1));
  out += zoo_table();
  out += readme.substr(e);
  return out;
}

}  // namespace lastref::fuzz::scorecard
