// SPDX-License-Identifier: MIT
// lastref-prove (and a BYO primitive's <name>-prove, over the sets of
// prove_sets.h): the exhaustive search (<lastref/model/search.h>) from the
// command line, with a certificate, progress, sharding and an exit status a
// CI job can act on. See the usage text and fuzz/model/README.md.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <lastref/model/budget.h>
#include <lastref/model/estimate.h>
#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>
#include <lastref/model/search.h>

#include "../interleaving.h"
#include "../prove_sets.h"
#include "../registry.h"
#include "../replay_token.h"
#include "prove_jobs.h"
#include "prove_scenarios.h"
#include "tool_common.h"

namespace {

namespace model = lastref::model;
namespace tools = lastref::fuzz::tools;
using tools::usage_error;

// A decimal number in [lo, hi]; anything else is a usage error naming `opt`.
std::uint64_t number(const std::string& opt, const std::string& v, std::uint64_t lo,
                     std::uint64_t hi) {
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
    throw usage_error(opt + " wants a decimal number, got '" + v + "'");
  const std::uint64_t x = std::strtoull(v.c_str(), nullptr, 10);
  if (x < lo || x > hi)
    throw usage_error(opt + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                      ", got " + v);
  return x;
}

double seconds_value(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || end == nullptr || *end != '\0' || errno != 0 || !(x >= 0) || x > 1e7 ||
      v.find_first_not_of("0123456789.") != std::string::npos)
    throw usage_error(opt + " wants seconds (a non-negative decimal), got '" + v + "'");
  return x;
}

std::string hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

int exit_status(const model::certificate& c) {
  if (c.found) return 4;
  if (c.complete && c.bound < 0 && !c.nondeterministic) return 0;
  return 3;
}

std::string read_text(const std::string& path) {
  const auto bytes = tools::read_input(path);
  return std::string(bytes.begin(), bytes.end());
}

int combine_files(const std::vector<std::string>& files) {
  if (files.empty()) throw usage_error("--combine wants certificate files");
  std::vector<model::certificate> certs;
  for (const std::string& f : files) {
    model::certificate c;
    std::string err;
    if (!model::certificate_from_json(read_text(f), c, &err))
      throw usage_error(f + ": not a certificate of lastref-prove --json (" + err + ")");
    certs.push_back(c);
  }
  std::string err;
  const model::certificate all = model::combine(certs, &err);
  if (err.find("another search") != std::string::npos)
    throw usage_error("the certificates are of different searches: " + err);
  std::printf("subject: %s\n%zu shard certificate(s)\n", all.subject.c_str(), certs.size());
  if (!err.empty()) std::printf("not a proof: %s\n", err.c_str());
  std::printf("certificate: %s\n", all.summary().c_str());
  return exit_status(all);
}

// A shard's arguments under --jobs: the parent's without --jobs and --json
// (run_jobs adds --shard and --json of its own).
std::vector<std::string> shard_args(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--jobs" || a == "--json") {
      ++i;  // and its value
      continue;
    }
    if (a.starts_with("--jobs=") || a.starts_with("--json=")) continue;
    out.push_back(a);
  }
  return out;
}

// What --jobs prints: the finding shard's counterexample (its output past the
// header every shard prints, up to its own certificate line), what failed,
// each shard's certificate and the combined one, as --combine would.
int report_jobs(const tools::jobs_outcome& o, const std::string& header, int jobs,
                const std::optional<std::string>& json) {
  if (o.found_by >= 0) {
    std::string t = o.found_output;
    if (t.starts_with(header)) t.erase(0, header.size());
    const std::size_t cert_line = t.rfind("certificate: ");
    if (cert_line != std::string::npos) t.erase(cert_line);
    std::printf("counterexample of shard %d/%d:%s", o.found_by, jobs, t.c_str());
  }
  for (const std::string& f : o.failed)
    std::fprintf(stderr, "%s: --jobs: %s: the run is incomplete\n", tools::prove_tool_name(),
                 f.c_str());
  for (const std::string& n : o.notes) std::printf("%s\n", n.c_str());
  for (const model::certificate& c : o.shards)
    std::printf("shard %d/%d: %s\n", c.shard_index, c.shard_count, c.summary().c_str());
  std::printf("%zu shard certificate(s) of %d, combined; wall time %.3f s with %d processes\n",
              o.shards.size(), jobs, o.wall_seconds, jobs);
  if (!o.combine_error.empty() && !o.cert.found)
    std::printf("not a proof: %s\n", o.combine_error.c_str());
  std::printf("certificate: %s\n", o.cert.summary().c_str());
  if (json) {
    const std::string j = o.cert.json() + "\n";
    tools::write_atomically(*json, std::vector<uint8_t>(j.begin(), j.end()));
  }
  return exit_status(o.cert);
}

int run(int argc, char** argv) {
  std::optional<std::string> target, scenario_arg, zoo, program, model_arg, json;
  int threads = 0, bound = -1, shard_i = 0, shard_n = 1, jobs = 1;
  model::search_limits lim;
  lim.max_executions = 10'000'000;
  double progress_every = 10;
  bool list = false, combine = false, estimate_only = false, keep_stutters = false;
  double pilot_seconds = 1;
  bool keep_retries = false;
  std::uint64_t seed = 1;
  std::vector<std::string> rest;
  const std::string me = tools::prove_tool_name();
  CLI::App app{
      "Explores every schedule of a program under the model (DPOR by default) and prints its "
      "certificate: proven, a counterexample with its trace and replay token, or incomplete "
      "with what was covered.\n  " +
          me + " --target T --scenario S [--zoo NAME] [options]\n  " + me +
          " --program P --threads N [options]\n  " + me + " ... --jobs N [--bound K]\n  " + me +
          " ... --estimate [--bound K] [--budget-seconds S]\n  " + me +
          " --combine CERT.json...\n  " + me + " --list",
      me};
  app.footer(
      "Exit status: 0 proven (or, with --shard and no --bound, the shard complete), 4 a "
      "counterexample, 3 "
      "incomplete (a budget, a preemption bound, a missing shard, a --jobs shard that failed, "
      "named on stderr, or a nondeterministic program), 2 bad usage or input. --estimate exits "
      "0. A signal (SIGINT, SIGTERM, SIGHUP) stops a --jobs run's shards first, then the run "
      "dies of it (130, 143, 129 in a shell).");
  // Every option takes `--x V` and `--x=V`; a value is checked where it is
  // read, and a bad one is a usage error naming the option (exit 2).
  auto text = [&app](const char* name, std::optional<std::string>& into, const char* help) {
    app.add_option_function<std::string>(
           name,
           [&into, name](const std::string& v) {
             if (v.empty())
               throw usage_error(std::string(name) + " needs a value (got an empty one)");
             into = v;
           },
           help)
        ->type_name("TEXT");
  };
  auto value = [&app](const char* name, std::function<void(const std::string&)> read,
                      const char* help) {
    app.add_option_function<std::string>(name, std::move(read), help)->type_name("V");
  };
  text("--target", target, "kref_fuzzer, completion_fuzzer, module_unload_fuzzer, mixed_fuzzer");
  text("--scenario", scenario_arg,
       "a named scenario (--list) or a fuzz input FILE of target T (its schedule bytes are "
       "ignored: every schedule is explored)");
  text("--zoo", zoo, "run zoo set NAME instead of the correct primitives");
  text("--program", program, "a known-count program: kref_n, counter_n or writers_n");
  value(
      "--threads",
      [&](const std::string& v) { threads = static_cast<int>(number("--threads", v, 1, 8)); },
      "its thread count, 1..8");
  value(
      "--model",
      [&](const std::string& v) {
        if (v != "sc" && v != "c11") throw usage_error("--model is sc or c11, got '" + v + "'");
        model_arg = v;
      },
      "memory model sc|c11 (default c11; a FILE keeps its own unless given)");
  value(
      "--strategy",
      [&](const std::string& v) {
        if (!model::strategy_from_name(v, lim.how))
          throw usage_error("--strategy is dpor or dfs, got '" + v + "'");
      },
      "explorer dpor|dfs (default dpor)");
  value(
      "--bound",
      [&](const std::string& v) { bound = static_cast<int>(number("--bound", v, 0, 1000)); },
      "preemption bound K (dpor or dfs): \"complete within bound K\", never a proof");
  value(
      "--shard",
      [&](const std::string& v) {
        const auto slash = v.find('/');
        if (slash == std::string::npos) throw usage_error("--shard wants I/N, got '" + v + "'");
        shard_n = static_cast<int>(number("--shard (N)", v.substr(slash + 1), 1, 4096));
        shard_i = static_cast<int>(
            number("--shard (I)", v.substr(0, slash), 0, static_cast<std::uint64_t>(shard_n - 1)));
      },
      "explore shard I/N (0 <= I < N; with --bound K, of the search bounded at K); combine "
      "the N certificates");
  value(
      "--jobs", [&](const std::string& v) { jobs = static_cast<int>(number("--jobs", v, 1, 64)); },
      "run the search as N shard processes on this machine (1..64; default 1, one process) "
      "and print their combined certificate, as --shard i/N for each i then --combine "
      "would (dpor only; not with --shard, --combine, --estimate or --list); a "
      "counterexample, or a shard that fails, stops the others; --max-executions is each "
      "shard's budget, not split; --budget-seconds needs --bound K and is each shard's (they "
      "run at once: the run's too); progress lines name their shard; the certificate's time "
      "is the shards' sum, the wall time is printed beside it");
  value(
      "--max-executions",
      [&](const std::string& v) {
        lim.max_executions = number("--max-executions", v, 1, std::uint64_t{1} << 50);
      },
      "execution budget (default 10000000)");
  value(
      "--budget-seconds",
      [&](const std::string& v) { lim.max_seconds = seconds_value("--budget-seconds", v); },
      "time budget S of the whole run; with dpor and no --bound or --shard, it buys the "
      "strongest certificate that ends in S: the search without a bound first, then (unless "
      "that ended) bounds 0, 1, ... 8 in turn, each given up once its own online estimate "
      "says it cannot end in what is left; it reports the proof, or the largest bound whose "
      "search completed (bound 0, said plainly, if none did)");
  value(
      "--progress-seconds",
      [&](const std::string& v) { progress_every = seconds_value("--progress-seconds", v); },
      "progress line on stderr every S seconds (default 10; 0 never)");
  text("--json", json, "also write the certificate as JSON to FILE");
  app.add_flag("--estimate", estimate_only,
               "estimate the search's executions and time (random probes, then a pilot of the "
               "search itself) and stop");
  value(
      "--pilot-seconds",
      [&](const std::string& v) { pilot_seconds = seconds_value("--pilot-seconds", v); },
      "with --estimate: how long the pilot runs the search itself for its own online "
      "estimate (default 1; 0 no pilot)");
  value(
      "--seed",
      [&](const std::string& v) { seed = number("--seed", v, 1, ~std::uint64_t{0} >> 1); },
      "seed of the estimate's probes (default 1)");
  app.add_flag("--keep-stutters", keep_stutters,
               "explore stutters too (a compare_exchange_weak repeated right after its spurious "
               "failure; a futex wait repeated on the same value right after a spurious "
               "wake-up), which are pruned by default, and every schedule between a hinted "
               "re-check wait that returned at once and its re-check load; needed when a retry "
               "loop counts its retries or a wait loop its wake-ups (see fuzz/model/README.md)");
  app.add_flag("--keep-retries", keep_retries,
               "explore every schedule around a primitive's retry CAS (lastref/detail/retry.h) "
               "too, instead of running it right after the read it confirms; needed when a "
               "hinted loop counts its retries (see fuzz/model/README.md)");
  app.add_flag("--list", list, "list the named scenarios");
  app.add_flag("--combine", combine, "combine the shard certificates given as files");
  app.add_option("files", rest, "certificate files (with --combine)");
  lastref::cli::parse(app, argc, argv);
  if (jobs > 1) {
    // Checked before anything runs: each of these is a usage error (exit 2).
    for (const auto& [given, opt] : {std::pair{combine, "--combine"},
                                     {list, "--list"},
                                     {estimate_only, "--estimate"},
                                     {shard_n > 1, "--shard"}})
      if (given) throw usage_error(std::string("--jobs does not take ") + opt);
    if (lim.how != model::strategy::dpor)
      throw usage_error("--jobs needs --strategy dpor (its shards are dpor's)");
    if (lim.max_seconds > 0 && bound < 0)
      throw usage_error(
          "--jobs with --budget-seconds needs --bound K: the searches that pick a bound "
          "for the budget run in one process");
  }
  if (combine) {
    if (target || scenario_arg || program || list)
      throw usage_error("--combine takes only certificate files");
    return combine_files(rest);
  }
  if (!rest.empty()) throw usage_error("unexpected argument '" + rest[0] + "'");
  if (list) {
    for (const auto& s : tools::named_scenarios())
      std::printf("--target %s --scenario %-14s %s\n",
                  std::string(lastref::fuzz::target_name(s.target)).c_str(), s.name, s.what);
    std::printf("--program kref_n|counter_n|writers_n --threads N  known-count programs\n");
    return 0;
  }
  if (program && (target || scenario_arg || zoo))
    throw usage_error("--program does not take --target, --scenario or --zoo");
  if (!program && (!target || !scenario_arg))
    throw usage_error("give --target and --scenario, or --program and --threads");
  if (estimate_only && (lim.how != model::strategy::dpor || shard_n > 1 || json))
    throw usage_error("--estimate is for the dpor search, without --shard or --json");
  if (lim.how == model::strategy::dfs && shard_n > 1)
    throw usage_error("--shard needs --strategy dpor");
  lim.bound = bound;
  lastref::fuzz::model_options().prune_stutters = !keep_stutters;
  lastref::fuzz::model_options().prune_failed_retries = !keep_retries;
  lim.shard_index = shard_i;
  lim.shard_count = shard_n;
  lim.progress_seconds = progress_every;
  // A shard's progress lines name it (under --jobs they share one stderr).
  const std::string who =
      std::string(tools::prove_tool_name()) +
      (shard_n > 1 ? " shard " + std::to_string(shard_i) + "/" + std::to_string(shard_n)
                   : std::string());
  if (progress_every > 0)
    lim.on_progress = [who](std::uint64_t n, double f, double s) {
      if (f > 0 && f < 1)
        std::fprintf(stderr,
                     "%s: %llu executions, %.1f s, about %.2g%% explored (estimate "
                     "%.3g executions, %.3g s in all)\n",
                     who.c_str(), static_cast<unsigned long long>(n), s, 100 * f, n / f, s / f);
      else
        std::fprintf(stderr, "%s: %llu executions, %.1f s\n", who.c_str(),
                     static_cast<unsigned long long>(n), s);
    };

  // The estimate (--estimate), or the searches a budget buys
  // (--budget-seconds), or the search; `estimated` says --estimate ran
  // (nothing searched).
  bool estimated = false;
  model::estimate_options eo;
  eo.seed = seed;
  eo.bound = bound;
  eo.max_seconds = 10;  // --estimate's own limit: fewer probes past it
  auto show = [](int k, const model::estimate_result& e) {
    const std::string at = k < 0 ? "without a bound" : "at bound " + std::to_string(k);
    if (e.exact)
      std::printf("estimate %s: exactly %.0f executions, %.3g s (a probe ran the whole search)\n",
                  at.c_str(), e.executions, e.seconds);
    else
      std::printf(
          "estimate %s: about %.3g executions (standard error %.2g), %.3g s; probes %d: "
          "10%%-90%% %.3g..%.3g, all %.3g..%.3g; %llu executions, %.3g s\n",
          at.c_str(), e.executions, e.std_error, e.seconds, e.probes, e.p10, e.p90, e.low, e.high,
          static_cast<unsigned long long>(e.probe_executions), e.probe_seconds);
    if (!e.exact && !(e.std_error <= 0.25 * e.executions))
      std::printf(
          "estimate %s: its standard error is over a quarter of it: the mean rests on a "
          "few probes' heavy paths\n",
          at.c_str());
    std::fflush(stdout);
  };
  // How far to trust it: measured in fuzz/model/README.md ("Bounded DPOR
  // and the estimate before running").
  const char* trust =
      "estimate: Knuth's estimator over random probes of the DPOR tree without sleep sets: it "
      "mostly errs high, measured 1x (counter_n) to 3-11x (kref_n) to 30-6500x (lookup "
      "tables) unbounded, but 13x low on completion1x3 under sc; under a bound within 1.6x "
      "with thousands of probes, low with a few dozen; a guide to the order of magnitude at "
      "best, never a count\n";
  std::optional<tools::jobs_outcome> shards;  // --jobs N > 1: what the shards did
  auto run_search = [&](const model::explore_fn& x, const std::string& subj) {
    model::search_result out;
    if (jobs > 1) {
      shards = tools::run_jobs(argv[0], shard_args(argc, argv), jobs);
      out.cert = shards->cert;
      return out;
    }
    auto picked_text = [](const model::bound_choice& c) {
      return !c.fits ? std::string(
                           "NOTHING fits, not even bound 0: bound 0 anyway, expected "
                           "not to finish in time")
             : c.bound < 0 ? std::string("no bound (the whole search fits)")
                           : "bound " + std::to_string(c.bound) +
                                 " (the largest bound estimated whose estimate fits)";
    };
    if (estimate_only) {
      show(bound, model::estimate(x, eo));
      if (pilot_seconds > 0) {
        // The search itself for a while: its online estimate (dpor.h,
        // progress()) errs low where the probes err high.
        model::search_limits pl = lim;
        pl.max_seconds = pilot_seconds;
        pl.on_progress = nullptr;
        const model::certificate p = model::search(x, pl, subj).cert;
        const std::string at = bound < 0 ? "without a bound" : "at bound " + std::to_string(bound);
        if (p.complete || p.found)
          std::printf("pilot %s: the search %s: exactly %llu executions, %.3g s\n", at.c_str(),
                      p.found ? "found a failure" : "ended",
                      static_cast<unsigned long long>(p.executions), p.seconds);
        else
          std::printf(
              "pilot %s: %llu executions in %.3g s, about %.3g%% explored: about %.3g "
              "executions, %.3g s in all (the search's own online estimate: it errs low, as "
              "backtrack sets grow; measured 1.4x low at 89%% explored, 360x low on a big "
              "search after 1 s)\n",
              at.c_str(), static_cast<unsigned long long>(p.executions), p.seconds,
              100 * p.fraction_done,
              p.fraction_done > 0 ? static_cast<double>(p.executions) / p.fraction_done : 0.0,
              p.fraction_done > 0 ? p.seconds / p.fraction_done : 0.0);
        std::fflush(stdout);
      }
      if (lim.max_seconds > 0 && bound < 0) {
        eo.max_seconds = 0;  // pick_bound's own share of the budget limits it
        const model::bound_choice c = model::pick_bound(x, lim.max_seconds, 8, eo, show);
        std::printf(
            "these estimates would pick %s for %g s (they took %.3g s); --budget-seconds "
            "itself runs the searches instead (the whole search, then bounds 0, 1, ...) and "
            "reports the largest that ends in time\n",
            picked_text(c).c_str(), lim.max_seconds, c.probe_seconds);
      }
      std::printf("%s", trust);
      estimated = true;
      return out;
    }
    if (lim.how == model::strategy::dpor && lim.max_seconds > 0 && bound < 0 && shard_n == 1) {
      // The budget buys the whole search if it ends in time, else the
      // largest bound whose search does (budget.h): searches, not a guess.
      auto show_attempt = [](const model::budget_attempt& a) {
        const std::string at =
            a.bound < 0 ? "without a bound" : "at bound " + std::to_string(a.bound);
        std::printf("budget: search %s: %s\n", at.c_str(), a.cert.summary().c_str());
        if (std::string(a.cert.stopped_by) == "given up")
          std::printf("budget: (its online estimate: about %.3g s in all)\n", a.estimated_seconds);
        std::fflush(stdout);
      };
      const model::budget_outcome b =
          model::search_within(x, lim, lim.max_seconds, 8, subj, show_attempt);
      return b.result;
    }
    out = model::search(x, lim, subj);
    return out;
  };
  model::search_result r;
  std::string subject, token, header;  // header: what a shard prints first too
  if (program) {
    if (threads == 0) throw usage_error("--program wants --threads N");
    model::run_options o;
    o.memory = model_arg == "sc" ? model::memory_model::sc : model::memory_model::c11;
    o.prune_stutters = !keep_stutters;
    o.prune_failed_retries = !keep_retries;
    model::program_factory f;
    if (*program == "kref_n")
      f = model::factory<model::known::kref_n>(threads);
    else if (*program == "counter_n")
      f = model::factory<model::known::counter_n>(threads);
    else if (*program == "writers_n")
      f = model::factory<model::known::writers_n>(threads);
    else
      throw usage_error("unknown --program '" + *program + "' (kref_n, counter_n, writers_n)");
    subject = "program=" + *program + " threads=" + std::to_string(threads) +
              " model=" + (o.memory == model::memory_model::sc ? "sc" : "c11") +
              (keep_stutters ? " stutters=kept" : "") + (keep_retries ? " retries=kept" : "");
    header = "subject: " + subject + "\n";
    std::printf("%s", header.c_str());
    std::fflush(stdout);
    model::checker c;
    r = run_search(
        [&](model::schedule_source& s, std::uint64_t n) { return c.explore(f, s, n, o); }, subject);
  } else {
    if (threads != 0) throw usage_error("--threads is for --program");
    const auto t = lastref::fuzz::target_from_name(*target);
    if (!t) throw usage_error("unknown --target '" + *target + "' (" + tools::target_list() + ")");
    std::vector<uint8_t> bytes;
    std::string scen_name = *scenario_arg;
    if (auto named = tools::named_scenario_bytes(*scenario_arg, model_arg != "sc")) {
      for (const auto& s : tools::named_scenarios())
        if (scen_name == s.name && s.target != *t)
          throw usage_error("scenario " + scen_name + " is for --target " +
                            std::string(lastref::fuzz::target_name(s.target)));
      bytes = *named;
    } else {
      bytes = tools::read_input(*scenario_arg);
      if (model_arg) tools::set_memory_model_bit(bytes, *model_arg == "c11");
    }
    std::string why;
    const tools::prove_set* set = tools::prove_set_for(*t, zoo, why);
    if (set == nullptr) throw usage_error(why);
    tools::init_runtime(zoo);
    // The scenario as the set will run it (header only: no schedule bytes).
    lastref::fuzz::scenario s = lastref::fuzz::decode(*t, bytes);
    bytes.resize(std::min(bytes.size(), s.header_bytes));
    const lastref::fuzz::scenario shown = set->adapted(*t, bytes);
    const bool c11 = lastref::fuzz::memory_model_of(shown) == model::memory_model::c11;
    // Symmetry reduction (model::program::symmetry_class): the interpreter
    // declares threads with identical op lists twins; each runs only after
    // the previous twin's first step.
    const auto twins = lastref::fuzz::symmetry_classes(shown);
    std::string sym, sym_text;
    for (int c = 0; c < shown.cfg.threads; ++c) {
      std::string cls;
      for (int u = 0; u < shown.cfg.threads; ++u)
        if (twins[static_cast<std::size_t>(u)] == c)
          cls += (cls.empty() ? "T" : "=T") + std::to_string(u);
      if (cls.empty()) continue;
      sym += (sym.empty() ? " symmetry=" : ",") + cls;
      sym_text += (sym_text.empty() ? "" : "; ") + cls;
    }
    subject = "target=" + std::string(lastref::fuzz::target_name(*t)) + " set=" + set->name +
              " model=" + (c11 ? "c11" : "sc") + " scenario=" + hex(bytes) + sym +
              (keep_stutters ? " stutters=kept" : "") + (keep_retries ? " retries=kept" : "");
    header = "subject: " + subject + "\n" + print(shown, set->name);
    if (!sym_text.empty())
      header += "symmetry reduction: twins " + sym_text +
                " (identical op lists): each twin runs only after the one before it took its "
                "first step; executions in which a later twin starts first are covered by "
                "renaming (fuzz/model/README.md, \"Symmetry\")\n";
    std::printf("%s", header.c_str());
    std::fflush(stdout);
    r = run_search([&](model::schedule_source& src,
                       std::uint64_t n) { return set->explore(*t, bytes, src, n); },
                   subject);
    if (r.cert.found && !r.failure.token.empty())
      token = lastref::fuzz::encode_program_token(*t, set->zoo ? set->name : std::string(), bytes,
                                                  r.failure.token);
  }
  if (estimated) return 0;
  if (shards) return report_jobs(*shards, header, jobs, json);
  if (r.cert.found) std::printf("\n%s\n", r.failure.report().c_str());
  if (!token.empty()) std::printf("replay: %s %s\n", tools::prove_replay_command(), token.c_str());
  std::printf("certificate: %s\n", r.cert.summary().c_str());
  if (json) {
    const std::string j = r.cert.json() + "\n";
    tools::write_atomically(*json, std::vector<uint8_t>(j.begin(), j.end()));
  }
  return exit_status(r.cert);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s: %s\n(%s --help for usage)\n", tools::prove_tool_name(), e.what(),
                 tools::prove_tool_name());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", tools::prove_tool_name(), e.what());
    return 2;
  }
}
