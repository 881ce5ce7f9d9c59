// SPDX-License-Identifier: MIT
#pragma once
// lastref command-line conventions, on CLI11 — the one parser of every C++
// tool of the suite (lastref-replay, lastref-minimize, lastref-scorecard,
// the standalone fuzz driver, the stress harnesses, the benchmarks' own
// flags), so they all accept the same forms and fail the same way.
//
// Contract:
//   - every option takes `--name V` and `--name=V`;
//   - numbers are whole decimals: digits only, no sign, no base prefix
//     ("089" is 89, never octal; "0x40", "+5", "-1", "1e3" are refused),
//     within the [lo, hi] the option states, without overflow;
//   - a text option refuses an empty value;
//   - parse() prints --help to stdout and exits 0; any usage error prints
//     "<tool>: <message naming the option>" and a pointer to --help to
//     stderr and exits 2. usage_error() does the same for checks a tool
//     makes after parsing (an unknown variant, a missing file).
//
// Lifetime rule: the variables an option writes must outlive parse().
//
// Memory ordering: none; parsing happens before any thread starts.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

namespace lastref::cli {

// `text` as a whole decimal in [lo, hi], or a CLI::ValidationError naming
// `option`.
template <class T>
T parse_decimal(const std::string& option, const std::string& text, T lo, T hi) {
  static_assert(std::is_integral_v<T>);
  const std::string range = "a whole number from " + std::to_string(lo) + " to " +
                            std::to_string(hi) + ", got '" + text + "'";
  if (text.empty()) throw CLI::ValidationError(option, "needs " + range);
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') throw CLI::ValidationError(option, "takes " + range);
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
      throw CLI::ValidationError(option, "takes " + range);
    v = v * 10 + d;
  }
  if (v < static_cast<std::uint64_t>(lo) || v > static_cast<std::uint64_t>(hi))
    throw CLI::ValidationError(option, "takes " + range);
  return static_cast<T>(v);
}

// --name N: a whole decimal in [lo, hi] into `into`.
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& name, T& into, T lo, T hi,
                        const std::string& help) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  return app
      .add_option_function<std::string>(
          name,
          [&into, name, lo, hi](const std::string& v) { into = parse_decimal<T>(name, v, lo, hi); },
          help + " (" + std::to_string(lo) + ".." + std::to_string(hi) + ")")
      ->type_name("N");
}

// --name V: a non-empty text into `into`.
inline CLI::Option* add_text(CLI::App& app, const std::string& name, std::string& into,
                             const std::string& help, const std::string& type = "TEXT") {
  return app
      .add_option_function<std::string>(
          name,
          [&into, name](const std::string& v) {
            if (v.empty()) throw CLI::ValidationError(name, "needs a value (got an empty one)");
            into = v;
          },
          help)
      ->type_name(type);
}

// A usage error found after parsing: the message, a pointer to --help, exit 2.
[[noreturn]] inline void usage_error(const CLI::App& app, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n(%s --help for usage)\n", app.get_name().c_str(), message.c_str(),
               app.get_name().c_str());
  std::exit(2);
}

// Parses argv (argv[0] is the program); --help: usage to stdout, exit 0;
// a usage error: its message on stderr, exit 2.
inline void parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help
      std::fputs(app.help().c_str(), stdout);
      std::exit(0);
    }
    usage_error(app, e.what());
  }
}

}  // namespace lastref::cli
