// SPDX-License-Identifier: MIT
// In-process detectors of the scorecard (detectors.h).
#include "detectors.h"

#include <algorithm>
#include <chrono>

#include <lastref/model/dpor.h>
#include <lastref/model/failure.h>
#include <lastref/model/search.h>

#include "replay_token.h"

namespace lastref::fuzz::scorecard {
namespace {

// splitmix64: small, seedable, the same on every platform.
class rng {
 public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E37'79B9'7F4A'7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }

 private:
  std::uint64_t s_;
};

// Fresh random schedule bytes for every execution, decoded by the fuzz
// targets' own bytes_source. Run lengths are drawn small (0..15) so that the
// preemptions land inside the execution, as mutated fuzzer inputs mostly do.
class random_bytes_source final : public model::schedule_source {
 public:
  explicit random_bytes_source(std::uint64_t seed) : rng_(seed) {}
  void begin_execution() override {
    buf_.resize(2 + rng_.below(15));
    for (size_t i = 0; i < buf_.size(); ++i)
      buf_[i] = static_cast<std::uint8_t>(i % 2 == 0 ? rng_.below(16) : rng_.next());
    inner_.reset(buf_.data(), buf_.size());
    inner_.begin_execution();
  }
  int choose(const model::decision& d) override { return inner_.choose(d); }
  [[nodiscard]] const char* name() const noexcept override { return "random_bytes"; }

 private:
  rng rng_;
  std::vector<std::uint8_t> buf_;
  model::bytes_source inner_;
};

void fill(outcome& out, const model::result& r) {
  out.found = true;
  out.kind = model::failure_name(r.kind);
  out.message = r.message;
  out.report = r.report();
  out.choices = r.choices;
}

}  // namespace

std::string_view detector_name(detector d) noexcept {
  switch (d) {
    case detector::bytes:
      return "bytes";
    case detector::random:
      return "random";
    case detector::pct:
      return "pct";
    case detector::dfs:
      return "dfs";
    case detector::input:
      return "input";
    case detector::dpor:
      return "dpor";
  }
  return "?";
}

std::optional<detector> detector_from_name(std::string_view n) noexcept {
  for (auto d : {detector::bytes, detector::random, detector::pct, detector::dfs, detector::input,
                 detector::dpor})
    if (detector_name(d) == n) return d;
  return std::nullopt;
}

outcome detect(const entry& set, const entry& witness, detector d, const detect_options& o) {
  outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  auto finish = [&] {
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  };
  auto explore = [&](model::schedule_source& src, std::uint64_t budget) {
    const model::explore_result r = set.explore(witness, src, budget);
    out.executions += r.executions;
    if (r.found()) {
      fill(out, r.failure);
      // A token that carries the witness and the set (replay_token.h), for
      // the sets lastref-replay can select.
      if (!r.failure.token.empty() && (set.zoo || set.name.starts_with("correct/")))
        out.report += "replay: lastref-replay " +
                      encode_program_token(witness.target, set.zoo ? set.name : std::string(),
                                           witness.witness, r.failure.token) +
                      "\n";
    }
    return r;
  };
  switch (d) {
    case detector::bytes: {
      random_bytes_source src(o.seed);
      explore(src, o.budget);
      break;
    }
    case detector::random: {
      model::random_source src(o.seed, model::random_source::mode::uniform);
      explore(src, o.budget);
      break;
    }
    case detector::pct: {
      model::pct_source src(o.seed, o.pct_depth);
      explore(src, o.budget);
      break;
    }
    case detector::dfs: {
      for (int bound = 0; bound <= o.dfs_max_bound && out.executions < o.budget; ++bound) {
        model::dfs_source src(bound, bound);  // as many stale reads (c11) as preemptions
        const auto r = explore(src, o.budget - out.executions);
        out.dfs_bound = bound;
        if (r.found()) break;
        out.exhausted = r.complete;
      }
      model::certificate c;
      c.how = model::strategy::dfs;
      c.bound = out.dfs_bound;
      c.found = out.found;
      c.complete = out.exhausted;
      c.executions = out.executions;
      c.max_executions = o.budget;
      c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out.certificate = c.summary();
      break;
    }
    case detector::dpor: {
      // Chunks of the budget, so the certificate can say how far it got.
      model::dpor_source src;
      model::certificate c;
      c.how = model::strategy::dpor;
      c.max_executions = o.budget;
      c.stopped_by = "execution budget";
      while (out.executions < o.budget) {
        const auto r = explore(src, std::min<std::uint64_t>(256, o.budget - out.executions));
        if (r.found()) {
          c.found = true;
          c.stopped_by = "failure";
          break;
        }
        if (r.complete) {
          out.exhausted = c.complete = true;
          c.stopped_by = "exhausted";
          break;
        }
      }
      c.executions = out.executions;
      c.blocked = src.blocked();
      c.races = src.races();
      c.nondeterministic = src.diverged();
      c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      out.certificate = c.summary();
      break;
    }
    case detector::input: {
      rng g(o.seed);
      std::vector<std::uint8_t> bytes;
      for (std::uint64_t i = 0; i < o.budget; ++i) {
        bytes.resize(4 + g.below(60));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(g.next());
        const model::result r = set.run_input(set, bytes);
        ++out.executions;
        if (r.failed()) {
          fill(out, r);
          break;
        }
      }
      break;
    }
  }
  return finish();
}

}  // namespace lastref::fuzz::scorecard
