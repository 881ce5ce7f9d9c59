// SPDX-License-Identifier: MIT
#pragma once
// zoo item 17 — unfenced_going_module: try_get() takes its reference and then
// checks that the module is not going; unload() marks it going and then
// checks that nobody holds a reference — with no full barrier between each
// write and the following read. DELIBERATELY WRONG (the `_fixed` twin has
// the barriers).
//
// What is wrong: the two sides are a store-buffering (SB) pair on the flag
// and the refcount. Under sequential consistency one side sees the other's
// write: either try_get() sees "going" and backs off, or unload() sees the
// reference and refuses. Without smp_mb__after_atomic() after the getter's
// increment and smp_mb() after the unloader's flag store, both reads may
// return old values: try_get() succeeds on a module whose unload proceeds,
// and the getter runs module text after it was unmapped (the model reports
// "executing unloaded module text"). The model's sc mode cannot show it.
//
// Real bug class: a missing smp_mb__before_atomic()/smp_mb__after_atomic()
// around a flag and a non-value-returning atomic on a refcount —
// Documentation/memory-barriers.txt's own example ("obj->dead = 1;
// smp_mb__before_atomic(); atomic_dec(&obj->ref_count);") and
// Documentation/atomic_t.txt ("non-RMW ops and RMW ops that do not return a
// value are unordered"); module unload avoided it with stop_machine() until
// Linux 3.19, then with atomic_inc_not_zero() on the refcount itself.
//
// Interface: identical to lastref::basic_module (it is one, with try_get and
// unload replaced; put and the residency machinery are basic_module's).
// Lifetime rule: basic_module's.
//
// Memory ordering: the getter's increment is relaxed (atomic_inc), the flag
// and the unloader's read of the count are relaxed; `Fixed` adds a seq_cst
// fence after each write. Everything else is basic_module's.

#include <lastref/module.h>

namespace lastref::zoo {

template <class Platform, bool Fixed>
class basic_unfenced_going_module : public basic_module<Platform> {
  template <class T>
  using atomic = typename Platform::template atomic<T>;
  using base = basic_module<Platform>;

 public:
  using base::base;

  [[nodiscard]] bool try_get() {
    if (this->state() != module_state::live) return false;
    this->get();                                                      // atomic_inc(&mod->refcnt)
    if constexpr (Fixed) Platform::fence(std::memory_order_seq_cst);  // smp_mb__after_atomic()
    // BUG (unless Fixed): may read a stale "not going".
    if (going_.load(std::memory_order_relaxed) != 0u) {
      this->put();
      return false;
    }
    return true;
  }

  unload_result unload(unload_flags flags = {}) {
    // One unloader at a time owns the flag (a concurrent one is busy, as
    // delete_module is while another unload runs), so only its owner clears
    // it again.
    std::uint32_t idle = 0u;
    if (!going_.compare_exchange_strong(idle, 1u, std::memory_order_relaxed))
      return unload_result::busy;
    if constexpr (Fixed) Platform::fence(std::memory_order_seq_cst);  // smp_mb()
    // BUG (unless Fixed): may read a stale count that misses a new getter.
    if (this->refcount() != 0 && !flags.force) {
      going_.store(0u, std::memory_order_relaxed);
      return unload_result::would_block;
    }
    // The count was seen 0: unload, whatever basic_module's own check says.
    flags.force = true;
    return base::unload(flags);
  }

 private:
  atomic<std::uint32_t> going_{0u};  // an unload is deciding or has begun
};

template <class Platform = std_platform>
using unfenced_going_module = basic_unfenced_going_module<Platform, false>;
// The fixed twin: smp_mb__after_atomic() and smp_mb().
template <class Platform = std_platform>
using unfenced_going_module_fixed = basic_unfenced_going_module<Platform, true>;

}  // namespace lastref::zoo
