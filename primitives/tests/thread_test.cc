// SPDX-License-Identifier: MIT
// thread.h: run_thread_body swallows exactly thread_exit.

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

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

// The last action runs only after every frame of the body is unwound: that
// is what lets it be the put/complete that frees the body's module text.
TEST(thread, LastActionRunsAfterUnwinding) {
  std::vector<const char*> order;
  struct frame_guard {
    std::vector<const char*>& order;
    ~frame_guard() { order.push_back("unwound"); }
  };
  run_thread_body([&] {
    frame_guard g{order};
    std_platform::exit_thread(thread_exit{
        [](void* o) { static_cast<std::vector<const char*>*>(o)->push_back("last action"); },
        &order});
  });
  EXPECT_EQ(order, (std::vector<const char*>{"unwound", "last action"}));
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
