// SPDX-License-Identifier: MIT
#pragma once
// A legal but adversarial Platform for the lifetime tests: every futex wait
// returns at once (spurious wake-ups are allowed by the Platform contract),
// so waiters spin on the word; and every successful RMW is followed by a
// pause, so a thread that touches an object after its publishing RMW does so
// while the (spinning) other side has long since freed it. Under ASan that
// is a heap-use-after-free report instead of a one-in-a-million race.

#include <atomic>
#include <cstdint>
#include <thread>

#include "lastref/platform.h"

namespace lastref::test {

// The pause does not touch the atomic: it runs after the RMW returned.
inline void hostile_pause() noexcept {
  for (int i = 0; i < 20; ++i) std::this_thread::yield();
}

template <class T>
class hostile_atomic : public std::atomic<T> {
 public:
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;

  T exchange(T v, std::memory_order mo) noexcept {
    T r = std::atomic<T>::exchange(v, mo);
    hostile_pause();
    return r;
  }
  T fetch_add(T v, std::memory_order mo) noexcept {
    T r = std::atomic<T>::fetch_add(v, mo);
    hostile_pause();
    return r;
  }
  T fetch_sub(T v, std::memory_order mo) noexcept {
    T r = std::atomic<T>::fetch_sub(v, mo);
    hostile_pause();
    return r;
  }
  T fetch_or(T v, std::memory_order mo) noexcept {
    T r = std::atomic<T>::fetch_or(v, mo);
    hostile_pause();
    return r;
  }
  T fetch_and(T v, std::memory_order mo) noexcept {
    T r = std::atomic<T>::fetch_and(v, mo);
    hostile_pause();
    return r;
  }
  bool compare_exchange_weak(T& e, T d, std::memory_order s, std::memory_order f) noexcept {
    bool r = std::atomic<T>::compare_exchange_weak(e, d, s, f);
    if (r) hostile_pause();
    return r;
  }
  bool compare_exchange_strong(T& e, T d, std::memory_order s, std::memory_order f) noexcept {
    bool r = std::atomic<T>::compare_exchange_strong(e, d, s, f);
    if (r) hostile_pause();
    return r;
  }
};

struct hostile_platform : std_platform {
  template <class T>
  using atomic = hostile_atomic<T>;

  static void futex_wait(atomic<std::uint32_t>&, std::uint32_t) noexcept {
    std::this_thread::yield();
  }
  static bool futex_wait_until(atomic<std::uint32_t>&, std::uint32_t,
                               clock::time_point deadline) noexcept {
    std::this_thread::yield();
    return now() < deadline;
  }
  // Wakes are real syscalls on a possibly freed address, as in production.
  static void futex_wake_one(atomic<std::uint32_t>& w) noexcept { std_platform::futex_wake_one(w); }
  static void futex_wake_all(atomic<std::uint32_t>& w) noexcept { std_platform::futex_wake_all(w); }
};

}  // namespace lastref::test
