// SPDX-License-Identifier: MIT
// Litmus conformance of the c11 memory model: classic shapes written as model
// programs over Platform::atomic, each with its verdict under RC11.
//
// For every test: unbounded exhaustive search (no preemption or stale-read
// bound) under c11 produces the outcome of interest exactly when RC11 allows
// it; random and PCT produce every allowed one within k_sampling_budget
// executions; sc never produces any of them (each is a non-SC outcome).
//
// Verdict sources: Lahav, Vafeiadis, Kang, Hur, Dreyer, "Repairing
// Sequential Consistency in C/C++11" (PLDI 2017; RC11), its tables for SB,
// MP, LB, IRIW, WRC, RWC, 2+2W, R, S and the fence/SC variants; the
// coherence axioms (CoRR, CoRW, CoWR, CoWW) and RMW atomicity are C++
// [intro.races] and [atomics.order] (read-read, read-write, write-read and
// write-write coherence; an RMW reads the last value in modification
// order); release sequences through RMWs and fence synchronisation are
// [intro.races]/[atomics.fences]; spurious compare_exchange_weak failure is
// [atomics.types.operations]. LB's relaxed outcome is forbidden by RC11
// (acyclic po ∪ rf), which the model follows.

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
constexpr auto rlx = std::memory_order_relaxed;
constexpr auto acq = std::memory_order_acquire;
constexpr auto rel = std::memory_order_release;
constexpr auto sc = std::memory_order_seq_cst;

constexpr std::uint64_t k_sampling_budget = 20'000;

// Four locations and four registers; a test's threads use what they need.
struct state {
  P::atomic<int> x{0}, y{0}, z{0}, w{0};
  int r[4] = {-1, -1, -1, -1};
  // Final values, read by check() after every thread.
  int fx = 0, fy = 0, fz = 0;
};

struct litmus {
  const char* name;
  int threads;
  void (*body)(state&, int);
  bool (*weak)(const state&);  // the outcome of interest
  bool allowed;                // under RC11
};

struct prog : program {
  const litmus* t;
  bool* hit;
  std::set<std::string>* outcomes;
  state s;
  prog(const litmus* tt, bool* h, std::set<std::string>* o) : t(tt), hit(h), outcomes(o) {}
  int threads() const override { return t->threads; }
  void run(int th) override { t->body(s, th); }
  void check() override {
    s.fx = s.x.load(rlx);
    s.fy = s.y.load(rlx);
    s.fz = s.z.load(rlx);
    if (t->weak(s)) *hit = true;
    if (outcomes != nullptr)
      outcomes->insert(std::to_string(s.r[0]) + "," + std::to_string(s.r[1]) + "," +
                       std::to_string(s.r[2]) + "," + std::to_string(s.r[3]) + "|" +
                       std::to_string(s.fx) + "," + std::to_string(s.fy));
  }
};

struct run_result {
  bool hit = false;
  bool complete = false;
  std::uint64_t executions = 0;
  std::set<std::string> outcomes;
};

enum class how { exhaustive, random, pct };

run_result run(const litmus& t, memory_model m, how h) {
  run_result out;
  run_options o;
  o.memory = m;
  const program_factory subject = [&] {
    return std::unique_ptr<program>(std::make_unique<prog>(&t, &out.hit, &out.outcomes));
  };
  checker c;
  // Stop at the outcome when sampling; search everything otherwise.
  auto until_hit = [&](schedule_source& src, std::uint64_t budget) {
    while (out.executions < budget && !out.hit) {
      const explore_result e = c.explore(subject, src, 1, o);
      out.executions += e.executions;
      EXPECT_FALSE(e.found()) << e.failure.report();
      if (e.complete) {
        out.complete = true;
        return;
      }
    }
  };
  if (h == how::exhaustive) {
    dfs_source d(dfs_source::unbounded, dfs_source::unbounded);
    const explore_result e = c.explore(subject, d, 1'000'000, o);
    EXPECT_FALSE(e.found()) << e.failure.report();
    out.executions = e.executions;
    out.complete = e.complete;
  } else if (h == how::random) {
    random_source r(1);
    until_hit(r, k_sampling_budget);
  } else {
    pct_source p(1, 3);
    until_hit(p, k_sampling_budget);
  }
  return out;
}

// ---------------------------------------------------------------- the tests

const litmus k_tests[] = {
    // Store buffering: both loads read the initial value.
    {"SB", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.r[0] = s.y.load(rlx);
       } else {
         s.y.store(1, rlx);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 0 && s.r[1] == 0; }, true},
    {"SB+rel+acq", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rel);
         s.r[0] = s.y.load(acq);
       } else {
         s.y.store(1, rel);
         s.r[1] = s.x.load(acq);
       }
     },
     [](const state& s) { return s.r[0] == 0 && s.r[1] == 0; }, true},
    {"SB+sc", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, sc);
         s.r[0] = s.y.load(sc);
       } else {
         s.y.store(1, sc);
         s.r[1] = s.x.load(sc);
       }
     },
     [](const state& s) { return s.r[0] == 0 && s.r[1] == 0; }, false},
    {"SB+fences", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         P::fence(sc);
         s.r[0] = s.y.load(rlx);
       } else {
         s.y.store(1, rlx);
         P::fence(sc);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 0 && s.r[1] == 0; }, false},
    // Message passing: the flag is seen, the data is not.
    {"MP", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rlx);
       } else {
         s.r[0] = s.y.load(rlx);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, true},
    {"MP+rel+acq", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rel);
       } else {
         s.r[0] = s.y.load(acq);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, false},
    {"MP+fences", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         P::fence(rel);
         s.y.store(1, rlx);
       } else {
         s.r[0] = s.y.load(rlx);
         P::fence(acq);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, false},
    {"MP+rel+rlx", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rel);
       } else {
         s.r[0] = s.y.load(rlx);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, true},
    {"MP+rlx+acq", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rlx);
       } else {
         s.r[0] = s.y.load(acq);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, true},
    // Load buffering: each load reads the other thread's later store.
    // RC11 forbids it (po ∪ rf acyclic); the model never produces it.
    {"LB", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.r[0] = s.x.load(rlx);
         s.y.store(1, rlx);
       } else {
         s.r[1] = s.y.load(rlx);
         s.x.store(1, rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 1; }, false},
    // Independent reads of independent writes: the readers disagree on the
    // order of the two writes.
    {"IRIW", 4,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, rlx);
       if (t == 1) s.y.store(1, rlx);
       if (t == 2) {
         s.r[0] = s.x.load(rlx);
         s.r[1] = s.y.load(rlx);
       }
       if (t == 3) {
         s.r[2] = s.y.load(rlx);
         s.r[3] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0 && s.r[2] == 1 && s.r[3] == 0; }, true},
    {"IRIW+acq", 4,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, rel);
       if (t == 1) s.y.store(1, rel);
       if (t == 2) {
         s.r[0] = s.x.load(acq);
         s.r[1] = s.y.load(acq);
       }
       if (t == 3) {
         s.r[2] = s.y.load(acq);
         s.r[3] = s.x.load(acq);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0 && s.r[2] == 1 && s.r[3] == 0; }, true},
    {"IRIW+sc", 4,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, sc);
       if (t == 1) s.y.store(1, sc);
       if (t == 2) {
         s.r[0] = s.x.load(sc);
         s.r[1] = s.y.load(sc);
       }
       if (t == 3) {
         s.r[2] = s.y.load(sc);
         s.r[3] = s.x.load(sc);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0 && s.r[2] == 1 && s.r[3] == 0; },
     false},
    // Write-to-read causality.
    {"WRC", 3,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, rlx);
       if (t == 1) {
         s.r[0] = s.x.load(rlx);
         s.y.store(1, rlx);
       }
       if (t == 2) {
         s.r[1] = s.y.load(rlx);
         s.r[2] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 1 && s.r[2] == 0; }, true},
    {"WRC+rel+acq", 3,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, rlx);
       if (t == 1) {
         s.r[0] = s.x.load(rlx);
         s.y.store(1, rel);
       }
       if (t == 2) {
         s.r[1] = s.y.load(acq);
         s.r[2] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 1 && s.r[2] == 0; }, false},
    // Read-to-write causality.
    {"RWC", 3,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, rlx);
       if (t == 1) {
         s.r[0] = s.x.load(rlx);
         s.r[1] = s.y.load(rlx);
       }
       if (t == 2) {
         s.y.store(1, rlx);
         s.r[2] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0 && s.r[2] == 0; }, true},
    {"RWC+sc", 3,
     [](state& s, int t) {
       if (t == 0) s.x.store(1, sc);
       if (t == 1) {
         s.r[0] = s.x.load(sc);
         s.r[1] = s.y.load(sc);
       }
       if (t == 2) {
         s.y.store(1, sc);
         s.r[2] = s.x.load(sc);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0 && s.r[2] == 0; }, false},
    // Transitive message passing through a second flag.
    {"ISA2", 3,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rlx);
       }
       if (t == 1) {
         s.r[0] = s.y.load(rlx);
         s.z.store(1, rlx);
       }
       if (t == 2) {
         s.r[1] = s.z.load(rlx);
         s.r[2] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 1 && s.r[2] == 0; }, true},
    {"ISA2+rel+acq", 3,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rel);
       }
       if (t == 1) {
         s.r[0] = s.y.load(acq);
         s.z.store(1, rel);
       }
       if (t == 2) {
         s.r[1] = s.z.load(acq);
         s.r[2] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 1 && s.r[2] == 0; }, false},
    // Two writers, two locations: each location ends with the value its
    // first writer stored (modification order against execution order).
    {"2+2W", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(2, rlx);
       } else {
         s.y.store(1, rlx);
         s.x.store(2, rlx);
       }
     },
     [](const state& s) { return s.fx == 1 && s.fy == 1; }, true},
    {"2+2W+sc", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, sc);
         s.y.store(2, sc);
       } else {
         s.y.store(1, sc);
         s.x.store(2, sc);
       }
     },
     [](const state& s) { return s.fx == 1 && s.fy == 1; }, false},
    {"R", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rlx);
       } else {
         s.y.store(2, rlx);
         s.r[0] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.fy == 2 && s.r[0] == 0; }, true},
    {"R+sc", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, sc);
         s.y.store(1, sc);
       } else {
         s.y.store(2, sc);
         s.r[0] = s.x.load(sc);
       }
     },
     [](const state& s) { return s.fy == 2 && s.r[0] == 0; }, false},
    {"S", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(2, rlx);
         s.y.store(1, rlx);
       } else {
         s.r[0] = s.y.load(rlx);
         s.x.store(1, rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.fx == 2; }, true},
    {"S+rel+acq", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(2, rlx);
         s.y.store(1, rel);
       } else {
         s.r[0] = s.y.load(acq);
         s.x.store(1, rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.fx == 2; }, false},
    // Coherence: never forbidden by anything weaker than this.
    {"CoRR", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.x.store(2, rlx);
       } else {
         s.r[0] = s.x.load(rlx);
         s.r[1] = s.x.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 2 && s.r[1] == 1; }, false},
    {"CoRW", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.r[0] = s.x.load(rlx);
         s.x.store(1, rlx);
       } else {
         s.x.store(2, rlx);
       }
     },
     [](const state& s) { return s.r[0] == 2 && s.fx == 2; }, false},
    {"CoWR", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.r[0] = s.x.load(rlx);
       } else {
         s.x.store(2, rlx);
       }
     },
     [](const state& s) { return s.r[0] == 2 && s.fx == 1; }, false},
    {"CoWW", 1,
     [](state& s, int) {
       s.x.store(1, rlx);
       s.x.store(2, rlx);
     },
     [](const state& s) { return s.fx == 1; }, false},
    // RMW atomicity: two increments never both read 0.
    {"RMW", 2, [](state& s, int t) { s.r[t] = s.x.fetch_add(1, rlx); },
     [](const state& s) { return s.r[0] == 0 && s.r[1] == 0; }, false},
    // A release sequence continues through another thread's RMW: reading
    // the RMW's value synchronises with the release store it follows.
    {"RelSeq+RMW", 3,
     [](state& s, int t) {
       if (t == 0) {
         s.z.store(1, rlx);
         s.x.store(1, rel);
       }
       if (t == 1) s.r[0] = s.x.fetch_add(1, rlx);
       if (t == 2) {
         s.r[1] = s.x.load(acq);
         s.r[2] = s.z.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 2 && s.r[2] == 0; }, false},
    // Message passing through a compare_exchange that acquires.
    {"MP+CAS", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.z.store(1, rlx);
         s.x.store(1, rel);
       } else {
         int e = 1;
         s.r[0] = s.x.compare_exchange_strong(e, 2, acq, acq) ? 1 : 0;
         s.r[1] = s.z.load(rlx);
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, false},
    // A failed compare_exchange is a load: it may read a stale value even
    // after the flag it waits for was set (and then fails).
    {"CAS-stale", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rel);
       } else {
         s.r[0] = s.y.load(acq);  // synchronises: x = 1 is visible...
         int e = 5;
         s.r[1] = s.z.compare_exchange_strong(e, 6, rlx, rlx) ? 1 : 0;
         s.r[2] = e;  // ...but z was never written: it reads 0
         int f = 1;
         // r3: the CAS on x failed; only possible if it read a stale 0.
         s.r[3] = s.x.compare_exchange_strong(f, 2, rlx, rlx) ? 1 : 0;
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[3] == 0; }, false},
    {"CAS-stale-allowed", 2,
     [](state& s, int t) {
       if (t == 0) {
         s.x.store(1, rlx);
         s.y.store(1, rlx);
       } else {
         s.r[0] = s.y.load(rlx);  // relaxed: x = 1 need not be visible
         int f = 1;
         s.r[1] = s.x.compare_exchange_strong(f, 2, rlx, rlx) ? 1 : 0;
       }
     },
     [](const state& s) { return s.r[0] == 1 && s.r[1] == 0; }, true},
    // compare_exchange_weak may fail although the value matches.
    {"CAS-weak-spurious", 1,
     [](state& s, int) {
       int e = 0;
       s.r[0] = s.x.compare_exchange_weak(e, 1, rlx, rlx) ? 1 : 0;
     },
     [](const state& s) { return s.r[0] == 0; }, true},
    {"CAS-strong-never-spurious", 1,
     [](state& s, int) {
       int e = 0;
       s.r[0] = s.x.compare_exchange_strong(e, 1, rlx, rlx) ? 1 : 0;
     },
     [](const state& s) { return s.r[0] == 0; }, false},
};

class Litmus : public ::testing::TestWithParam<litmus> {};

TEST_P(Litmus, ExhaustiveC11MatchesRc11Verdict) {
  const litmus& t = GetParam();
  const run_result r = run(t, memory_model::c11, how::exhaustive);
  ASSERT_TRUE(r.complete) << t.name << ": search not complete in " << r.executions;
  EXPECT_EQ(r.hit, t.allowed) << t.name << ": outcome "
                              << (t.allowed ? "allowed by RC11 never produced"
                                            : "forbidden by RC11 produced")
                              << " (" << r.executions << " executions, " << r.outcomes.size()
                              << " distinct outcomes)";
}

TEST_P(Litmus, SamplingFindsAllowedOutcomesWithinBudget) {
  const litmus& t = GetParam();
  if (!t.allowed) GTEST_SKIP() << "forbidden outcome: covered by the exhaustive test";
  for (how h : {how::random, how::pct}) {
    const run_result r = run(t, memory_model::c11, h);
    EXPECT_TRUE(r.hit) << t.name << ": " << (h == how::random ? "random" : "PCT")
                       << " did not produce the allowed outcome in " << k_sampling_budget
                       << " executions";
  }
}

TEST_P(Litmus, ScNeverProducesIt) {
  const litmus& t = GetParam();
  const run_result r = run(t, memory_model::sc, how::exhaustive);
  ASSERT_TRUE(r.complete);
  EXPECT_FALSE(r.hit) << t.name << ": a non-SC outcome under sc";
}

INSTANTIATE_TEST_SUITE_P(Rc11, Litmus, ::testing::ValuesIn(k_tests), [](const auto& info) {
  std::string n = info.param.name;
  for (char& c : n)
    if (c == '+' || c == '-') c = '_';
  return n;
});

}  // namespace
}  // namespace lastref::model
