// SPDX-License-Identifier: MIT
// kref unit tests: init/get/put, release exactly once, get_unless_zero on 0,
// put_mutex/put_lock run release with the lock held, and a threaded smoke test.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "implementations.h"
#include "lastref/kref.h"
#include "test_reporter.h"

namespace lastref::test {
namespace {

template <class K>
class kref_test : public ::testing::Test {
 protected:
  recording_reporter reports_;
};
TYPED_TEST_SUITE(kref_test, kref_implementations);

TYPED_TEST(kref_test, StartsAtOne) {
  TypeParam k;
  EXPECT_EQ(k.read(), 1u);
  k.get();
  EXPECT_EQ(k.read(), 2u);
  if constexpr (kernel_kref_primitive<TypeParam>) {
    k.init();
    EXPECT_EQ(k.read(), 1u);
  }
}

TYPED_TEST(kref_test, ReleaseRunsOnceOnLastPut) {
  TypeParam k;
  int released = 0;
  TypeParam* seen = nullptr;
  auto release = [&](TypeParam& r) {
    ++released;
    seen = &r;
  };
  k.get();
  k.get();
  EXPECT_FALSE(k.put(release));
  EXPECT_FALSE(k.put(release));
  EXPECT_EQ(released, 0);
  EXPECT_TRUE(k.put(release));
  EXPECT_EQ(released, 1);
  EXPECT_EQ(seen, &k);
  EXPECT_EQ(k.read(), 0u);
  EXPECT_EQ(this->reports_.size(), 0u);
}

TYPED_TEST(kref_test, GetUnlessZero) {
  TypeParam k;
  EXPECT_TRUE(k.get_unless_zero());
  EXPECT_EQ(k.read(), 2u);
  EXPECT_FALSE(k.put([](TypeParam&) {}));
  EXPECT_TRUE(k.put([](TypeParam&) {}));
  EXPECT_FALSE(k.get_unless_zero());
  EXPECT_EQ(k.read(), 0u);
  EXPECT_EQ(this->reports_.size(), 0u);
}

TYPED_TEST(kref_test, GetOnZeroWarns) {
  if constexpr (!kernel_kref_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel kref (concepts.h: kernel_kref_primitive)";
  } else {
    TypeParam k;
    EXPECT_TRUE(k.put([](TypeParam&) {}));
    k.get();  // use after free: saturates, reports addition on 0
    EXPECT_EQ(refcount_report_count(refcount_saturation::add_uaf), 1u);
    EXPECT_FALSE(k.put([](TypeParam&) { ADD_FAILURE() << "saturated kref released"; }));
  }
}

TYPED_TEST(kref_test, PutMutexReleasesWithLockHeld) {
  TypeParam k;
  std::mutex m;
  k.get();
  bool held_in_release = false;
  auto release = [&](TypeParam&) {
    held_in_release = !m.try_lock();
    m.unlock();  // release must unlock
  };
  EXPECT_FALSE(k.put_mutex(release, m));
  ASSERT_TRUE(m.try_lock());  // not left locked
  m.unlock();
  EXPECT_TRUE(k.put_mutex(release, m));
  EXPECT_TRUE(held_in_release);
  ASSERT_TRUE(m.try_lock());
  m.unlock();
}

TYPED_TEST(kref_test, PutLockReleasesWithLockHeld) {
  if constexpr (!kernel_kref_primitive<TypeParam>) {
    GTEST_SKIP() << "not a kernel kref (concepts.h: kernel_kref_primitive)";
  } else {
    TypeParam k;
    std::mutex m;
    int released = 0;
    bool held_in_release = false;
    EXPECT_TRUE(k.put_lock(
        [&](TypeParam&) {
          ++released;
          held_in_release = !m.try_lock();
          m.unlock();
        },
        m));
    EXPECT_EQ(released, 1);
    EXPECT_TRUE(held_in_release);
  }
}

// The kernel pattern put_mutex exists for: a lookup table under a mutex whose
// lookups use get_unless_zero never find an object whose release has begun.
TYPED_TEST(kref_test, ThreadsPutMutexVersusLookup) {
  struct object {
    TypeParam ref;
    int payload = 0;
  };
  constexpr int rounds = 300;
  for (int round = 0; round < rounds; ++round) {
    std::mutex table_lock;
    object* const obj = new object;
    object* table = obj;
    std::atomic<int> releases{0};
    auto release = [&, obj](TypeParam& r) {
      EXPECT_EQ(&r, &obj->ref);
      table = nullptr;
      table_lock.unlock();
      releases.fetch_add(1, std::memory_order_relaxed);
      delete obj;
    };
    std::thread lookup([&] {
      object* found = nullptr;
      {
        std::lock_guard<std::mutex> g(table_lock);
        if (table != nullptr && table->ref.get_unless_zero()) found = table;
      }
      if (found != nullptr) {
        found->payload = 1;
        found->ref.put_mutex(release, table_lock);
      }
    });
    object* mine = nullptr;
    {
      std::lock_guard<std::mutex> g(table_lock);
      mine = table;
    }
    mine->ref.put_mutex(release, table_lock);
    lookup.join();
    EXPECT_EQ(releases.load(), 1);
    EXPECT_EQ(table, nullptr);
  }
  EXPECT_EQ(this->reports_.size(), 0u);
}

TYPED_TEST(kref_test, ThreadsGetPut) {
  constexpr int threads = 4;
  constexpr int iterations = 2000;
  TypeParam k;
  std::atomic<int> releases{0};
  {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (int i = 0; i < iterations; ++i) {
          k.get();
          EXPECT_FALSE(k.put([&](TypeParam&) { releases.fetch_add(1); }));
        }
      });
    for (auto& t : ts) t.join();
  }
  EXPECT_EQ(k.read(), 1u);
  EXPECT_TRUE(k.put([&](TypeParam&) { releases.fetch_add(1); }));
  EXPECT_EQ(releases.load(), 1);
}

}  // namespace
}  // namespace lastref::test
