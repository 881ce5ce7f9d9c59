// thread.h: run_thread_body swallows exactly thread_exit.

#include <gtest/gtest.h>

#include <atomic>

#include "lastref/thread.h"

namespace lastref::test {
namespace {

TEST(thread, RunThreadBodyCatchesThreadExit) {
  bool before = false, after = false;
  run_thread_body([&] {
    before = true;
    std_platform::exit_thread();
    after = true;
  });
  EXPECT_TRUE(before);
  EXPECT_FALSE(after);
}

TEST(thread, JoiningThreadRunsAndJoins) {
  std::atomic<int> ran{0};
  {
    joining_thread t([&] {
      ran.fetch_add(1);
      std_platform::exit_thread();
    });
  }
  EXPECT_EQ(ran.load(), 1);
  std::thread raw = run_thread([&] { ran.fetch_add(1); });
  raw.join();
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace lastref::test
