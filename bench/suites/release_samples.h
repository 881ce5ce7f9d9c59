// SPDX-License-Identifier: MIT
#pragma once
// The release-latency samples file (--lastref_samples_out=PATH): every cell's
// latency distribution as histogram buckets, for the report's CDF plots.
//
// Contract: write_samples_file() writes exactly this format (schema
// lastref-release-samples/1, read by the report):
//   {"schema": "lastref-release-samples/1",
//    "context": {"contention_mode": ..., "cpu_dma_latency_us": <int|null>, ...},
//    "cells": [{"benchmark", "strategy", "releaser", "hogs", "k", "pinned",
//               "metric", "count", "exposed", "p50_ns", "p90_ns", "p99_ns",
//               "p999_ns", "max_ns", "buckets": [[upper_bound_ns, count], ...]}]}
// plus one key on probe cells only, "probe_at": "releaser" | "unloader" (the
// priority the timer probe ran at; the two probes of a cell differ only
// there). Percentiles are log_histogram's (nearest rank, rounded up to the
// bucket bound, within 0.78 %); buckets are its non-empty buckets, ascending.
// p999_ns is meaningful only when count >= 10000 (context
// "p999_min_samples"); the file reports it anyway and the reader decides.
// Context values are raw JSON, written as given.
//
// Lifetime rule: plain values; the writer reads them once.
// Memory ordering: none.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/histogram.h"

namespace lastref::bench {

struct samples_cell {
  std::string benchmark;  // Google Benchmark's full run name
  std::string strategy;   // builtin | complete_and_exit | ... | probe
  std::string releaser;
  std::string hogs;
  int k = 0;
  bool pinned = false;
  std::string metric;                   // put_to_teardown | unload_to_gone | timer_wakeup
  std::optional<std::int64_t> exposed;  // null for the probe
  std::string probe_at;                 // probe cells only
  log_histogram hist;
};

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// False (and `err` set) if the file cannot be written.
inline bool write_samples_file(const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& context,
                               const std::vector<const samples_cell*>& cells, std::string& err) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    err = "cannot open " + path;
    return false;
  }
  std::string s = "{\n  \"schema\": \"lastref-release-samples/1\",\n  \"context\": {";
  for (std::size_t i = 0; i < context.size(); ++i)
    s += (i ? ",\n    " : "\n    ") + json_string(context[i].first) + ": " + context[i].second;
  s += "\n  },\n  \"cells\": [";
  auto num = [](std::uint64_t v) { return std::to_string(v); };
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const samples_cell& c = *cells[i];
    const log_histogram& h = c.hist;
    s += i ? ",\n    {" : "\n    {";
    s += "\"benchmark\": " + json_string(c.benchmark);
    s += ", \"strategy\": " + json_string(c.strategy);
    s += ", \"releaser\": " + json_string(c.releaser);
    s += ", \"hogs\": " + json_string(c.hogs);
    s += ", \"k\": " + std::to_string(c.k);
    s += ", \"pinned\": " + std::string(c.pinned ? "true" : "false");
    s += ", \"metric\": " + json_string(c.metric);
    if (!c.probe_at.empty()) s += ", \"probe_at\": " + json_string(c.probe_at);
    s += ", \"count\": " + num(h.count());
    s += ", \"exposed\": " + (c.exposed ? std::to_string(*c.exposed) : std::string("null"));
    s += ", \"p50_ns\": " + num(h.percentile(0.50));
    s += ", \"p90_ns\": " + num(h.percentile(0.90));
    s += ", \"p99_ns\": " + num(h.percentile(0.99));
    s += ", \"p999_ns\": " + num(h.percentile(0.999));
    s += ", \"max_ns\": " + num(h.max());
    s += ", \"buckets\": [";
    bool first = true;
    for (auto [upper, n] : h.buckets()) {
      s += (first ? "[" : ", [") + num(upper) + ", " + num(n) + "]";
      first = false;
    }
    s += "]}";
  }
  s += "\n  ]\n}\n";
  const bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size();
  if (std::fclose(f) != 0 || !ok) {
    err = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace lastref::bench
