// SPDX-License-Identifier: MIT
#pragma once
// The release-latency contention matrix: which cells (releaser class x hogs
// x K x pinning) and which release strategies a run measures, and the names
// the benchmark rows and the samples file use for them.
//
// Contract: pure data and naming; no threads, no clocks. A cell's label is
// `<releaser>_<hogs>_k<K>[_pinned]` (e.g. `nice19_fifo_k4_pinned`), the
// group of its benchmark rows is `release_latency/<label>`. The spellings
// of releaser_name/hogs_name/strategy_name are those of the samples file
// (release_samples.h).
//
// Lifetime rule: plain values.
// Memory ordering: none.

#include <string>
#include <vector>

namespace lastref::bench {

enum class releaser_class { normal, nice19, sched_idle };
enum class hog_kind { none, normal, fifo };
enum class strategy {
  builtin,
  builtin_with_wait_yield,  // A/B: builtin over a platform whose wait yields
  complete_and_exit,
  module_put_and_exit,
  drain_residency,
  unsafe_immediate
};
enum class matrix_kind { quick, standard, full };
enum class pin_mode { no, yes, both };

struct cell {
  releaser_class releaser = releaser_class::normal;
  hog_kind hogs = hog_kind::none;
  int k = 0;
  bool pinned = false;
};

inline const char* releaser_name(releaser_class r) {
  switch (r) {
    case releaser_class::normal:
      return "normal";
    case releaser_class::nice19:
      return "nice19";
    case releaser_class::sched_idle:
      return "sched_idle";
  }
  return "?";
}

inline const char* hogs_name(hog_kind h) {
  switch (h) {
    case hog_kind::none:
      return "none";
    case hog_kind::normal:
      return "normal";
    case hog_kind::fifo:
      return "fifo";
  }
  return "?";
}

inline const char* strategy_name(strategy s) {
  switch (s) {
    case strategy::builtin:
      return "builtin";
    case strategy::builtin_with_wait_yield:
      return "builtin_with_wait_yield";
    case strategy::complete_and_exit:
      return "complete_and_exit";
    case strategy::module_put_and_exit:
      return "module_put_and_exit";
    case strategy::drain_residency:
      return "drain_residency";
    case strategy::unsafe_immediate:
      return "unsafe_immediate";
  }
  return "?";
}

// `<role>:<implementation>` of a strategy's benchmark row.
inline const char* strategy_role(strategy s) {
  switch (s) {
    case strategy::builtin:
      return "lastref:builtin_release";
    case strategy::builtin_with_wait_yield:
      return "ref:builtin_release_with_wait_yield";
    case strategy::complete_and_exit:
      return "lastref:complete_and_exit";
    case strategy::module_put_and_exit:
      return "lastref:module_put_and_exit";
    case strategy::drain_residency:
      return "lastref:drain_residency";
    case strategy::unsafe_immediate:
      return "baseline:UNSAFE_immediate_unload";
  }
  return "?";
}

inline std::string cell_label(const cell& c) {
  return std::string(releaser_name(c.releaser)) + "_" + hogs_name(c.hogs) + "_k" +
         std::to_string(c.k) + (c.pinned ? "_pinned" : "");
}

inline const char* matrix_name(matrix_kind m) {
  switch (m) {
    case matrix_kind::quick:
      return "quick";
    case matrix_kind::standard:
      return "default";
    case matrix_kind::full:
      return "full";
  }
  return "?";
}

// quick: releaser normal and SCHED_IDLE; K = 0 and K = cores.
// default and full: every releaser class; K = 0, cores and 2 x cores.
// Hog rows of each kind for every K > 0; fifo rows only if `fifo_ok`.
inline std::vector<cell> matrix_cells(matrix_kind m, pin_mode p, int cores, bool fifo_ok) {
  std::vector<bool> pins;
  if (p != pin_mode::yes) pins.push_back(false);
  if (p != pin_mode::no) pins.push_back(true);
  std::vector<releaser_class> rels{releaser_class::normal, releaser_class::nice19,
                                   releaser_class::sched_idle};
  std::vector<int> ks{cores, 2 * cores};
  if (m == matrix_kind::quick) {
    rels = {releaser_class::normal, releaser_class::sched_idle};
    ks = {cores};
  }
  std::vector<cell> out;
  for (bool pin : pins)
    for (releaser_class r : rels) {
      out.push_back(cell{r, hog_kind::none, 0, pin});
      for (hog_kind h : {hog_kind::normal, hog_kind::fifo}) {
        if (h == hog_kind::fifo && !fifo_ok) continue;
        for (int k : ks) out.push_back(cell{r, h, k, pin});
      }
    }
  return out;
}

inline std::vector<strategy> matrix_strategies(matrix_kind m) {
  std::vector<strategy> s{strategy::builtin, strategy::complete_and_exit, strategy::drain_residency,
                          strategy::unsafe_immediate};
  if (m == matrix_kind::full) s.insert(s.begin() + 2, strategy::module_put_and_exit);
  // The A/B of the completion's yield phase (release_latency.cc); not in
  // the smoke matrix.
  if (m != matrix_kind::quick) s.insert(s.begin() + 1, strategy::builtin_with_wait_yield);
  return s;
}

}  // namespace lastref::bench
