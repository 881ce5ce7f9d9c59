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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/cli.h>

#include "catalog.h"
#include "detectors.h"
#include "zoo_table.h"

namespace {

using namespace lastref::fuzz;
using namespace lastref::fuzz::scorecard;

// Usage errors found after parsing (an unknown variant or detector).
const CLI::App* g_app = nullptr;
[[noreturn]] void usage(const std::string& why) { lastref::cli::usage_error(*g_app, why); }

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

void parse(CLI::App& app, args& a, int argc, char** argv) {
  app.require_subcommand(1);
  CLI::App* list = app.add_subcommand("list", "the catalog: every variant and correct set");
  list->add_flag("--json", a.json, "one JSON object per line");
  CLI::App* detect = app.add_subcommand("detect", "run a detector on variants");
  CLI::App* trace = app.add_subcommand("trace", "print a failing trace of one variant");
  for (CLI::App* c : {detect, trace}) {
    lastref::cli::add_text(*c, "--variant", a.variant,
                           c == detect ? "a variant, `zoo` (every one) or `correct`" : "a variant",
                           "NAME");
    lastref::cli::add_text(*c, "--detector", a.detector,
                           "bytes, random, pct, dfs, dpor or input (default random)", "D");
    lastref::cli::add_number(*c, "--seed0,--seed", a.seed0, std::uint64_t{0}, UINT64_MAX,
                             "first seed");
    lastref::cli::add_number(*c, "--budget", a.budget, std::uint64_t{1},
                             std::uint64_t{1'000'000'000'000}, "executions per run");
    lastref::cli::add_number(*c, "--dfs-bound", a.dfs_bound, 0, 64, "largest preemption bound");
  }
  lastref::cli::add_number(*detect, "--seeds", a.seeds, std::uint64_t{1}, std::uint64_t{1'000'000},
                           "seeds per variant");
  CLI::App* table = app.add_subcommand(
      "zoo-table", "print the zoo README's table, or rewrite it in FILE between its markers");
  lastref::cli::add_text(*table, "--readme", a.readme, "the README to rewrite or check", "FILE");
  table->add_flag("--check", a.check,
                  "change nothing; exit 1 when FILE's table is not the manifest's");
  lastref::cli::parse(app, argc, argv);
  a.cmd = app.get_subcommands().front()->get_name();
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
  if (a.variant.empty()) usage("--variant NAME is required");
  const auto d = detector_from_name(a.detector);
  if (!d) usage("--detector: unknown detector " + a.detector);
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
    if (e == nullptr) usage("--variant: unknown variant " + a.variant + " (see `list`)");
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
  if (a.variant.empty()) usage("--variant NAME is required");
  const entry* e = find(a.variant);
  if (e == nullptr) usage("--variant: unknown variant " + a.variant + " (see `list`)");
  const auto d = detector_from_name(a.detector);
  if (!d) usage("--detector: unknown detector " + a.detector);
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
  if (!in) usage("--readme: cannot read " + a.readme);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string old = buf.str();
  const auto updated = splice_zoo_table(old);
  if (!updated) usage("--readme: " + a.readme + " has no zoo table markers");
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
    if (!out.flush()) usage("--readme: cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), a.readme.c_str()) != 0)
    usage("--readme: cannot replace " + a.readme);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The zoo catalog and the in-process detectors (scorecard.py drives it).",
               "lastref-scorecard"};
  g_app = &app;
  args a;
  parse(app, a, argc, argv);
  if (a.cmd == "list") return list(a);
  if (a.cmd == "detect") return detect_cmd(a);
  if (a.cmd == "trace") return trace_cmd(a);
  if (a.cmd == "zoo-table") return zoo_table_cmd(a);
  usage("unknown command " + a.cmd);
}
