// SPDX-License-Identifier: MIT
#pragma once
// lastref::bench::latency_samples — per-event latencies of one benchmark run,
// published as Google Benchmark counters.
//
// Contract: add() one sample per measured event (single-threaded: the
// benchmark's own thread records); publish() sets the counters p50_us,
// p90_us, p99_us, max_us and samples on the State. With --benchmark_repetitions
// the aggregates then give e.g. the median over repetitions of each
// percentile, which is what results/report.py reads.
//
// Lifetime rule: plain value type.
//
// Memory ordering: none (not shared between threads).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace lastref::bench {

class latency_samples {
 public:
  void reserve(std::size_t n) { ns_.reserve(n); }
  void add(std::chrono::nanoseconds d) {
    ns_.push_back(static_cast<double>(d.count()));
    sorted_ = false;
  }
  [[nodiscard]] std::size_t size() const noexcept { return ns_.size(); }

  // Nearest-rank percentile in microseconds; 0 when there is no sample.
  // Sorts the samples in place once (a run can hold millions of them).
  [[nodiscard]] double percentile_us(double q) {
    if (ns_.empty()) return 0.0;
    if (!sorted_) std::sort(ns_.begin(), ns_.end());
    sorted_ = true;
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(ns_.size() - 1) + 0.5);
    return ns_[rank] / 1000.0;
  }

  void publish(benchmark::State& st) {
    st.counters["p50_us"] = percentile_us(0.50);
    st.counters["p90_us"] = percentile_us(0.90);
    st.counters["p99_us"] = percentile_us(0.99);
    st.counters["max_us"] = percentile_us(1.0);
    double sum = 0.0;
    for (double v : ns_) sum += v;
    st.counters["mean_us"] = ns_.empty() ? 0.0 : sum / static_cast<double>(ns_.size()) / 1000.0;
    st.counters["samples"] = static_cast<double>(ns_.size());
  }

 private:
  std::vector<double> ns_;
  bool sorted_ = true;
};

}  // namespace lastref::bench
