// SPDX-License-Identifier: MIT
// Out-of-line model platform operations (futex, mutex, time, text, exit).

#include <cstdio>
#include <cstdlib>

#include <lastref/model/platform.h>

namespace lastref::model {

using detail::rt;

clock::time_point clock::now() noexcept {
  auto* r = rt();
  return time_point(duration(r != nullptr ? r->now() : 0));
}

clock::time_point platform::now(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return clock::now();
  r->point(op::now, nullptr, loc);
  const auto t = r->now();
  r->note(op::now, nullptr, loc, static_cast<std::uint64_t>(t), 0);
  return clock::time_point(clock::duration(t));
}

void platform::fence(std::memory_order mo, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::fence, nullptr, loc);
  r->fence(mo);
  r->note(op::fence, nullptr, loc, 0, 0, mo);
}

void platform::futex_wait(atomic<std::uint32_t>& word, std::uint32_t expected, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::futex_wait, &word, loc);
  const std::uint32_t v = word.raw();
  if (r->weak()) r->c11_observe_latest(word.meta(), v);
  if (v != expected) {
    r->note(op::futex_wait, &word, loc, v, expected, "returns: value changed");
    return;
  }
  r->note(op::futex_wait, &word, loc, v, expected, "sleeps");
  r->block_on(&word, true, false, 0, loc, &word.meta());
}

bool platform::futex_wait_until(atomic<std::uint32_t>& word, std::uint32_t expected,
                                clock::time_point deadline, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return true;
  r->point(op::futex_wait, &word, loc);
  const std::uint32_t v = word.raw();
  if (r->weak()) r->c11_observe_latest(word.meta(), v);
  if (v != expected) {
    r->note(op::futex_wait, &word, loc, v, expected, "returns: value changed");
    return true;
  }
  r->note(op::futex_wait, &word, loc, v, expected, "sleeps with timeout");
  return r->block_on(&word, true, true, deadline.time_since_epoch().count(), loc, &word.meta()) !=
         detail::wake_reason::timeout;
}

void platform::futex_wake_one(atomic<std::uint32_t>& word, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::futex_wake_one, &word, loc);
  r->note(op::futex_wake_one, &word, loc, 0, 0);
  r->wake(&word, false, loc, op::futex_wake_one);
}

void platform::futex_wake_all(atomic<std::uint32_t>& word, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::futex_wake_all, &word, loc);
  r->note(op::futex_wake_all, &word, loc, 0, 0);
  r->wake(&word, true, loc, op::futex_wake_all);
}

void platform::preemption_point(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::preemption_point, nullptr, loc);
  r->note(op::preemption_point, nullptr, loc, 0, 0);
}

void platform::text_enter(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_enter, nullptr, loc);
  r->text_enter(text, loc);
  r->note(op::text_enter, text, loc, 0, 0);
}

void platform::text_leave(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_leave, nullptr, loc);
  r->note(op::text_leave, text, loc, 0, 0);
  r->text_leave(text, loc);
}

void platform::text_unmap(const void* text, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) return;
  r->point(op::text_unmap, nullptr, loc);
  r->text_unmap(text, loc);
  r->note(op::text_unmap, text, loc, 0, 0, "module text unmapped");
}

void platform::exit_thread(thread_exit how, source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    std::fprintf(stderr, "lastref::model: exit_thread() outside an execution\n");
    std::abort();
  }
  r->point(op::exit_thread, nullptr, loc);
  r->note(op::exit_thread, nullptr, loc, 0, 0);
  r->exit_thread(how, loc);
  __builtin_unreachable();
}

void mutex::lock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    owner_ = 0;
    return;
  }
  r->point(op::mutex_lock, this, loc);
  while (owner_ != detail::no_thread) {
    r->note(op::mutex_lock, this, loc, owner_, 0, "contended: sleeps");
    r->block_on(this, false, false, 0, loc);
  }
  owner_ = r->cur_;
  r->access_atomic(m_, true);
  r->acquire_from(m_, std::memory_order_acquire);
  r->note(op::mutex_lock, this, loc, 0, 0, std::memory_order_acquire);
}

bool mutex::try_lock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    if (owner_ != detail::no_thread) return false;
    owner_ = 0;
    return true;
  }
  r->point(op::mutex_lock, this, loc);
  if (owner_ != detail::no_thread) {
    r->note(op::mutex_lock, this, loc, owner_, 0, "try_lock: busy");
    return false;
  }
  owner_ = r->cur_;
  r->access_atomic(m_, true);
  r->acquire_from(m_, std::memory_order_acquire);
  r->note(op::mutex_lock, this, loc, 0, 0, std::memory_order_acquire, "try_lock");
  return true;
}

void mutex::unlock(source_loc loc) {
  auto* r = rt();
  if (r == nullptr) {
    owner_ = detail::no_thread;
    return;
  }
  r->point(op::mutex_unlock, this, loc);
  if (owner_ != r->cur_ && r->active_checks())
    r->fail(failure_kind::invariant, "T%d unlocks a mutex it does not own", r->cur_);
  owner_ = detail::no_thread;
  r->access_atomic(m_, true);
  r->release_store(m_, std::memory_order_release);
  r->note(op::mutex_unlock, this, loc, 0, 0, std::memory_order_release);
  r->wake(this, false, loc, op::mutex_unlock);
}

}  // namespace lastref::model
