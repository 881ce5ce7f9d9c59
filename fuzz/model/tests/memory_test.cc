// SPDX-License-Identifier: MIT
// Memory stays flat across many executions, failing ones included (their
// fibers are abandoned, their model objects reclaimed). Counted, not timed:
// this binary replaces the global operator new/delete to count live
// allocations, and compares the count after a warm-up with the count after
// many more executions.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <lastref/model/model.h>
#include <lastref/model/reference_bug.h>

namespace {
// Relaxed: only this test's thread allocates while counting.
std::atomic<long> g_live{0};
}  // namespace

void* operator new(std::size_t n) {
  g_live.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  g_live.fetch_add(1, std::memory_order_relaxed);
  std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete(void* p, std::align_val_t) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { operator delete(p); }

namespace lastref::model {
namespace {

#ifdef NDEBUG
constexpr std::uint64_t executions = 1'000'000;
#else
constexpr std::uint64_t executions = 100'000;
#endif

template <class Source>
void expect_flat(const program_factory& f, Source& src, bool expect_failures) {
  checker c;
  std::uint64_t failures = 0;
  for (int i = 0; i < 2000; ++i) failures += c.run(f, src).failed();  // warm-up: pools, buffers
  const long before = g_live.load(std::memory_order_relaxed);
  for (std::uint64_t i = 0; i < executions; ++i) failures += c.run(f, src).failed();
  const long after = g_live.load(std::memory_order_relaxed);
  EXPECT_EQ(after, before) << "live allocations grew over " << executions << " executions";
  if (expect_failures) {
    EXPECT_GT(failures, 100u);
  }
}

TEST(Memory, FlatAcrossFailingExecutions) {
  random_source r(11);
  expect_flat(factory<reference_bug>(reference_bug_config{}), r, true);
}

TEST(Memory, FlatAcrossPassingExecutions) {
  random_source r(12);
  expect_flat(factory<reference_bug>(
                  reference_bug_config{release_placement::builtin, unload_policy::immediate}),
              r, false);
}

}  // namespace
}  // namespace lastref::model
