// SPDX-License-Identifier: MIT
// The model-checked driver of a kernel-C test (lastref_add_kernel_test's
// <name>_model): explores the test's schedules and reports the first
// failure as a trace naming the user's C lines.
//
//   --search=dpor|dfs|random|pct   dpor (default): exhaustive, partial-order
//                                  reduced; dfs: exhaustive; random / pct:
//                                  sampled
//   --bound=N          preemption bound of dpor or dfs (default: none; with
//                      a bound the verdict is "complete within bound N",
//                      never a proof)
//   --executions=N     budget (default 100000)
//   --seconds=S        time budget for dpor/dfs (default 60)
//   --seed=N           random / pct seed (default 1)
//   --depth=N          pct depth (default 3)
//   --memory=sc|c11    memory model (default c11)
//   --replay=TOKEN     replay one lastref-replay token, print its trace
//   --expect=found|clean|proof  exit 0 iff the verdict is that (for tests)
//
// Exit status without --expect: 0 nothing found, 1 a failure found, 2 bad
// input (an unknown option or value, named on stderr).
//
// Memory ordering: single-threaded (the model's fibers).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <lastref/model/checker.h>
#include <lastref/model/dpor.h>
#include <lastref/model/search.h>

#include "model_backend.h"

namespace {

[[noreturn]] void bad(const char* what, const char* arg) {
  std::fprintf(stderr, "lastref kernel test: %s: '%s' (see --help)\n", what, arg);
  std::exit(2);
}

bool number(const char* s, unsigned long long& out) {
  if (s == nullptr || *s == '\0') return false;
  char* end = nullptr;
  out = std::strtoull(s, &end, 10);
  return *end == '\0';
}

const char* value(const char* arg, const char* name) {
  const std::size_t n = std::strlen(name);
  return std::strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lastref;
  std::string how = "dpor", expect, replay;
  unsigned long long executions = 100000, seed = 1, depth = 3;
  double seconds = 60;
  int bound = -1;
  model::memory_model mm = model::memory_model::c11;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = nullptr;
    unsigned long long n = 0;
    if (std::strcmp(a, "--help") == 0) {
      std::puts(
          "usage: <test>_model [--search=dpor|dfs|random|pct] [--bound=N] [--executions=N]\n"
          "       [--seconds=S] [--seed=N] [--depth=N] [--memory=sc|c11] [--replay=TOKEN]\n"
          "       [--expect=found|clean|proof]");
      return 0;
    } else if ((v = value(a, "--search")) != nullptr) {
      if (std::strcmp(v, "dpor") != 0 && std::strcmp(v, "dfs") != 0 &&
          std::strcmp(v, "random") != 0 && std::strcmp(v, "pct") != 0)
        bad("--search must be dpor, dfs, random or pct", v);
      how = v;
    } else if ((v = value(a, "--bound")) != nullptr) {
      if (!number(v, n) || n > 1000) bad("--bound must be a number up to 1000", v);
      bound = static_cast<int>(n);
    } else if ((v = value(a, "--executions")) != nullptr) {
      if (!number(v, n) || n == 0) bad("--executions must be a positive number", v);
      executions = n;
    } else if ((v = value(a, "--seconds")) != nullptr) {
      char* end = nullptr;
      seconds = std::strtod(v, &end);
      if (*end != '\0' || !(seconds > 0)) bad("--seconds must be a positive number", v);
    } else if ((v = value(a, "--seed")) != nullptr) {
      if (!number(v, seed)) bad("--seed must be a number", v);
    } else if ((v = value(a, "--depth")) != nullptr) {
      if (!number(v, depth) || depth == 0 || depth > 64) bad("--depth must be 1..64", v);
    } else if ((v = value(a, "--memory")) != nullptr) {
      auto m = model::parse_memory_model(v);
      if (!m) bad("--memory must be sc or c11", v);
      mm = *m;
    } else if ((v = value(a, "--replay")) != nullptr) {
      replay = v;
    } else if ((v = value(a, "--expect")) != nullptr) {
      if (std::strcmp(v, "found") != 0 && std::strcmp(v, "clean") != 0 &&
          std::strcmp(v, "proof") != 0)
        bad("--expect must be found, clean or proof", v);
      expect = v;
    } else {
      bad("unknown option", a);
    }
  }
  if (lastref::kernel::test_thread_count() == 0) {
    std::fprintf(stderr, "lastref kernel test: the test file defines no LASTREF_THREAD\n");
    return 2;
  }

  model::run_options o;
  o.memory = mm;
  const model::program_factory f = lastref::kernel::program_factory();
  model::checker c;
  bool found = false, proof = false;
  if (!replay.empty()) {
    std::vector<std::uint8_t> bytes;
    if (!model::decode_token(replay, bytes))
      bad("--replay is not a lastref-replay token", replay.c_str());
    auto r = c.replay(f, replay, o);
    std::fputs(r.failed() ? r.report().c_str() : r.trace.c_str(), stdout);
    found = r.failed();
  } else if (how == "dpor" || how == "dfs") {
    model::search_limits lim;
    lim.how = how == "dpor" ? model::strategy::dpor : model::strategy::dfs;
    lim.bound = bound;
    lim.max_executions = executions;
    lim.max_seconds = seconds;
    auto r = model::search(c, f, lim, o);
    std::printf("%s memory model: %s\n", model::memory_model_name(mm), r.cert.summary().c_str());
    if (r.cert.found) std::fputs(r.failure.report().c_str(), stdout);
    found = r.cert.found;
    proof = r.cert.proof();
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    model::random_source rnd(seed);
    model::pct_source pct(seed, static_cast<int>(depth));
    model::schedule_source& src = how == "random" ? static_cast<model::schedule_source&>(rnd) : pct;
    auto r = c.explore(f, src, executions, o);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s memory model: %s, %llu executions, %.3f s: %s\n", model::memory_model_name(mm),
                how.c_str(), static_cast<unsigned long long>(r.executions), secs,
                r.found() ? "FOUND" : "nothing found (sampled: no proof)");
    if (r.found()) std::fputs(r.failure.report().c_str(), stdout);
    found = r.found();
  }
  std::fflush(stdout);
  if (expect.empty()) return found ? 1 : 0;
  const bool met = expect == "found" ? found : expect == "clean" ? !found : proof;
  if (!met) std::fprintf(stderr, "lastref kernel test: expected %s\n", expect.c_str());
  return met ? 0 : 1;
}
