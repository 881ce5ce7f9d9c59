// SPDX-License-Identifier: MIT
// lastref-minimize: shrink a failing fuzz input to the fewest operations,
// threads and schedule choices (hence preemptions) that still fail the same
// way, write it, and print the minimized scenario with its trace.
// See fuzz/README.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <string>

#include "../registry.h"
#include "tool_common.h"

namespace {

using namespace lastref::fuzz;
namespace model = lastref::model;

// An editable form of a decoded input.
struct candidate {
  program_spec spec;
  std::vector<uint8_t> schedule;
};

candidate from_scenario(const scenario& s) {
  candidate c;
  const config& cfg = s.cfg;
  c.spec.threads = cfg.threads;
  c.spec.two_objects = cfg.objects == 2;
  c.spec.two_completions = cfg.completions == 2;
  c.spec.release = cfg.release;
  c.spec.policy = cfg.policy;
  c.spec.on_stack = cfg.on_stack_bit;
  c.spec.impl_byte = cfg.impl_byte;
  for (int t = 0; t < cfg.threads; ++t)
    for (const step& o : s.programs[static_cast<size_t>(t)])
      c.spec.programs[static_cast<size_t>(t)].emplace_back(o.rewritten ? o.from : o.code, o.arg);
  c.schedule.assign(s.schedule.begin(), s.schedule.end());
  return c;
}

class minimizer {
 public:
  minimizer(target_kind t, model::failure_kind kind, std::chrono::steady_clock::time_point until)
      : t_(t), kind_(kind), until_(until) {}

  // Past the time bound every candidate counts as not failing, so each pass
  // ends at once and shrink() returns the best input found so far.
  bool fails(const candidate& c) {
    if (out_of_time_ || ((runs_ & 63) == 0 && std::chrono::steady_clock::now() >= until_)) {
      out_of_time_ = true;
      return false;
    }
    ++runs_;
    const auto bytes = encode(t_, c.spec, c.schedule);
    scenario s = decode(t_, bytes);
    const impl_entry& impl = impl_for(s);
    adapt_to_impl(s, impl);
    return impl.run(s, run_request{}).kind == kind_;
  }

  // fails(c), or — when the structural change shifted the decisions the
  // schedule relied on — fails with one of `reschedule_budget` random
  // schedules of at most as many preemptions (c.schedule is then replaced).
  bool fails_rescheduled(candidate& c) {
    if (fails(c)) return true;
    const size_t pairs = c.schedule.size() / 2;
    std::vector<uint8_t> sched;
    for (int i = 0; i < reschedule_budget; ++i) {
      sched.assign(2 * (1 + rng_() % std::max<size_t>(pairs, 1)), 0);
      for (auto& b : sched) b = static_cast<uint8_t>(rng_());
      std::swap(c.schedule, sched);
      if (fails(c)) return true;
      std::swap(c.schedule, sched);
    }
    return false;
  }

  // A failing schedule with exactly `pairs` preemptions, by random search.
  bool fails_with_pairs(candidate& c, size_t pairs) {
    std::vector<uint8_t> sched(2 * pairs);
    for (int i = 0; i < (pairs == 0 ? 1 : reschedule_budget); ++i) {
      for (auto& b : sched) b = static_cast<uint8_t>(rng_());
      candidate t = c;
      t.schedule = sched;
      if (fails(t)) {
        c = std::move(t);
        return true;
      }
    }
    return false;
  }

  // Greedy passes until a whole round changes nothing.
  candidate shrink(candidate best) {
    for (bool progress = true; progress;) {
      progress = false;
      // Fewer threads (drop any thread, keeping at least two).
      for (int t = best.spec.threads - 1; t >= 0 && best.spec.threads > 2; --t) {
        candidate c = best;
        for (int u = t; u + 1 < c.spec.threads; ++u)
          c.spec.programs[static_cast<size_t>(u)] = c.spec.programs[static_cast<size_t>(u + 1)];
        c.spec.programs[static_cast<size_t>(c.spec.threads - 1)].clear();
        --c.spec.threads;
        if (fails_rescheduled(c)) best = std::move(c), progress = true;
      }
      // Fewer operations.
      for (int t = 0; t < best.spec.threads; ++t) {
        auto& prog = best.spec.programs[static_cast<size_t>(t)];
        for (size_t i = prog.size(); i-- > 0;) {
          candidate c = best;
          auto& p = c.spec.programs[static_cast<size_t>(t)];
          p.erase(p.begin() + static_cast<std::ptrdiff_t>(i));
          if (fails_rescheduled(c)) best = std::move(c), progress = true;
        }
      }
      // Simpler configuration.
      for (int bit = 0; bit < 3; ++bit) {
        candidate c = best;
        bool* flag = bit == 0   ? &c.spec.two_objects
                     : bit == 1 ? &c.spec.two_completions
                                : &c.spec.on_stack;
        if (!*flag) continue;
        *flag = false;
        if (fails_rescheduled(c)) best = std::move(c), progress = true;
      }
      // Fewer preemptions: the schedule bytes are (skip, pick) pairs, one
      // preemption each (schedule_bytes.h). Search for a schedule with fewer
      // pairs; then drop pairs or cut the tail of the one we have.
      for (size_t k = 0; k < best.schedule.size() / 2; ++k) {
        candidate c = best;
        if (fails_with_pairs(c, k)) {
          best = std::move(c);
          progress = true;
          break;
        }
      }
      for (size_t cut = 0; cut < best.schedule.size(); cut += 2) {
        candidate c = best;
        c.schedule.resize(cut);
        if (fails(c)) {
          best = std::move(c);
          progress = true;
          break;
        }
      }
      for (size_t i = best.schedule.size() & ~size_t{1}; i >= 2; i -= 2) {
        candidate c = best;
        c.schedule.erase(
            c.schedule.begin() + static_cast<std::ptrdiff_t>(i - 2),
            c.schedule.begin() + static_cast<std::ptrdiff_t>(std::min(i, c.schedule.size())));
        if (fails(c)) best = std::move(c), progress = true;
      }
    }
    return best;
  }

  [[nodiscard]] size_t runs() const noexcept { return runs_; }
  [[nodiscard]] bool out_of_time() const noexcept { return out_of_time_; }

 private:
  static constexpr int reschedule_budget = 3000;
  target_kind t_;
  model::failure_kind kind_;
  std::chrono::steady_clock::time_point until_;
  size_t runs_ = 0;
  bool out_of_time_ = false;
  std::mt19937_64 rng_{1};  // fixed seed: minimizing is deterministic
};

int run(int argc, char** argv) {
  CLI::App app{
      "Shrinks the failing fuzz input FILE: drops operations, threads, configuration bits and "
      "preemptions while the scenario still fails with the same kind of violation (after a "
      "structural change it searches a few thousand schedules with no more preemptions). Writes "
      "OUT (written to a temporary name and renamed) and prints it.\nExit status: 0 minimized, "
      "1 FILE does not fail, 2 bad input.",
      "lastref-minimize"};
  tools::input_options in;
  tools::add_input_options(app, in);
  std::string out_opt;
  lastref::cli::add_text(app, "-o,--out", out_opt, "where to write the result (default FILE.min)",
                         "OUT");
  long max_seconds = 120;
  lastref::cli::add_number(app, "--max-seconds", max_seconds, 1L, 86400L,
                           "bound on the search, seconds (default 120): at the bound the "
                           "smallest failing input found so far is written");
  lastref::cli::parse(app, argc, argv);
  const std::string* file = &tools::checked_file(in);
  const std::optional<std::string>& target = in.target;
  const std::optional<std::string>& zoo = in.zoo;
  const bool pad = in.pad;
  const std::optional<std::string> out =
      out_opt.empty() ? std::nullopt : std::optional<std::string>(out_opt);
  // Every input is checked before the search starts.
  const std::string out_path = out ? *out : *file + ".min";
  {
    std::error_code ec;
    if (std::filesystem::is_directory(out_path, ec))
      throw tools::usage_error(out_path + " is a directory: -o takes a file name");
  }
  const target_kind t = tools::resolve_target(target, *file);
  const auto bytes = tools::read_input(*file);
  tools::init_runtime(zoo);
  scenario s = tools::decode_checked(t, bytes, pad, *file);
  const impl_entry& impl = impl_for(s);
  adapt_to_impl(s, impl);
  const model::result first = impl.run(s, run_request{});
  if (first.ok()) {
    std::fprintf(stderr, "lastref-minimize: %s does not fail; nothing to minimize\n",
                 file->c_str());
    return 1;
  }
  const size_t ops_before = s.op_count();
  tools::preemption_counter preemptions;
  const int preempt_before = [&] {
    (void)impl.run(s, run_request{.obs = &preemptions});
    return preemptions.last();
  }();

  minimizer m(t, first.kind, std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds));
  const candidate best = m.shrink(from_scenario(s));
  const auto min_bytes = encode(t, best.spec, best.schedule);
  tools::write_atomically(out_path, min_bytes);
  if (m.out_of_time())
    std::fprintf(stderr,
                 "lastref-minimize: stopped at the --max-seconds bound (%ld s); writing the "
                 "smallest failing input found so far\n",
                 max_seconds);
  scenario ms = decode(t, min_bytes);
  adapt_to_impl(ms, impl_for(ms));
  (void)impl_for(ms).run(ms, run_request{.obs = &preemptions});  // traced runs are not observed
  const int preempt_after = preemptions.last();
  const model::result r = impl_for(ms).run(ms, run_request{.traced = true});
  std::printf("%s", print(ms, impl_for(ms).name).c_str());
  std::printf("\ntrace:\n%s\n", r.trace.c_str());
  std::printf("verdict: FAIL %s: %s\n", model::failure_name(r.kind), r.message.c_str());
  std::printf(
      "minimized %s -> %s in %zu runs: %zu -> %zu bytes, %zu -> %zu ops, %d -> %d preemptions\n",
      file->c_str(), out_path.c_str(), m.runs(), bytes.size(), min_bytes.size(), ops_before,
      ms.op_count(), preempt_before, preempt_after);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const tools::usage_error& e) {
    std::fprintf(stderr, "lastref-minimize: %s\n(lastref-minimize --help for usage)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // A file-system error on the way (say, a directory vanished): a message
    // and exit 2, never an abort.
    std::fprintf(stderr, "lastref-minimize: %s\n", e.what());
    return 2;
  }
}
