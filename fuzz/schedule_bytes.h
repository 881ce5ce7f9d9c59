// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz schedule encoding — how a scenario's schedule bytes choose
// interleavings.
//
// Contract: the bytes are (skip, pick) pairs. The model's default (keep the
// current thread running) is taken at the next skip_of(skip) decisions;
// at the decision after that, an *alternative* to the default is taken —
// option `pick % (count - 1)` among the non-default ones (another thread, a
// timeout, a spurious wake-up). When the bytes run out the default finishes
// the execution. So every pair is exactly one preemption (or other
// deviation), and the pair's first byte says how long to wait for it.
//
// Why not the model's bytes_source ((run-length, choice) pairs, choice taken
// modulo the option count): there half of the choices are the default (no
// preemption) and run lengths range over 0..255 while the executions the
// fuzzer explores make a few dozen decisions, so most mutations change
// nothing that runs. Measured on DESIGN.md's two-thread reference program
// with 8 random schedule bytes: 1 failing schedule in ~50000 with
// bytes_source, 1 in ~130 with this encoding; for uniformly random 48-byte
// module_unload_fuzzer inputs, 1 in ~4400 versus 1 in ~120 (fuzz/README.md,
// "Schedule encoding").
//
// Every byte string is valid. The source records the option index of every
// decision it made, so a traced re-run (checker::replay_choices) reproduces
// the execution exactly; replay tokens carry that choice list.
//
// Lifetime rule: the bytes must outlive the executions that use them.
//
// Memory ordering: single-threaded (the model runs in one OS thread).

#include <cstdint>
#include <span>
#include <vector>

#include <lastref/model/schedule.h>

namespace lastref::fuzz {

class fuzz_schedule_source final : public model::schedule_source {
 public:
  static constexpr unsigned near_range = 16;

  explicit fuzz_schedule_source(std::span<const uint8_t> bytes) noexcept : bytes_(bytes) {}

  void begin_execution() override {
    pos_ = 0;
    choices_.clear();
    load_pair();
  }

  int choose(const model::decision& d) override {
    const int dflt = d.default_index();
    int idx = dflt;
    if (active_ && d.count() > 1) {
      if (skip_ > 0) {
        --skip_;
      } else {
        const int alt = static_cast<int>(pick_ % static_cast<unsigned>(d.count() - 1));
        idx = alt >= dflt ? alt + 1 : alt;
        ++deviations_;
        load_pair();
      }
    }
    choices_.push_back(static_cast<uint8_t>(idx));
    return idx;
  }

  [[nodiscard]] const char* name() const noexcept override { return "fuzz-bytes"; }

  // Seven eighths of the byte values wait 0..15 decisions (most races need
  // a preemption within a few steps of the previous one); the rest reach
  // 0..248 decisions ahead, for long executions.
  static constexpr unsigned skip_of(uint8_t b) noexcept {
    return b < 224 ? b % near_range : (b - 224u) * 8u;
  }
  // Every decision's option index, for checker::replay_choices.
  [[nodiscard]] const std::vector<uint8_t>& choices() const noexcept { return choices_; }

 private:
  void load_pair() noexcept {
    active_ = pos_ < bytes_.size();
    if (!active_) return;
    skip_ = skip_of(bytes_[pos_]);
    pick_ = pos_ + 1 < bytes_.size() ? bytes_[pos_ + 1] : 0;
    pos_ += 2;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool active_ = false;
  unsigned skip_ = 0;
  unsigned pick_ = 0;
  unsigned deviations_ = 0;
  std::vector<uint8_t> choices_;
};

}  // namespace lastref::fuzz
