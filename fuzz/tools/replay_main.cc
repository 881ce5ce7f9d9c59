// SPDX-License-Identifier: MIT
// lastref-replay: decode a fuzz input (corpus or crash file), print the
// scenario, run it under the model replaying its schedule bytes, and print
// the trace and the verdict. See fuzz/README.md.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "../interleaving.h"
#include "../registry.h"
#include "../replay_token.h"
#include "tool_common.h"

namespace {

const char* const k_usage =
    "usage: lastref-replay [--target NAME] [--zoo NAME] [--pad] [--quiet] FILE\n"
    "       lastref-replay [--quiet] lastref-replay:v3:...\n"
    "  Decodes FILE (a fuzz input: corpus or crash file) as a scenario of target NAME,\n"
    "  prints it, runs it under the model with its schedule bytes and prints the\n"
    "  numbered trace and the verdict. A v3 replay token (printed by the fuzz targets\n"
    "  and lastref-prove after a finding) carries its target, set and scenario: it\n"
    "  replays as printed, with no other argument.\n"
    "  --target NAME  kref_fuzzer, completion_fuzzer, module_unload_fuzzer or\n"
    "                 mixed_fuzzer; default: a directory of that name in FILE's path\n"
    "  --zoo NAME     run the zoo implementation set NAME (as LASTREF_ZOO=NAME)\n"
    "  --pad          accept a file that ends inside the scenario header, reading\n"
    "                 the missing bytes as 0 as the fuzzer does\n"
    "  --quiet        print the scenario and the verdict, not the trace\n"
    "exit status: 0 the scenario passes, 1 it fails (bug reproduced),\n"
    "             2 bad usage or an unreadable, malformed or truncated file\n";

// The verdict lines of a replayed result; the exit status.
int verdict(const lastref::model::result& r, int preemptions) {
  if (r.ok()) {
    std::printf("verdict: PASS (%u steps, %u decisions, %d preemptions)\n", r.steps, r.decisions,
                preemptions);
    return 0;
  }
  std::printf("verdict: FAIL %s: %s\n", lastref::model::failure_name(r.kind), r.message.c_str());
  std::printf(
      "  at step %u (%u decisions, %d preemptions)%s\n  %s\n", r.steps, r.decisions, preemptions,
      r.nondeterministic ? "\n  WARNING: the traced re-run diverged (nondeterministic)" : "",
      r.token.c_str());
  return 1;
}

// A v3 token: its scenario under its set, its schedule (replay_token.h).
int run_token(const std::string& text, bool quiet) {
  using namespace lastref::fuzz;
  program_token tok;
  std::string err;
  if (!decode_program_token(text, tok, &err))
    throw tools::usage_error("malformed replay token: " + err);
  std::optional<std::string> zoo;
  if (!tok.set.empty()) zoo = tok.set;
  tools::init_runtime(zoo);
  scenario s = decode(tok.target, tok.scenario);
  const impl_entry& impl = impl_for(s);
  adapt_to_impl(s, impl);
  std::printf("token for %s (%zu scenario bytes)\n%s", std::string(target_name(tok.target)).c_str(),
              tok.scenario.size(), print(s, impl.name).c_str());
  (void)impl.run(s, run_request{.token = tok.model_token});
  const int preemptions = interleaving::last_preemptions();
  const lastref::model::result r =
      impl.run(s, run_request{.traced = true, .token = tok.model_token});
  if (!quiet) std::printf("\ntrace:\n%s\n", r.trace.c_str());
  return verdict(r, preemptions);
}

int run(int argc, char** argv) {
  using namespace lastref::fuzz;
  std::optional<std::string> target, zoo, file;
  bool pad = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::string v;
    if (tools::option_value(argc, argv, i, "--target", v)) {
      target = v;
    } else if (tools::option_value(argc, argv, i, "--zoo", v)) {
      zoo = v;
    } else if (a == "--pad") {
      pad = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(k_usage, stdout);
      return 0;
    } else if (a.starts_with("-") && a != "-") {
      throw tools::usage_error("unknown option " + a);
    } else if (file) {
      throw tools::usage_error("one FILE at a time (got " + *file + " and " + a + ")");
    } else {
      file = a;
    }
  }
  if (!file) throw tools::usage_error("no FILE given");
  if (file->starts_with("lastref-replay:v3:")) {
    if (target || zoo || pad)
      throw tools::usage_error("a v3 token names its target and set: give it alone");
    return run_token(*file, quiet);
  }
  // A model replay token pasted from a report is not a file: say what to
  // pass instead of "no such file".
  if (file->starts_with("lastref-replay:"))
    throw tools::usage_error(
        "'" + file->substr(0, 40) + (file->size() > 40 ? "...'" : "'") +
        " is a model replay token, not a FILE: it replays a schedule of the model program it was "
        "printed for (lastref::model::checker::replay). To replay a fuzz finding, pass the crash "
        "file the report names, as its `replay:` line prints: lastref-replay --pad --target T "
        "[--zoo Z] FILE");
  const target_kind t = tools::resolve_target(target, *file);
  const auto bytes = tools::read_input(*file);
  tools::init_runtime(zoo);
  scenario s = tools::decode_checked(t, bytes, pad, *file);
  const impl_entry& impl = impl_for(s);
  adapt_to_impl(s, impl);
  std::printf("%s (%zu bytes)\n%s", file->c_str(), bytes.size(), print(s, impl.name).c_str());
  // Traced runs are not observed: count preemptions on a plain run first.
  (void)impl.run(s, run_request{});
  const int preemptions = interleaving::last_preemptions();
  const lastref::model::result r = impl.run(s, run_request{.traced = true});
  if (!quiet) std::printf("\ntrace:\n%s\n", r.trace.c_str());
  return verdict(r, preemptions);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const lastref::fuzz::tools::usage_error& e) {
    std::fprintf(stderr, "lastref-replay: %s\n(lastref-replay --help for usage)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lastref-replay: %s\n", e.what());
    return 2;
  }
}
