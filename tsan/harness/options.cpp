// SPDX-License-Identifier: MIT
#include "options.h"

#include <lastref/cli.h>

#include <charconv>

namespace lastref::tsan {

namespace {

constexpr uint64_t max_duration_ms = 10 * 60 * 1000;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += '|';
    s += x;
  }
  return s;
}

}  // namespace

bool parse_u64(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec != std::errc{} || end != text.data() + text.size()) return false;
  out = v;
  return true;
}

extra_option choice_option(std::string name, std::string help, std::vector<std::string> choices,
                           std::string* target) {
  help += " (" + join(choices) + ")";
  return extra_option{std::move(name), std::move(help),
                      [choices = std::move(choices), target](std::string_view v) {
                        for (const auto& c : choices)
                          if (c == v) {
                            *target = c;
                            return true;
                          }
                        return false;
                      }};
}

extra_option number_option(std::string name, std::string help, uint64_t lo, uint64_t hi,
                           uint64_t* target) {
  help += " (" + std::to_string(lo) + ".." + std::to_string(hi) + ")";
  return extra_option{std::move(name), std::move(help), [lo, hi, target](std::string_view v) {
                        uint64_t n = 0;
                        if (!parse_u64(v, n) || n < lo || n > hi) return false;
                        *target = n;
                        return true;
                      }};
}

options parse_options(int argc, char** argv, const harness_info& info,
                      const std::vector<extra_option>& extra) {
  options o;
  o.threads = info.default_threads;
  if (!info.variants.empty()) o.variant = info.variants.front();

  CLI::App app{info.summary, info.name};
  cli::add_number(app, "--seed", o.seed, uint64_t{0}, UINT64_MAX,
                  "seed of the jitter and every random choice (default 1)");
  const std::string threads_why =
      info.min_threads == info.max_threads
          ? "this harness's protocol has exactly " + std::to_string(info.max_threads) +
                " worker thread(s): --threads " + std::to_string(info.max_threads) + " only"
          : "takes a whole number from " + std::to_string(info.min_threads) + " to " +
                std::to_string(info.max_threads);
  app.add_option_function<std::string>(
         "--threads",
         [&o, &info, threads_why](const std::string& v) {
           uint64_t n = 0;
           if (!parse_u64(v, n) || n < info.min_threads || n > info.max_threads)
             throw CLI::ValidationError("--threads", "bad value '" + v + "': " + threads_why);
           o.threads = static_cast<unsigned>(n);
         },
         "worker threads, " + std::to_string(info.min_threads) + ".." +
             std::to_string(info.max_threads) + " (default " +
             std::to_string(info.default_threads) + ")")
      ->type_name("N");
  cli::add_number(app, "--iterations", o.iterations, uint64_t{0}, UINT64_MAX,
                  "rounds per worker (default " + std::to_string(info.default_iterations) +
                      "; 0 = time-bounded only)");
  cli::add_number(app, "--duration-ms", o.duration_ms, uint64_t{0}, max_duration_ms,
                  "stop after N ms (0 = count-bounded only)");
  cli::add_number(app, "--jitter", o.jitter, 0u, 3u, "0 none, 1 yields, 2 +spins, 3 +sleeps");
  if (!info.variants.empty()) {
    app.add_option_function<std::string>(
           "--variant",
           [&o, &info](const std::string& v) {
             for (const auto& x : info.variants)
               if (x == v) {
                 o.variant = v;
                 return;
               }
             throw CLI::ValidationError(
                 "--variant", "bad value '" + v + "': expected one of " + join(info.variants));
           },
           join(info.variants) + " (default " + info.variants.front() + ")")
        ->type_name("NAME");
  }
  for (const auto& e : extra) {
    const std::string name = "--" + e.name;
    if (e.flag) {
      app.add_flag_callback(
          name, [&e] { e.set(""); }, e.help);
    } else {
      app.add_option_function<std::string>(
             name,
             [&e, name](const std::string& v) {
               if (!e.set(v))
                 throw CLI::ValidationError(name, "bad value '" + v + "' (see --help)");
             },
             e.help)
          ->type_name("V");
    }
  }
  cli::parse(app, argc, argv);

  // Always bounded: a count, a time, or both.
  const bool count_given = app.count("--iterations") > 0;
  const bool time_given = app.count("--duration-ms") > 0;
  if (!count_given) o.iterations = time_given && o.duration_ms > 0 ? 0 : info.default_iterations;
  if (o.iterations == 0 && o.duration_ms == 0)
    cli::usage_error(app, "--iterations 0 needs a --duration-ms bound");
  return o;
}

}  // namespace lastref::tsan
