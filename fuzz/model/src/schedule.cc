// SPDX-License-Identifier: MIT
// Schedule sources (schedule.h).

#include <lastref/model/schedule.h>

#include <algorithm>
#include <cstdint>

namespace lastref::model {

namespace {
// The n-th (0-based) set bit of an 8-bit mask, or -1, from a table:
// option() runs at every decision of every execution.
constexpr struct nth_table {
  std::int8_t v[256][8];
} nth_bits = [] {
  nth_table t{};
  for (int m = 0; m < 256; ++m) {
    int k = 0;
    for (int n = 0; n < 8; ++n) t.v[m][n] = -1;
    for (int i = 0; i < 8; ++i)
      if ((m >> i) & 1) t.v[m][k++] = static_cast<std::int8_t>(i);
  }
  return t;
}();
int nth_bit(unsigned mask, int n) noexcept {
  return n >= 0 && n < 8 ? nth_bits.v[mask & 0xffu][n] : -1;
}
}  // namespace

choice decision::option(int i) const noexcept {
  if (reads != 0) return {current, choice_kind::read};
  const int nr = detail::popcount8(runnable);
  if (i < nr) return {nth_bit(runnable, i), choice_kind::run};
  i -= nr;
  const int nt = detail::popcount8(timeout);
  if (i < nt) return {nth_bit(timeout, i), choice_kind::timeout};
  return {nth_bit(spurious, i - nt), choice_kind::spurious};
}

int decision::index_of(choice c) const noexcept {
  const unsigned bit = 1u << c.thread;
  const unsigned below = bit - 1u;
  switch (c.kind) {
    case choice_kind::run:
      return (runnable & bit) ? detail::popcount8(runnable & below) : -1;
    case choice_kind::timeout:
      return (timeout & bit) ? detail::popcount8(runnable) + detail::popcount8(timeout & below)
                             : -1;
    case choice_kind::spurious:
      return (spurious & bit) ? detail::popcount8(runnable) + detail::popcount8(timeout) +
                                    detail::popcount8(spurious & below)
                              : -1;
    case choice_kind::read:
      return reads != 0 ? 0 : -1;
  }
  return -1;
}

// ---------------------------------------------------------------- bytes

void bytes_source::reset(const std::uint8_t* data, std::size_t size) noexcept {
  data_ = data;
  size_ = size;
  pos_ = 0;
  have_run_ = false;
}

void bytes_source::begin_execution() {
  pos_ = 0;
  have_run_ = false;
}

int bytes_source::choose(const decision& d) {
  if (!have_run_) {
    if (pos_ + 2 > size_) return d.default_index();
    run_ = data_[pos_];
    pos_ += 2;
    have_run_ = true;
  }
  if (run_ > 0) {
    --run_;
    return d.default_index();
  }
  have_run_ = false;
  return data_[pos_ - 1] % d.count();
}

std::vector<std::uint8_t> encode_choices(std::span<const std::uint8_t> choices,
                                         std::span<const std::uint8_t> defaults) {
  std::vector<std::uint8_t> out;
  std::size_t last = choices.size();  // one past the last non-default decision
  while (last > 0 && choices[last - 1] == defaults[last - 1]) --last;
  std::size_t i = 0;
  while (i < last) {
    std::uint8_t run = 0;
    while (i + 1 < last && choices[i] == defaults[i] && run < 255) {
      ++run;
      ++i;
    }
    out.push_back(run);
    out.push_back(choices[i]);
    ++i;
  }
  return out;
}

// ---------------------------------------------------------------- random

random_source::random_source(std::uint64_t seed, mode m) noexcept
    : state_(seed ^ 0x9e3779b97f4a7c15ull), mode_(m) {}

std::uint64_t random_source::next() noexcept {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint32_t random_source::below(std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
}

void random_source::begin_execution() {
  switch_shift_ = 1 + below(6);
  stale_shift_ = below(4);
}

// Per execution a stale-read probability q from {0, 1/2, 1/4, 1/8}: a
// quarter of the executions read only latest values (as sc would), the rest
// mix in stale reads, few or many, like the switch probability above.
int random_source::stale_read(const decision& d) noexcept {
  if (stale_shift_ == 0 || (next() & ((1ull << stale_shift_) - 1)) != 0) return 0;
  return 1 + static_cast<int>(below(static_cast<std::uint32_t>(d.count() - 1)));
}

int random_source::choose(const decision& d) {
  const int n = d.count();
  if (mode_ == mode::uniform) return static_cast<int>(below(static_cast<std::uint32_t>(n)));
  if (d.is_read()) return stale_read(d);
  const int nrun = detail::popcount8(d.runnable);
  const int extra = n - nrun;
  if (nrun == 0) return static_cast<int>(below(static_cast<std::uint32_t>(extra)));
  if (extra > 0 && below(16) == 0)
    return nrun + static_cast<int>(below(static_cast<std::uint32_t>(extra)));
  if (d.current_runnable() && (next() & ((1ull << switch_shift_) - 1)) != 0)
    return d.default_index();
  return static_cast<int>(below(static_cast<std::uint32_t>(nrun)));
}

// ---------------------------------------------------------------- PCT

pct_source::pct_source(std::uint64_t seed, int depth, std::uint32_t expected_steps) noexcept
    : rng_(seed),
      depth_(std::clamp(depth, 1, 8)),
      k_(expected_steps == 0 ? 16 : std::max<std::uint32_t>(expected_steps, 2)),
      adaptive_(expected_steps == 0) {}

void pct_source::begin_execution() {
  int p[max_threads];
  for (int i = 0; i < max_threads; ++i) p[i] = depth_ + i;
  for (int i = max_threads - 1; i > 0; --i)
    std::swap(p[i], p[rng_.below(static_cast<std::uint32_t>(i + 1))]);
  std::copy(p, p + max_threads, prio_);
  for (int i = 0; i < depth_ - 1; ++i) change_[i] = 1 + rng_.below(k_);
  std::sort(change_, change_ + (depth_ - 1));
  next_change_ = 0;
  // The stale-read probability (c11) last, so the priorities and change
  // points of a fresh source are those it drew before the c11 model.
  rng_.begin_execution();
}

int pct_source::choose(const decision& d) {
  // PCT orders threads, not values: reads-from is drawn as random_source's
  // sticky mode draws it.
  if (d.is_read()) return rng_.stale_read(d);
  while (next_change_ < depth_ - 1 && d.step >= change_[next_change_]) {
    if (d.current >= 0) prio_[d.current] = depth_ - 1 - next_change_;
    ++next_change_;
  }
  const unsigned pool = d.runnable != 0 ? d.runnable : d.timeout;
  int best = -1;
  for (int i = 0; i < max_threads; ++i)
    if (((pool >> i) & 1u) && (best < 0 || prio_[i] > prio_[best])) best = i;
  return d.index_of({best, d.runnable != 0 ? choice_kind::run : choice_kind::timeout});
}

bool pct_source::end_execution(std::uint32_t steps) {
  if (adaptive_) {
    k_ = seen_ ? std::max(k_, steps) : std::max<std::uint32_t>(steps, 2);
    seen_ = true;
  }
  return true;
}

// ---------------------------------------------------------------- DFS

void dfs_source::begin_execution() { depth_ = 0; }

int dfs_source::option_for(const frame& f) const noexcept {
  if (f.alt == 0) return f.dflt;
  const int k = f.alt - 1;
  return k < f.dflt ? k : k + 1;
}

int dfs_source::choose(const decision& d) {
  // A held point (decision::hold): the current thread goes on, and no
  // frame is kept (the same in every execution through here).
  if (d.hold) {
    const int keep = d.index_of(choice{d.current, choice_kind::run});
    if (keep >= 0) return keep;
  }
  const int n = d.count();
  const auto dflt = static_cast<std::uint16_t>(d.default_index());
  if (depth_ < stack_.size()) {
    const frame& f = stack_[depth_];
    if (f.count != n || f.dflt != dflt || f.current_runnable != d.current_runnable() ||
        f.read != d.is_read()) {
      diverged_ = true;
      stack_.resize(depth_);  // explore on from here as if new
    } else {
      ++depth_;
      return option_for(f);
    }
  }
  std::uint32_t pre = 0;
  std::uint32_t stale = 0;
  if (depth_ > 0) {
    const frame& p = stack_[depth_ - 1];
    pre = p.preempt + static_cast<std::uint32_t>(preempt_cost(p));
    stale = p.stale + static_cast<std::uint32_t>(stale_cost(p));
  }
  stack_.push_back(frame{static_cast<std::uint16_t>(n), dflt, 0, d.current_runnable(), d.is_read(),
                         d.redundant, pre, stale});
  ++depth_;
  return dflt;
}

int dfs_source::preempt_cost(const frame& f) const noexcept {
  return (!f.read && f.current_runnable && option_for(f) != f.dflt) ? 1 : 0;
}

int dfs_source::stale_cost(const frame& f) const noexcept {
  return (f.read && option_for(f) != f.dflt) ? 1 : 0;
}

bool dfs_source::end_execution(std::uint32_t) {
  ++executions_;
  stack_.resize(std::min(stack_.size(), depth_));
  while (!stack_.empty()) {
    frame& f = stack_.back();
    while (++f.alt < f.count) {
      const int o = option_for(f);
      if (o < 8 && ((f.redundant >> o) & 1u) != 0) continue;  // decision::redundant
      if (within(f.preempt + static_cast<std::uint32_t>(preempt_cost(f)), bound_) &&
          within(f.stale + static_cast<std::uint32_t>(stale_cost(f)), stale_bound_))
        return true;
    }
    stack_.pop_back();
  }
  complete_ = true;
  return false;
}

// ---------------------------------------------------------------- replay

int replay_source::choose(const decision& d) {
  if (pos_ >= choices_.size()) return d.default_index();
  const int c = choices_[pos_++];
  if (c >= d.count()) {
    diverged_ = true;
    return d.default_index();
  }
  return c;
}

}  // namespace lastref::model
