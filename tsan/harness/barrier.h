// SPDX-License-Identifier: MIT
#pragma once
// A reusable barrier for round-based scenarios (mutex + condition variable,
// which ThreadSanitizer understands natively).
//
// Contract: n threads call wait(); all return once the n-th arrives; the
// barrier is then ready for the next round. wait() is a happens-before edge
// from everything before any arrival to everything after every return, so a
// scenario places barriers only where that edge cannot hide the race it
// looks for (e.g. never between a holder's write and the release it races
// with).
//
// Lifetime: must outlive every thread that waits on it.
//
// Memory ordering: that of std::mutex.

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace lastref::tsan {

class barrier {
 public:
  explicit barrier(unsigned n) : n_(n) {}
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  void wait() {
    std::unique_lock<std::mutex> lk(m_);
    uint64_t gen = generation_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lk, [&] { return generation_ != gen; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  unsigned n_;
  unsigned arrived_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace lastref::tsan
