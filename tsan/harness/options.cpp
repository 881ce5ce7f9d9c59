// SPDX-License-Identifier: MIT
#include "options.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

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

void print_usage(std::FILE* to, const harness_info& info, const std::vector<extra_option>& extra) {
  std::fprintf(to,
               "usage: %s [options]\n"
               "  %s\n"
               "options:\n"
               "  --seed N          seed of the jitter and every random choice (default 1)\n"
               "  --threads N       worker threads, %u..%u (default %u)\n"
               "  --iterations N    rounds per worker (default %llu; 0 = time-bounded only)\n"
               "  --duration-ms N   stop after N ms (0 = count-bounded only; max %llu)\n"
               "  --jitter N        0 none, 1 yields, 2 +spins, 3 +sleeps (default 0)\n",
               info.name.c_str(), info.summary.c_str(), info.min_threads, info.max_threads,
               info.default_threads, static_cast<unsigned long long>(info.default_iterations),
               static_cast<unsigned long long>(max_duration_ms));
  if (!info.variants.empty())
    std::fprintf(to, "  --variant NAME    %s (default %s)\n", join(info.variants).c_str(),
                 info.variants.front().c_str());
  for (const auto& e : extra) {
    std::string lhs = "--" + e.name + (e.flag ? "" : " V");
    std::fprintf(to, "  %-17s %s\n", lhs.c_str(), e.help.c_str());
  }
  std::fprintf(to, "  --help            this text\n");
}

[[noreturn]] void fail(const harness_info& info, const std::vector<extra_option>& extra,
                       const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", info.name.c_str(), message.c_str());
  print_usage(stderr, info, extra);
  std::exit(2);
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
  bool count_given = false;
  bool time_given = false;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage(stdout, info, extra);
      std::exit(0);
    }
    if (arg.substr(0, 2) != "--")
      fail(info, extra, "unexpected argument '" + std::string(arg) + "'");
    std::string_view name = arg.substr(2);
    std::string_view value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }

    const extra_option* ext = nullptr;
    for (const auto& e : extra)
      if (e.name == name) ext = &e;
    bool known = name == "seed" || name == "threads" || name == "iterations" ||
                 name == "duration-ms" || name == "jitter" ||
                 (name == "variant" && !info.variants.empty()) || ext != nullptr;
    if (!known) fail(info, extra, "unknown option '--" + std::string(name) + "'");

    if (ext && ext->flag) {
      if (has_value) fail(info, extra, "option '--" + std::string(name) + "' takes no value");
      ext->set("");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) fail(info, extra, "option '--" + std::string(name) + "' needs a value");
      value = argv[++i];
    }
    auto bad = [&](const std::string& why) {
      fail(info, extra,
           "bad value '" + std::string(value) + "' for --" + std::string(name) + ": " + why);
    };

    uint64_t n = 0;
    if (name == "seed") {
      if (!parse_u64(value, n)) bad("expected an unsigned integer");
      o.seed = n;
    } else if (name == "threads") {
      if (!parse_u64(value, n) || n < info.min_threads || n > info.max_threads)
        bad(info.min_threads == info.max_threads
                ? "this harness's protocol has exactly " + std::to_string(info.max_threads) +
                      " worker thread(s): --threads " + std::to_string(info.max_threads) + " only"
                : "expected " + std::to_string(info.min_threads) + ".." +
                      std::to_string(info.max_threads));
      o.threads = static_cast<unsigned>(n);
    } else if (name == "iterations") {
      if (!parse_u64(value, n)) bad("expected an unsigned integer");
      o.iterations = n;
      count_given = true;
    } else if (name == "duration-ms") {
      if (!parse_u64(value, n) || n > max_duration_ms)
        bad("expected 0.." + std::to_string(max_duration_ms));
      o.duration_ms = n;
      time_given = true;
    } else if (name == "jitter") {
      if (!parse_u64(value, n) || n > 3) bad("expected 0..3");
      o.jitter = static_cast<unsigned>(n);
    } else if (name == "variant") {
      bool ok = false;
      for (const auto& v : info.variants) ok = ok || v == value;
      if (!ok) bad("expected one of " + join(info.variants));
      o.variant = std::string(value);
    } else if (!ext->set(value)) {
      bad("see --help");
    }
  }

  // Always bounded: a count, a time, or both.
  if (!count_given) o.iterations = time_given && o.duration_ms > 0 ? 0 : info.default_iterations;
  if (o.iterations == 0 && o.duration_ms == 0)
    fail(info, extra, "--iterations 0 needs a --duration-ms bound");
  return o;
}

}  // namespace lastref::tsan
