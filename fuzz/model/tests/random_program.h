// SPDX-License-Identifier: MIT
#pragma once
// A random small model program for the soundness tests of the reducing
// explorer (dpor_test.cc, bounded_dpor_test.cc): 2-3 threads, each a few
// operations on three atomics, one cell and one mutex, drawn from a seed.
//
// Contract: the outcome check() reports is every value read plus the final
// values, so two searches of the same seed that reach the same set of
// outcomes explored the same behaviours. Lifetime rule: the outcome set
// outlives the runs. Memory ordering: the program's own (relaxed loads,
// release stores, acq_rel RMWs, seq_cst CAS and fences).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model::testing {

struct random_program : program {
  using P = platform;
  using mo = std::memory_order;
  enum kind : std::uint8_t { load, store, rmw, cas, cell_rd, cell_wr, locked_rmw, fence_sc };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  std::vector<step> prog[3];
  P::atomic<int> x[3];
  P::cell<int> c{0};
  P::mutex m;
  int reads[3][4] = {};

  random_program(outcomes* o, std::uint64_t seed) : out(o) {
    n = testing::draw_steps(seed, prog, {8, 3, 4, 3, 1});
  }
  int threads() const override { return n; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      int v = 0;
      switch (s.k) {
        case load:
          v = x[s.loc].load(mo::relaxed);
          break;
        case store:
          x[s.loc].store(s.val, mo::release);
          break;
        case rmw:
          v = x[s.loc].fetch_add(s.val, mo::acq_rel);
          break;
        case cas: {
          int e = s.val - 1;
          v = x[s.loc].compare_exchange_strong(e, s.val) ? 10 : e;
          break;
        }
        case cell_rd:
          v = c.read();
          break;
        case cell_wr:
          c.write(s.val);
          break;
        case locked_rmw:
          m.lock();
          v = x[s.loc].load(mo::relaxed);
          x[s.loc].store(v + s.val, mo::relaxed);
          m.unlock();
          break;
        case fence_sc:
          P::fence(mo::seq_cst);
          break;
      }
      if (i < 4) reads[t][i++] = v;
    }
  }
  void check() override {
    std::string s;
    for (int t = 0; t < n; ++t) {
      for (int v : reads[t]) s += std::to_string(v) + ",";
      s += "|";
    }
    for (auto& a : x) s += std::to_string(a.raw()) + ",";
    out->insert(s);
  }
};

}  // namespace lastref::model::testing
