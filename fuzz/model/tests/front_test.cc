// SPDX-License-Identifier: MIT
// The user-facing front (test.h), used only through its documented API: a
// hand-written refcount with a check-then-act put is found, replayed by its
// token and fixed. (The README's example runs as cmake/tests/consumer/
// model_main.cc, against an installed lastref.)

#include <gtest/gtest.h>

#include <atomic>

#include <lastref/model/test.h>

namespace {

using lastref::model::check;
using lastref::model::dpor_source;
using lastref::model::exactly_once;
using lastref::model::random_source;
using lastref::model::test;
using P = lastref::model::platform;

// A user's refcounted object: two references, each thread drops one; the
// last put must release exactly once.
struct refcounted {
  P::atomic<int> refs{2};
  exactly_once released{"release"};
};

// The bug: "am I the last one?" is checked before the decrement, so two
// puts can both see 2 and neither releases.
void put_check_then_act(refcounted& s) {
  if (s.refs.load(std::memory_order_acquire) == 1) {
    s.refs.store(0, std::memory_order_relaxed);
    s.released.hit();
  } else {
    s.refs.fetch_sub(1, std::memory_order_release);
  }
}

// The fix: one atomic read-modify-write decides who was last.
void put_fetch_sub(refcounted& s) {
  if (s.refs.fetch_sub(1, std::memory_order_acq_rel) == 1) s.released.hit();
}

void make(test<refcounted>& t, void (*put)(refcounted&)) {
  t.thread(put).thread(put).check([](refcounted& s) { s.released.expect_once(); });
}

TEST(Front, FindsTheCheckThenActPutAndReplaysIt) {
  test<refcounted> t;
  make(t, &put_check_then_act);
  dpor_source every;
  const auto r = t.explore(every, 100'000);
  ASSERT_TRUE(r.found()) << r.summary();
  EXPECT_EQ(r.failure.kind, lastref::model::failure_kind::invariant);
  EXPECT_NE(r.report.find("release ran 0 times, expected exactly once"), std::string::npos)
      << r.report;
  EXPECT_EQ(r.token.rfind("lastref-replay:", 0), 0u);
  EXPECT_EQ(r.summary().rfind("FAILED [invariant] after ", 0), 0u) << r.summary();
  const auto again = t.replay(r.token);
  EXPECT_EQ(again.kind, r.failure.kind);
  EXPECT_EQ(again.trace, r.failure.trace);
}

TEST(Front, TheFetchSubFixIsCleanOverEverySchedule) {
  test<refcounted> t;
  make(t, &put_fetch_sub);
  dpor_source every;
  const auto r = t.explore(every, 100'000);
  EXPECT_FALSE(r.found()) << r.report;
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.report.empty());
  EXPECT_EQ(r.summary().rfind("complete: ", 0), 0u) << r.summary();
}

TEST(Front, ABudgetCutSearchIsIncomplete) {
  test<refcounted> t;
  make(t, &put_fetch_sub);
  random_source some(1);
  const auto r = t.explore(some, 3);
  EXPECT_FALSE(r.found());
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.executions, 3u);
  EXPECT_EQ(r.summary().rfind("incomplete: 3 executions", 0), 0u) << r.summary();
}

}  // namespace
