// SPDX-License-Identifier: MIT
// Scheduler basics: threads run, setup/check order, blocking, timeouts.

#include <gtest/gtest.h>

#include <climits>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;

struct counter_prog : program {
  P::atomic<int> n{0};
  int threads() const override { return 3; }
  void run(int) override {
    for (int i = 0; i < 3; ++i) n.fetch_add(1, std::memory_order_relaxed);
  }
  void check() override { model::check(n.load(std::memory_order_relaxed) == 9, "sum is 9"); }
};

TEST(Runtime, RunsAllThreadsUnderEverySource) {
  const program_factory subject = factory<counter_prog>();
  checker c;
  random_source r(1);
  auto e = c.explore(subject, r, 200);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_EQ(e.executions, 200u);
  pct_source p(2);
  EXPECT_FALSE(c.explore(subject, p, 200).found());
  dfs_source d(2);
  auto x = c.explore(subject, d, 1'000'000);
  EXPECT_FALSE(x.found()) << x.failure.report();
  EXPECT_TRUE(x.complete);
  EXPECT_GT(x.executions, 10u);
}

// A futex handshake: thread 1 waits until thread 0 publishes.
struct handshake : program {
  P::atomic<std::uint32_t> flag{0};
  P::cell<int> data{0};
  bool relaxed;
  explicit handshake(bool r) : relaxed(r) {}
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) {
      data.write(42);
      flag.store(1, relaxed ? std::memory_order_relaxed : std::memory_order_release);
      P::futex_wake_all(flag);
    } else {
      while (flag.load(relaxed ? std::memory_order_relaxed : std::memory_order_acquire) == 0)
        P::futex_wait(flag, 0);
      model::check(data.read() == 42, "sees the data");
    }
  }
};

TEST(Runtime, HandshakeCleanWithAcquireRelease) {
  const program_factory subject = factory<handshake>(false);
  checker c;
  dfs_source d(3);
  auto e = c.explore(subject, d, 1'000'000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

TEST(Runtime, HandshakeRaceWithRelaxed) {
  const program_factory subject = factory<handshake>(true);
  checker c;
  dfs_source d(2);
  auto e = c.explore(subject, d, 1'000'000);
  ASSERT_TRUE(e.found());
  EXPECT_EQ(e.failure.kind, failure_kind::data_race) << e.failure.report();
}

}  // namespace
}  // namespace lastref::model
namespace lastref::model {
namespace {

// setup() happens-before every thread; every thread happens-before check().
struct phases : program {
  P::cell<int> a{0};
  P::cell<int> b[3];
  int threads() const override { return 3; }
  void setup() override { a.write(1); }
  void run(int t) override { b[t].write(a.read() + t); }
  void check() override {
    for (int t = 0; t < 3; ++t) model::check(b[t].read() == 1 + t, "each thread ran once");
  }
};

TEST(Runtime, SetupAndCheckAreOrderedWithTheThreads) {
  const program_factory subject = factory<phases>();
  checker c;
  dfs_source d(3);
  auto e = c.explore(subject, d, 1'000'000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

// Objects left alive are reclaimed (their destructors run) at execution end.
struct leaky : program {
  struct obj {
    int* count;
    explicit obj(int* c) : count(c) {}
    ~obj() { ++*count; }
  };
  int* count;
  explicit leaky(int* c) : count(c) {}
  int threads() const override { return 1; }
  void run(int) override { (void)P::make<obj>(count); }
};

TEST(Runtime, ReclaimsLiveObjectsAtExecutionEnd) {
  int count = 0;
  const program_factory subject = factory<leaky>(&count);
  checker c;
  random_source r(1);
  c.explore(subject, r, 100);
  EXPECT_EQ(count, 100);
}

TEST(Runtime, PlatformWorksOutsideExecutions) {
  P::atomic<int> x{1};
  EXPECT_EQ(x.fetch_add(2, std::memory_order_relaxed), 1);
  P::cell<int> c{3};
  c.write(4);
  EXPECT_EQ(c.read(), 4);
  P::atomic<std::uint32_t> w{0};
  P::futex_wait(w, 0);  // returns at once, like a spurious wake-up
  P::futex_wake_all(w);
  auto* p = P::make<int>(5);
  EXPECT_EQ(*p, 5);
  P::destroy(p);
  EXPECT_FALSE(model::active());
  EXPECT_EQ(model::thread_id(), -1);
}

// exit_thread ends the thread (lastref::thread_exit, as std_platform).
struct exits : program {
  P::atomic<int> after{0};
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 0) P::exit_thread();
    after.fetch_add(1, std::memory_order_relaxed);
  }
  void check() override { model::check(after.load(std::memory_order_relaxed) == 1, "T0 exited"); }
};

TEST(Runtime, ExitThreadEndsOnlyThatThread) {
  const program_factory subject = factory<exits>();
  checker c;
  dfs_source d(2);
  auto e = c.explore(subject, d, 1000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  EXPECT_TRUE(e.complete);
}

struct eight : program {
  P::atomic<int> n{0};
  P::mutex m;
  P::cell<int> guarded{0};
  int threads() const override { return max_threads; }
  void run(int) override {
    n.fetch_add(1, std::memory_order_relaxed);
    m.lock();
    guarded.write(guarded.read() + 1);
    m.unlock();
  }
  void check() override {
    model::check(n.load(std::memory_order_relaxed) == max_threads, "all ran");
    model::check(guarded.read() == max_threads, "mutual exclusion");
  }
};

TEST(Runtime, EightThreads) {
  const program_factory subject = factory<eight>();
  checker c;
  random_source r(3, random_source::mode::uniform);
  auto e = c.explore(subject, r, 2000);
  EXPECT_FALSE(e.found()) << e.failure.report();
  pct_source p(3);
  auto x = c.explore(subject, p, 2000);
  EXPECT_FALSE(x.found()) << x.failure.report();
}

TEST(Runtime, WrapsLikeStdAtomic) {
  struct wrap : program {
    P::atomic<int> x{INT_MAX};
    int threads() const override { return 1; }
    void run(int) override { x.fetch_add(1, std::memory_order_relaxed); }
    void check() override { model::check(x.load(std::memory_order_relaxed) == INT_MIN, "wraps"); }
  };
  const program_factory subject = factory<wrap>();
  checker c;
  random_source r(1);
  EXPECT_FALSE(c.explore(subject, r, 1).found());
}

// Every size of value: 1, 2, 4 and 8 bytes take detail/ops.h's narrow
// entry points (bits in registers), 3 and 16 bytes the by-address ones;
// both must give std::atomic's results (wrapping, CAS writing back the
// value read) under both memory models.
struct rgb {
  std::uint8_t r, g, b;
  bool operator==(const rgb&) const = default;
};
struct wide {
  std::uint64_t lo, hi;
  bool operator==(const wide&) const = default;
};

struct sizes_prog : program {
  P::atomic<std::uint8_t> u8{255};
  P::atomic<std::int16_t> i16{SHRT_MIN};
  P::atomic<std::uint64_t> u64{0xf0};
  P::atomic<int*> ptr{nullptr};
  P::atomic<rgb> three{rgb{1, 2, 3}};
  P::atomic<wide> sixteen{wide{1, 2}};
  int slot = 0;
  int threads() const override { return 1; }
  void run(int) override {
    const auto r = std::memory_order_relaxed;
    model::check(u8.fetch_add(1, r) == 255 && u8.load(r) == 0, "uint8_t wraps");
    model::check(i16.fetch_sub(1, r) == SHRT_MIN && i16.load(r) == SHRT_MAX, "int16_t wraps");
    model::check(u64.fetch_or(0x0f00000000000000, r) == 0xf0, "fetch_or returns the old value");
    model::check(u64.fetch_and(0x0f000000000000f0, r) == 0x0f000000000000f0 &&
                     u64.load(r) == 0x0f000000000000f0,
                 "fetch_and");
    model::check(ptr.exchange(&slot) == nullptr, "exchange returns the old pointer");
    int* want = nullptr;
    model::check(!ptr.compare_exchange_strong(want, nullptr) && want == &slot,
                 "a failed CAS writes back the value read");
    while (!ptr.compare_exchange_weak(want, nullptr)) {
    }
    model::check(ptr.load() == nullptr, "weak CAS succeeds eventually");
    three.store(rgb{4, 5, 6});
    model::check(three.exchange(rgb{7, 8, 9}) == rgb{4, 5, 6}, "3-byte exchange");
    rgb e{0, 0, 0};
    model::check(!three.compare_exchange_strong(e, rgb{}) && e == rgb{7, 8, 9},
                 "3-byte failed CAS writes back");
    model::check(
        three.compare_exchange_strong(e, rgb{10, 11, 12}) && three.load() == rgb{10, 11, 12},
        "3-byte CAS");
    sixteen.store(wide{3, 4});
    wide w{3, 4};
    model::check(sixteen.compare_exchange_strong(w, wide{5, 6}) && sixteen.load() == wide{5, 6},
                 "16-byte CAS");
  }
};

TEST(Runtime, EverySizeOfValueBehavesLikeStdAtomic) {
  for (const memory_model mm : {memory_model::sc, memory_model::c11}) {
    run_options o;
    o.memory = mm;
    checker c;
    random_source r(1);
    const auto e = c.explore(factory<sizes_prog>(), r, 20, o);
    EXPECT_FALSE(e.found()) << e.failure.report();
  }
}

}  // namespace
}  // namespace lastref::model
