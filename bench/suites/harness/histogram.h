// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::log_histogram — a log-linear latency histogram (the idea of
// HdrHistogram, which Debian does not package for C/C++; written here from
// the description, no code taken).
//
// Contract: record(ns) counts a non-negative duration in nanoseconds.
// Values below 2^precision_bits (256 ns) are counted exactly (one bucket per
// nanosecond); above, every power-of-two octave is split into
// 2^(precision_bits-1) = 128 equal buckets, so a bucket's width is at most
// 1/128 (0.78 %) of its lower bound: two figures 1 % apart never share a
// bucket, so an A/B difference of 1 % shows in the percentiles (with 32
// buckets per octave, 3.1 %, many such pairs printed the same figure). Values above max_value
// (2^40 ns, about 18 minutes) go to an overflow count; min and max are kept
// exactly whatever the value. percentile(q) is the nearest-rank percentile
// (the sample of rank ceil(q*n), q in [0, 1], rank at least 1) rounded UP to
// its bucket's inclusive upper bound and clamped to the exact max: it is never
// below the true sample and exceeds it by less than the bucket width
// (relative_error()). merge() adds another histogram's counts.
// buckets() lists the non-empty buckets as (inclusive upper bound, count),
// ascending; overflowed samples appear as one last bucket at the exact max.
//
// Lifetime rule: plain value type, copyable; its size is fixed whatever it
// records: 4,352 counts, 34 KB (static_assert below keeps it under 64 KB; the
// release suite holds one per matrix row and strategy, a few MB in all).
//
// Memory ordering: none; not shared between threads (the benchmark thread
// records, like latency_samples).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace lastref::bench {

class log_histogram {
 public:
  static constexpr int precision_bits = 8;
  static constexpr int max_value_bits = 40;
  static constexpr std::uint64_t max_value = (std::uint64_t{1} << max_value_bits) - 1;
  static constexpr std::size_t bucket_count =
      (std::size_t{1} << precision_bits) +
      static_cast<std::size_t>(max_value_bits - precision_bits) *
          (std::size_t{1} << (precision_bits - 1));

  // Upper bound of (bucket width / value) for values at or above
  // 2^precision_bits; smaller values are exact.
  static constexpr double relative_error() { return 1.0 / (1 << (precision_bits - 1)); }

  // Index of the bucket holding v (v <= max_value).
  static constexpr std::size_t index_of(std::uint64_t v) noexcept {
    constexpr std::uint64_t linear = std::uint64_t{1} << precision_bits;
    if (v < linear) return static_cast<std::size_t>(v);
    const int h = std::bit_width(v) - precision_bits;  // >= 1: bucket width 2^h
    constexpr std::uint64_t half = linear / 2;
    return static_cast<std::size_t>(linear + static_cast<std::uint64_t>(h - 1) * half +
                                    ((v >> h) - half));
  }
  // Inclusive bounds of bucket i.
  static constexpr std::uint64_t lower_of(std::size_t i) noexcept {
    constexpr std::size_t linear = std::size_t{1} << precision_bits;
    if (i < linear) return i;
    constexpr std::size_t half = linear / 2;
    const std::size_t h = (i - linear) / half + 1;
    const std::uint64_t top = half + (i - linear) % half;
    return top << h;
  }
  static constexpr std::uint64_t upper_of(std::size_t i) noexcept {
    constexpr std::size_t linear = std::size_t{1} << precision_bits;
    if (i < linear) return i;
    const std::size_t h = (i - linear) / (linear / 2) + 1;
    return lower_of(i) + (std::uint64_t{1} << h) - 1;
  }

  void record(std::uint64_t ns) noexcept {
    if (ns > max_value)
      ++overflow_;
    else
      ++counts_[index_of(ns)];
    ++count_;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  void merge(const log_histogram& o) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += o.counts_[i];
    overflow_ += o.overflow_;
    count_ += o.count_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }

  // Nearest-rank percentile, rounded up to the bucket bound (see Contract);
  // 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto n = static_cast<double>(count_);
    // The epsilon absorbs the rounding of q*n (e.g. 0.99 * 100).
    auto rank = static_cast<std::uint64_t>(std::ceil(q * n - 1e-6));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_of(i), max_);
    }
    return max_;  // the rank lies among the overflowed samples
  }

  // Non-empty buckets, ascending: (inclusive upper bound in ns, count).
  [[nodiscard]] std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < bucket_count; ++i)
      if (counts_[i] != 0) out.emplace_back(std::min(upper_of(i), max_), counts_[i]);
    if (overflow_ != 0) out.emplace_back(max_, overflow_);
    return out;
  }

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t overflow_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

static_assert(sizeof(log_histogram) < 64 * 1024, "log_histogram's counts must stay small");

}  // namespace lastref::bench
