// SPDX-License-Identifier: MIT
// lastref-scorecard — the zoo catalog and the in-process detectors from the
// command line (scorecard.py drives it; see fuzz/scorecard/README.md).
//
//   lastref-scorecard list [--json]
//   lastref-scorecard detect --variant NAME|zoo|correct --detector D
//                            [--seeds N] [--seed0 S] [--budget N] [--dfs-bound K]
//   lastref-scorecard trace --variant NAME [--detector D] [--seed S] [--budget N]
//   lastref-scorecard zoo-table [--readme FILE [--check]]
//
// detect prints one JSON object per line and run: variant, set, detector,
// seed, found, executions, seconds, kind, message (and dfs_bound/exhausted).
// `--variant zoo` runs every zoo variant; `--variant correct` runs every zoo
// witness with the correct implementations of its target (and, for the
// `input` detector, random whole inputs of every target). zoo-table prints
// the zoo README's table from the manifest, or rewrites it in FILE between
// its markers; with --check it changes nothing and exits 1 when FILE's table
// is not the manifest's. Exit status: 0, or 2 on a usage error.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"
#include "detectors.h"
#include "zoo_table.h"

namespace {

using namespace lastref::fuzz;
using namespace lastref::fuzz::scorecard;

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "lastref-scorecard: %s\n"
               "usage: lastref-scorecard list [--json]\n"
               "       lastref-scorecard detect --variant NAME|zoo|correct --detector "
               "bytes|random|pct|dfs|dpor|input\n"
               "                                [--seeds N] [--seed0 S] [--budget N] "
               "[--dfs-bound K]\n"
               "       lastref-scorecard trace --variant NAME [--detector D] [--seed S] "
               "[--budget N]\n"
               "       lastref-scorecard zoo-table [--readme FILE [--check]]\n",
               why);
  std::exit(2);
}

std::string json_str(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

struct args {
  std::string cmd;
  std::string variant;
  std::string detector = "random";
  std::uint64_t seeds = 1;
  std::uint64_t seed0 = 1;
  std::uint64_t budget = 10'000;
  int dfs_bound = 3;
  bool json = false;
  std::string readme;
  bool check = false;
};

// A whole decimal number in [lo, hi]: digits only (strtoull alone would
// take "-1" as 2^64-1, which made `--seeds -1` run forever), no overflow.
std::uint64_t number(const char* s, const char* what, std::uint64_t lo, std::uint64_t hi) {
  const std::string range = " (a whole number from " + std::to_string(lo) + " to " +
                            std::to_string(hi) + ", got '" + s + "')";
  if (*s < '0' || *s > '9') usage((std::string("bad number for ") + what + range).c_str());
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
    usage((std::string("bad number for ") + what + range).c_str());
  return v;
}

args parse(int argc, char** argv) {
  if (argc < 2) usage("missing command");
  args a;
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    // --name=value and --name value alike.
    std::string k = argv[i];
    const char* inline_value = nullptr;
    if (const auto eq = k.find('='); k.starts_with("--") && eq != std::string::npos) {
      inline_value = argv[i] + eq + 1;
      k.resize(eq);
    }
    auto val = [&]() -> const char* {
      if (inline_value != nullptr) return inline_value;
      if (i + 1 >= argc) usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "--json" && inline_value == nullptr)
      a.json = true;
    else if (k == "--check" && inline_value == nullptr)
      a.check = true;
    else if (k == "--readme")
      a.readme = val();
    else if (k == "--variant")
      a.variant = val();
    else if (k == "--detector")
      a.detector = val();
    else if (k == "--seeds")
      a.seeds = number(val(), "--seeds", 1, 1'000'000);
    else if (k == "--seed0" || k == "--seed")
      a.seed0 = number(val(), "--seed", 0, UINT64_MAX);
    else if (k == "--budget")
      a.budget = number(val(), "--budget", 1, 1'000'000'000'000);
    else if (k == "--dfs-bound")
      a.dfs_bound = static_cast<int>(number(val(), "--dfs-bound", 0, 64));
    else
      usage(("unknown option " + k).c_str());
  }
  return a;
}

void print_stress(const char* key, const stress_spec& s) {
  std::printf(",%s:{", json_str(key).c_str());
  if (s.harness != nullptr)
    std::printf("\"harness\":%s,\"args\":%s}", json_str(s.harness).c_str(),
                json_str(s.args != nullptr ? s.args : "").c_str());
  else
    std::printf("\"why_not\":%s}", json_str(s.why_not != nullptr ? s.why_not : "").c_str());
}

int list(const args& a) {
  for (const auto& e : entries()) {
    if (!a.json) {
      std::printf("%-34s item %2d  %-22s %s\n", e.name.c_str(), e.item,
                  std::string(target_name(e.target)).c_str(), e.title.c_str());
      continue;
    }
    std::printf(
        "{\"name\":%s,\"item\":%d,\"zoo\":%s,\"title\":%s,\"header\":%s,\"target\":%s,"
        "\"expect\":%s,\"witness\":%s",
        json_str(e.name).c_str(), e.item, e.zoo ? "true" : "false", json_str(e.title).c_str(),
        json_str(e.header).c_str(), json_str(target_name(e.target)).c_str(),
        json_str(e.expect).c_str(), json_str(e.witness_text).c_str());
    print_stress("plain", e.plain);
    print_stress("tsan", e.tsan);
    std::printf("}\n");
  }
  return 0;
}

void emit(const entry& witness, const entry& set, detector d, std::uint64_t seed,
          const outcome& o) {
  std::printf(
      "{\"variant\":%s,\"set\":%s,\"detector\":%s,\"seed\":%llu,\"found\":%s,"
      "\"executions\":%llu,\"seconds\":%.6f,\"kind\":%s,\"message\":%s,"
      "\"dfs_bound\":%d,\"exhausted\":%s,\"certificate\":%s}\n",
      json_str(witness.name).c_str(), json_str(set.name).c_str(),
      json_str(detector_name(d)).c_str(), static_cast<unsigned long long>(seed),
      o.found ? "true" : "false", static_cast<unsigned long long>(o.executions), o.seconds,
      json_str(o.kind).c_str(), json_str(o.message).c_str(), o.dfs_bound,
      o.exhausted ? "true" : "false", json_str(o.certificate).c_str());
  std::fflush(stdout);
}

int detect_cmd(const args& a) {
  const auto d = detector_from_name(a.detector);
  if (!d) usage("unknown detector");
  std::vector<std::pair<const entry*, const entry*>> runs;  // (witness, set)
  if (a.variant == "zoo" || a.variant == "correct") {
    for (const auto& e : entries()) {
      if (a.variant == "zoo" && e.zoo) runs.emplace_back(&e, &e);
      if (a.variant == "correct" && *d == detector::input && !e.zoo) runs.emplace_back(&e, &e);
      if (a.variant == "correct" && *d != detector::input && e.zoo)
        runs.emplace_back(&e, &correct_for(e.target));
    }
  } else {
    const entry* e = find(a.variant);
    if (e == nullptr) usage(("unknown variant " + a.variant + " (see `list`)").c_str());
    runs.emplace_back(e, e);
  }
  detect_options o;
  o.budget = a.budget;
  o.dfs_max_bound = a.dfs_bound;
  for (const auto& [w, s] : runs) {
    // dfs and dpor ignore seeds
    const std::uint64_t n = (*d == detector::dfs || *d == detector::dpor) ? 1 : a.seeds;
    for (std::uint64_t i = 0; i < n; ++i) {
      o.seed = a.seed0 + i;
      emit(*w, *s, *d, o.seed, detect(*s, *w, *d, o));
    }
  }
  return 0;
}

int trace_cmd(const args& a) {
  const entry* e = find(a.variant);
  if (e == nullptr) usage("unknown variant");
  const auto d = detector_from_name(a.detector);
  if (!d) usage("unknown detector");
  detect_options o;
  o.seed = a.seed0;
  o.budget = a.budget;
  o.dfs_max_bound = a.dfs_bound;
  const outcome r = detect(*e, *e, *d, o);
  std::printf("%s\n", e->witness_text.c_str());
  if (!r.found) {
    std::printf("not found in %llu executions\n", static_cast<unsigned long long>(r.executions));
    return 1;
  }
  std::printf("found after %llu executions (%.3f s)\n%s",
              static_cast<unsigned long long>(r.executions), r.seconds, r.report.c_str());
  return 0;
}

int zoo_table_cmd(const args& a) {
  if (a.readme.empty()) {
    if (a.check) usage("--check needs --readme FILE");
    std::fputs(zoo_table().c_str(), stdout);
    return 0;
  }
  std::ifstream in(a.readme, std::ios::binary);
  if (!in) usage(("--readme: cannot read " + a.readme).c_str());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string old = buf.str();
  const auto updated = splice_zoo_table(old);
  if (!updated) usage(("--readme: " + a.readme + " has no zoo table markers").c_str());
  if (*updated == old) return 0;
  if (a.check) {
    std::fprintf(stderr,
                 "lastref-scorecard: the zoo table in %s is not the manifest's; rerun "
                 "`lastref-scorecard zoo-table --readme %s`\n",
                 a.readme.c_str(), a.readme.c_str());
    return 1;
  }
  const std::string tmp = a.readme + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << *updated;
    if (!out.flush()) usage(("--readme: cannot write " + tmp).c_str());
  }
  if (std::rename(tmp.c_str(), a.readme.c_str()) != 0)
    usage(("--readme: cannot replace " + a.readme).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const args a = parse(argc, argv);
  if (a.cmd == "list") return list(a);
  if (a.cmd == "detect") return detect_cmd(a);
  if (a.cmd == "trace") return trace_cmd(a);
  if (a.cmd == "zoo-table") return zoo_table_cmd(a);
  usage(("unknown command " + a.cmd).c_str());
}
