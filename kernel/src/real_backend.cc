// SPDX-License-Identifier: MIT
// The lastref_k_* ABI over real threads, for the ThreadSanitizer stress build
// of a kernel-C test (<name>_tsan). Compiled with -fsanitize=thread together
// with the user's C, so ThreadSanitizer sees every atomic as the atomic it is
// and checks every plain access of the user's C against it.
//
// Contract: atomics are __atomic builtins on the user's own memory with the
// requested C11 order; futex wait/wake are futex(2) (private); kmalloc is
// malloc; a WARN prints and is counted (lastref_real_warnings), BUG aborts;
// kthreads are std::threads the driver joins at the end of each iteration.
// Module text residency is not tracked here (the model does that).
//
// Lifetime rule: spawned threads are joined by lastref_real_join_spawned().
//
// Memory ordering: exactly the C11 orders requested. ThreadSanitizer does not
// model fences, so lastref_k_acquire_after_rmw is an acquire load of the
// same word (equivalent on hardware, and visible to ThreadSanitizer).
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

extern "C" {
#include <lastref/linux/lastref_abi.h>
}
#include "real_backend.h"

namespace {

template <class T>
T* as(const volatile void* p) {
  return static_cast<T*>(const_cast<void*>(p));
}

std::uint64_t load(const volatile void* p, int size, int mo) {
  switch (size) {
    case 1:
      return __atomic_load_n(as<std::uint8_t>(p), mo);
    case 2:
      return __atomic_load_n(as<std::uint16_t>(p), mo);
    case 4:
      return __atomic_load_n(as<std::uint32_t>(p), mo);
    default:
      return __atomic_load_n(as<std::uint64_t>(p), mo);
  }
}

template <class T>
std::uint64_t rmw_t(T* p, int op, T v, int mo) {
  switch (op) {
    case LASTREF_K_ADD:
      return __atomic_fetch_add(p, v, mo);
    case LASTREF_K_SUB:
      return __atomic_fetch_sub(p, v, mo);
    case LASTREF_K_AND:
      return __atomic_fetch_and(p, v, mo);
    case LASTREF_K_OR:
      return __atomic_fetch_or(p, v, mo);
    case LASTREF_K_XOR:
      return __atomic_fetch_xor(p, v, mo);
    default:
      return __atomic_exchange_n(p, v, mo);
  }
}

template <class T>
std::uint64_t cas_t(T* p, T expected, T desired, int smo, int fmo) {
  T e = expected;
  __atomic_compare_exchange_n(p, &e, desired, false, smo, fmo);
  return e;
}

std::atomic<int> warnings{0};
std::mutex spawned_mu;
std::vector<std::thread> spawned;
thread_local void* current_task = nullptr;

struct thread_exit_signal {};

}  // namespace

extern "C" {

uint64_t lastref_k_load(const volatile void* p, int size, int mo, lastref_loc_t) {
  return load(p, size, mo);
}

void lastref_k_store(volatile void* p, int size, uint64_t v, int mo, lastref_loc_t) {
  switch (size) {
    case 1:
      __atomic_store_n(as<std::uint8_t>(p), static_cast<std::uint8_t>(v), mo);
      break;
    case 2:
      __atomic_store_n(as<std::uint16_t>(p), static_cast<std::uint16_t>(v), mo);
      break;
    case 4:
      __atomic_store_n(as<std::uint32_t>(p), static_cast<std::uint32_t>(v), mo);
      break;
    default:
      __atomic_store_n(as<std::uint64_t>(p), v, mo);
  }
}

uint64_t lastref_k_rmw(volatile void* p, int size, int op, uint64_t v, int mo, lastref_loc_t) {
  switch (size) {
    case 1:
      return rmw_t(as<std::uint8_t>(p), op, static_cast<std::uint8_t>(v), mo);
    case 2:
      return rmw_t(as<std::uint16_t>(p), op, static_cast<std::uint16_t>(v), mo);
    case 4:
      return rmw_t(as<std::uint32_t>(p), op, static_cast<std::uint32_t>(v), mo);
    default:
      return rmw_t(as<std::uint64_t>(p), op, v, mo);
  }
}

uint64_t lastref_k_cmpxchg(volatile void* p, int size, uint64_t e, uint64_t d, int smo, int fmo,
                           lastref_loc_t) {
  switch (size) {
    case 1:
      return cas_t(as<std::uint8_t>(p), static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(d),
                   smo, fmo);
    case 2:
      return cas_t(as<std::uint16_t>(p), static_cast<std::uint16_t>(e),
                   static_cast<std::uint16_t>(d), smo, fmo);
    case 4:
      return cas_t(as<std::uint32_t>(p), static_cast<std::uint32_t>(e),
                   static_cast<std::uint32_t>(d), smo, fmo);
    default:
      return cas_t(as<std::uint64_t>(p), e, d, smo, fmo);
  }
}

void lastref_k_init(volatile void* p, int size, uint64_t v, lastref_loc_t loc) {
  lastref_k_store(p, size, v, __ATOMIC_RELAXED, loc);
}

// ThreadSanitizer ignores fences (gcc says so with -Wtsan); the fence is
// still executed for the hardware.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
void lastref_k_fence(int mo, lastref_loc_t) { __atomic_thread_fence(mo); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void lastref_k_acquire_after_rmw(const volatile void* p, int size, lastref_loc_t) {
  (void)load(p, size, __ATOMIC_ACQUIRE);
}

// cpu_relax(): a yield rather than the kernel's pause instruction, because
// the stress harness and the benchmark run more threads than cores (a
// pausing spinner would hold its core from the thread it waits for).
void lastref_k_await_iteration(lastref_loc_t) { sched_yield(); }
void lastref_k_retry_hint(const volatile void*) {}

void lastref_k_futex_wait(volatile void* word, uint32_t expected, lastref_loc_t) {
  syscall(SYS_futex, const_cast<void*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

int lastref_k_futex_wait_timeout(volatile void* word, uint32_t expected, uint64_t timeout_ns,
                                 lastref_loc_t) {
  timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
              static_cast<long>(timeout_ns % 1'000'000'000)};
  const long r =
      syscall(SYS_futex, const_cast<void*>(word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
  return r == -1 && errno == ETIMEDOUT ? 0 : 1;
}

void lastref_k_futex_wake(volatile void* word, int all, lastref_loc_t) {
  syscall(SYS_futex, const_cast<void*>(word), FUTEX_WAKE_PRIVATE, all != 0 ? 0x7fffffff : 1,
          nullptr, nullptr, 0);
}

void* lastref_k_malloc(size_t size, int zero, lastref_loc_t) {
  void* p = zero != 0 ? std::calloc(1, size) : std::malloc(size);
  if (p == nullptr) std::abort();
  return p;
}

void lastref_k_free(const void* p, lastref_loc_t) { std::free(const_cast<void*>(p)); }

void lastref_k_warn(int kind, const char* what, lastref_loc_t loc) {
  std::fprintf(stderr, "lastref: %s: %s at %s:%d (%s)\n", kind == 2 ? "BUG" : "WARNING", what,
               loc->file, loc->line, loc->func);
  warnings.fetch_add(1, std::memory_order_relaxed);
  if (kind == 2) std::abort();
}

int lastref_k_spawn(void (*entry)(void*), void* arg, lastref_loc_t) {
  std::lock_guard<std::mutex> g(spawned_mu);
  spawned.emplace_back([entry, arg] {
    try {
      entry(arg);
    } catch (const thread_exit_signal&) {
    }
  });
  return 0;
}

void lastref_k_thread_exit(lastref_loc_t) { throw thread_exit_signal{}; }

void** lastref_k_current_task(void) { return &current_task; }

void lastref_k_text_unmap(const void*, lastref_loc_t) {}
void lastref_k_builtin_enter(void) {}
void lastref_k_builtin_leave(void) {}
void lastref_k_label(const void*, const char*) {}

}  // extern "C"

namespace lastref::kernel {

void real_run_thread(void (*fn)(void)) {
  try {
    fn();
  } catch (const thread_exit_signal&) {
  }
}

void real_join_spawned() {
  for (;;) {
    std::vector<std::thread> v;
    {
      std::lock_guard<std::mutex> g(spawned_mu);
      v.swap(spawned);
    }
    if (v.empty()) return;
    for (auto& t : v) t.join();
  }
}

int real_warnings() { return warnings.load(); }

}  // namespace lastref::kernel
