// SPDX-License-Identifier: MIT
#pragma once
// my::lost_inc_refcount — DELIBERATELY WRONG: inc() is a load followed by a
// store, two atomic operations instead of one read-modify-write.
//
// What goes wrong: a put (or another get) between the load and the store
// is overwritten. Lost against a put, the count ends one too high and the
// object is never released (a leak); lost against a get, it ends one too
// low and the last put frees the object while a holder still uses it
// (use-after-free). Every access is atomic, so there is no data race on the
// counter itself for ThreadSanitizer to see; only the schedule exposes it.
//
// Why it is not in lastref's zoo (primitives/zoo/README.md): the zoo's
// counting bugs are all on the *put* side or the lookup — a relaxed put (2),
// resurrection by a plain increment in get_unless_zero (3), wrap-around (4),
// an unchecked double put (5), a check-then-store-0 on the last put (6).
// Here every put, every lookup and the saturation-free range are correct;
// the broken operation is the plain get() of a caller that already holds a
// reference, which no zoo entry touches, and it corrupts the count in both
// directions (leak or premature free) instead of only on the last put.
// Real bug class: `atomic_set(&obj->ref, atomic_read(&obj->ref) + 1)` —
// and its C++ spelling `a.store(a.load() + 1)` — in hand-rolled counters.
#include <atomic>

namespace my {

template <class P>
class lost_inc_refcount {
  typename P::template atomic<int> n_;  // references held (see above)

 public:
  explicit lost_inc_refcount(int n = 1) : n_(n) {}
  lost_inc_refcount(const lost_inc_refcount&) = delete;
  int read() const { return n_.load(std::memory_order_relaxed); }
  void set(int n) { n_.store(n, std::memory_order_relaxed); }
  void inc() {
    const int v = n_.load(std::memory_order_relaxed);
    n_.store(v + 1, std::memory_order_relaxed);  // BUG: not one RMW
  }
  bool inc_not_zero() {
    int v = n_.load(std::memory_order_relaxed);
    while (v != 0 && !n_.compare_exchange_weak(v, v + 1, std::memory_order_relaxed,
                                               std::memory_order_relaxed)) {
    }
    return v != 0;
  }
  bool dec_and_test() {
    if (n_.fetch_sub(1, std::memory_order_release) != 1) return false;
    (void)n_.load(std::memory_order_acquire);
    return true;
  }
};

}  // namespace my
