// SPDX-License-Identifier: MIT
#pragma once
// lastref model checker — umbrella header: test.h (the front: state struct,
// threads as lambdas), checker.h (running programs), program.h (what runs),
// platform.h (the model Platform), schedule.h / dpor.h (schedule sources),
// search.h (certified searches), check.h (invariants), observer.h (coverage
// hook).
//
// Contract / example (the program form; test.h has the lambda form):
//
//   struct my_prog : lastref::model::program {
//     using P = lastref::model::platform;
//     lastref::basic_kref<P> ref;                 // the real primitive
//     P::cell<int> data;                          // a plain field, race-checked
//     int threads() const override { return 2; }
//     void setup() override { ref.get(); }
//     void run(int t) override { data.write(t); ref.put([](auto&) {}); }
//     void check() override { lastref::model::check(ref.read() == 0, "all put"); }
//   };
//   const auto prog = lastref::model::factory<my_prog>();
//   lastref::model::checker c;                  // stacks and pools, reusable
//   lastref::model::random_source r(seed);      // or pct_source, dfs_source(k),
//   auto e = c.explore(prog, r, 10'000);        // dpor_source, bytes_source, replay_source
//   if (e.found()) std::fputs(e.failure.report().c_str(), stderr);
//   c.replay(prog, "lastref-replay:v1:...");    // reproduces a report's trace
//
// Lifetime rule: see checker.h and program.h.
//
// Memory ordering: see platform.h (what the model tracks) and the headers.

#include "check.h"
#include "checker.h"
#include "dpor.h"
#include "failure.h"
#include "observer.h"
#include "platform.h"
#include "program.h"
#include "schedule.h"
#include "search.h"
#include "test.h"
