// SPDX-License-Identifier: MIT
// lastref-replay: decode a fuzz input (corpus or crash file), print the
// scenario, run it under the model replaying its schedule bytes, and print
// the trace and the verdict. See fuzz/README.md.
#include <cstdio>
#include <optional>
#include <string>

#include "../registry.h"
#include "../replay_token.h"
#include "tool_common.h"

namespace {

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
  tools::preemption_counter counter;
  (void)impl.run(s, run_request{.obs = &counter, .token = tok.model_token});
  const int preemptions = counter.last();
  const lastref::model::result r =
      impl.run(s, run_request{.traced = true, .token = tok.model_token});
  if (!quiet) std::printf("\ntrace:\n%s\n", r.trace.c_str());
  return verdict(r, preemptions);
}

int run(int argc, char** argv) {
  using namespace lastref::fuzz;
  CLI::App app{
      "Decodes FILE (a fuzz input: corpus or crash file) as a scenario of the target, prints "
      "it, runs it under the model with its schedule bytes and prints the numbered trace and "
      "the verdict. A v3 replay token (lastref-replay:v3:..., printed by the fuzz targets, the "
      "scorecard and lastref-prove after a finding) carries its target, set and scenario and "
      "replays as printed, in place of FILE with no other option.\nExit status: 0 the scenario "
      "passes, 1 it fails (bug reproduced), 2 bad "
      "usage or an unreadable, malformed or truncated file.",
      "lastref-replay"};
  tools::input_options in;
  tools::add_input_options(app, in);
  bool quiet = false;
  app.add_flag("--quiet", quiet, "print the scenario and the verdict, not the trace");
  lastref::cli::parse(app, argc, argv);
  const std::string* file = &tools::checked_file(in);
  const std::optional<std::string>& target = in.target;
  const std::optional<std::string>& zoo = in.zoo;
  const bool pad = in.pad;
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
  tools::preemption_counter counter;
  (void)impl.run(s, run_request{.obs = &counter});
  const int preemptions = counter.last();
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
