// SPDX-License-Identifier: MIT
// refcount_t unit tests: every LKDTM refcount case (Linux
// drivers/misc/lkdtm/refcount.c) with the outcome a 5.10+ kernel produces —
// value afterwards, report kind, number of reports — plus dec_if_one,
// dec_not_one, dec_and_lock and a multi-threaded smoke test.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "implementations.h"
#include "lastref/refcount.h"
#include "test_reporter.h"

namespace lastref::test {
namespace {

template <class R>
class refcount_test : public ::testing::Test {
 protected:
  // Exactly one report, of `kind`, naming `r`.
  void expect_one_report(const R& r, refcount_saturation kind) {
    auto e = reports_.entries();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, kind);
    EXPECT_EQ(e[0].counter, static_cast<const void*>(&r));
    EXPECT_EQ(refcount_report_count(kind), 1u);
    EXPECT_EQ(refcount_report_count_total(), 1u);
  }
  void expect_no_report() {
    EXPECT_EQ(reports_.size(), 0u);
    EXPECT_EQ(refcount_report_count_total(), 0u);
  }

  recording_reporter reports_;
};
TYPED_TEST_SUITE(refcount_test, refcount_implementations);

TYPED_TEST(refcount_test, Constants) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    EXPECT_EQ(TypeParam::saturated, INT_MIN / 2);
    EXPECT_EQ(TypeParam::max, INT_MAX);
  }
}

// The operations every refcount has (concepts.h: refcount_primitive).
TYPED_TEST(refcount_test, CoreOperations) {
  TypeParam d;
  EXPECT_EQ(d.read(), 1);
  TypeParam r(1);
  r.inc();
  EXPECT_EQ(r.read(), 2);
  EXPECT_TRUE(r.inc_not_zero());
  EXPECT_EQ(r.read(), 3);
  EXPECT_FALSE(r.dec_and_test());
  EXPECT_FALSE(r.dec_and_test());
  EXPECT_TRUE(r.dec_and_test());
  EXPECT_EQ(r.read(), 0);
  EXPECT_FALSE(r.inc_not_zero());
  EXPECT_EQ(r.read(), 0);
  r.set(7);
  EXPECT_EQ(r.read(), 7);
  this->expect_no_report();
}

TYPED_TEST(refcount_test, GoodUseIsSilent) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(1);
    r.inc();
    r.add(3);
    EXPECT_EQ(r.read(), 5);
    EXPECT_TRUE(r.inc_not_zero());
    EXPECT_TRUE(r.add_not_zero(2));
    EXPECT_EQ(r.read(), 8);
    r.dec();
    EXPECT_FALSE(r.sub_and_test(6));
    EXPECT_TRUE(r.dec_and_test());
    EXPECT_EQ(r.read(), 0);
    r.set(7);
    EXPECT_EQ(r.read(), 7);
    this->expect_no_report();
  }
}

// --- LKDTM REFCOUNT_* ---------------------------------------------------------

TYPED_TEST(refcount_test, LkdtmIncOverflow) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam over(TypeParam::max - 1);
    over.dec();
    over.inc();
    this->expect_no_report();
    over.inc();  // reaches max: still fine
    EXPECT_EQ(over.read(), TypeParam::max);
    this->expect_no_report();
    over.inc();  // overflow
    EXPECT_EQ(over.read(), TypeParam::saturated);
    this->expect_one_report(over, refcount_saturation::add_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmAddOverflow) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam over(TypeParam::max - 1);
    for (int i = 0; i < 4; ++i) over.dec();
    over.add(4);
    EXPECT_EQ(over.read(), TypeParam::max - 1);
    this->expect_no_report();
    over.add(4);
    EXPECT_EQ(over.read(), TypeParam::saturated);
    this->expect_one_report(over, refcount_saturation::add_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmIncNotZeroOverflow) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam over(TypeParam::max);
    EXPECT_TRUE(over.inc_not_zero());
    EXPECT_EQ(over.read(), TypeParam::saturated);
    this->expect_one_report(over, refcount_saturation::add_not_zero_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmAddNotZeroOverflow) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam over(TypeParam::max);
    EXPECT_TRUE(over.add_not_zero(6));
    EXPECT_EQ(over.read(), TypeParam::saturated);
    this->expect_one_report(over, refcount_saturation::add_not_zero_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmDecZero) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam zero(2);
    zero.dec();
    this->expect_no_report();
    zero.dec();  // a plain dec to 0 leaks rather than frees
    EXPECT_EQ(zero.read(), TypeParam::saturated);
    this->expect_one_report(zero, refcount_saturation::dec_leak);
  }
}

TYPED_TEST(refcount_test, LkdtmDecNegative) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam neg(0);
    neg.dec();
    EXPECT_EQ(neg.read(), TypeParam::saturated);
    this->expect_one_report(neg, refcount_saturation::dec_leak);
  }
}

TYPED_TEST(refcount_test, LkdtmDecAndTestNegative) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam neg(0);
    EXPECT_FALSE(neg.dec_and_test());
    EXPECT_EQ(neg.read(), TypeParam::saturated);
    this->expect_one_report(neg, refcount_saturation::sub_uaf);
  }
}

TYPED_TEST(refcount_test, LkdtmSubAndTestNegative) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam neg(3);
    EXPECT_FALSE(neg.sub_and_test(5));
    EXPECT_EQ(neg.read(), TypeParam::saturated);
    this->expect_one_report(neg, refcount_saturation::sub_uaf);
  }
}

TYPED_TEST(refcount_test, LkdtmIncZero) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam zero(0);
    EXPECT_FALSE(zero.inc_not_zero());
    EXPECT_EQ(zero.read(), 0);
    this->expect_no_report();
    zero.inc();
    EXPECT_EQ(zero.read(), TypeParam::saturated);
    this->expect_one_report(zero, refcount_saturation::add_uaf);
  }
}

TYPED_TEST(refcount_test, LkdtmAddZero) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam zero(0);
    EXPECT_FALSE(zero.add_not_zero(3));
    EXPECT_EQ(zero.read(), 0);
    this->expect_no_report();
    zero.add(3);
    EXPECT_EQ(zero.read(), TypeParam::saturated);
    this->expect_one_report(zero, refcount_saturation::add_uaf);
  }
}

TYPED_TEST(refcount_test, LkdtmIncSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    sat.inc();
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::add_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmDecSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    sat.dec();
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::dec_leak);
  }
}

TYPED_TEST(refcount_test, LkdtmAddSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    sat.add(8);
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::add_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmIncNotZeroSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    EXPECT_TRUE(sat.inc_not_zero());
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::add_not_zero_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmAddNotZeroSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    EXPECT_TRUE(sat.add_not_zero(7));
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::add_not_zero_ovf);
  }
}

TYPED_TEST(refcount_test, LkdtmDecAndTestSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    EXPECT_FALSE(sat.dec_and_test());
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::sub_uaf);
  }
}

TYPED_TEST(refcount_test, LkdtmSubAndTestSaturated) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam sat(TypeParam::saturated);
    EXPECT_FALSE(sat.sub_and_test(8));
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_one_report(sat, refcount_saturation::sub_uaf);
  }
}

// --- dec_if_one / dec_not_one / dec_and_lock ----------------------------------

TYPED_TEST(refcount_test, DecIfOne) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(2);
    EXPECT_FALSE(r.dec_if_one());
    EXPECT_EQ(r.read(), 2);
    r.set(1);
    EXPECT_TRUE(r.dec_if_one());
    EXPECT_EQ(r.read(), 0);
    EXPECT_FALSE(r.dec_if_one());
    EXPECT_EQ(r.read(), 0);
    TypeParam sat(TypeParam::saturated);
    EXPECT_FALSE(sat.dec_if_one());
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_no_report();
  }
}

TYPED_TEST(refcount_test, DecNotOne) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(3);
    EXPECT_TRUE(r.dec_not_one());
    EXPECT_EQ(r.read(), 2);
    EXPECT_TRUE(r.dec_not_one());
    EXPECT_EQ(r.read(), 1);
    EXPECT_FALSE(r.dec_not_one());
    EXPECT_EQ(r.read(), 1);
    TypeParam sat(TypeParam::saturated);
    EXPECT_TRUE(sat.dec_not_one());
    EXPECT_EQ(sat.read(), TypeParam::saturated);
    this->expect_no_report();
  }
}

TYPED_TEST(refcount_test, DecNotOneOnZeroWarnsWithoutSaturating) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam zero(0);
    EXPECT_TRUE(zero.dec_not_one());
    EXPECT_EQ(zero.read(), 0);  // lib/refcount.c only WARNs here
    this->expect_one_report(zero, refcount_saturation::sub_uaf);
  }
}

// A Lockable that records whether it is held.
struct probe_lock {
  std::mutex m;
  bool held = false;
  int locks = 0;
  void lock() {
    m.lock();
    held = true;
    ++locks;
  }
  void unlock() {
    held = false;
    m.unlock();
  }
};

TYPED_TEST(refcount_test, DecAndLockNotLastDoesNotLock) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(2);
    probe_lock l;
    EXPECT_FALSE(r.dec_and_lock(l));
    EXPECT_EQ(r.read(), 1);
    EXPECT_EQ(l.locks, 0);
    EXPECT_FALSE(l.held);
  }
}

TYPED_TEST(refcount_test, DecAndLockLastReturnsLocked) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(1);
    probe_lock l;
    EXPECT_TRUE(r.dec_and_lock(l));
    EXPECT_EQ(r.read(), 0);
    EXPECT_TRUE(l.held);
    l.unlock();
    this->expect_no_report();
  }
}

TYPED_TEST(refcount_test, DecAndLockRacedUpUnlocks) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    // Count 1, but someone takes a reference while we wait for the lock: the
    // decrement under the lock is then not the last, and the lock is dropped.
    TypeParam r(1);
    struct racing_lock : probe_lock {
      TypeParam* r;
      void lock() {
        r->inc();
        probe_lock::lock();
      }
    } l;
    l.r = &r;
    EXPECT_FALSE(r.dec_and_lock(l));
    EXPECT_EQ(r.read(), 1);
    EXPECT_EQ(l.locks, 1);
    EXPECT_FALSE(l.held);
  }
}

TYPED_TEST(refcount_test, DecAndMutexLockWithStdMutex) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    TypeParam r(1);
    std::mutex m;
    ASSERT_TRUE(r.dec_and_mutex_lock(m));
    EXPECT_FALSE(m.try_lock());
    m.unlock();
  }
}

TYPED_TEST(refcount_test, DefaultReporterCountsWhenNoneInstalled) {
  if constexpr (!kernel_refcount_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel refcount_t (concepts.h: kernel_refcount_primitive)";
  } else {
    refcount_reporter* previous = set_refcount_reporter(nullptr);
    reset_refcount_report_counts();
    TypeParam zero(0);
    zero.inc();
    EXPECT_EQ(refcount_report_count(refcount_saturation::add_uaf), 1u);
    set_refcount_reporter(previous);
  }
}

// --- threads ------------------------------------------------------------------

// Many holders put concurrently: exactly one sees the last put, it sees every
// holder's write (TSan checks the release/acquire), and nothing warns.
TYPED_TEST(refcount_test, ThreadsLastPutExactlyOnce) {
  constexpr int threads = 4;
  constexpr int rounds = 300;
  for (int round = 0; round < rounds; ++round) {
    auto* r = new TypeParam(threads);
    auto* data = new int[threads]{};
    std::atomic<int> last{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([=, &last] {
        data[t] = t + 1;
        r->inc();
        if constexpr (kernel_refcount_primitive<TypeParam>)
          r->dec();
        else
          EXPECT_FALSE(r->dec_and_test());  // the inc above keeps it above 0
        if (r->dec_and_test()) {
          int sum = 0;
          for (int i = 0; i < threads; ++i) sum += data[i];
          EXPECT_EQ(sum, threads * (threads + 1) / 2);
          last.fetch_add(1, std::memory_order_relaxed);
          delete[] data;
          delete r;
        }
      });
    }
    for (auto& t : ts) t.join();
    ASSERT_EQ(last.load(), 1);
  }
  this->expect_no_report();
}

TYPED_TEST(refcount_test, ThreadsIncNotZeroVersusLastPut) {
  // A lookup racing with the final put either gets a reference before the
  // count hits zero or fails; it never resurrects a dead object.
  constexpr int rounds = 500;
  for (int round = 0; round < rounds; ++round) {
    TypeParam r(1);
    std::atomic<int> released{0};
    std::thread lookup([&] {
      if (r.inc_not_zero()) {
        if (r.dec_and_test()) released.fetch_add(1, std::memory_order_relaxed);
      }
    });
    if (r.dec_and_test()) released.fetch_add(1, std::memory_order_relaxed);
    lookup.join();
    EXPECT_EQ(released.load(), 1);
    EXPECT_EQ(r.read(), 0);
  }
  this->expect_no_report();
}

}  // namespace
}  // namespace lastref::test
