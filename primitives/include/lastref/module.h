// SPDX-License-Identifier: MIT
#pragma once
// lastref::basic_module — the Linux module reference count and unload
// protocol (kernel/module/main.c: try_module_get, __module_get, module_put,
// delete_module, try_stop_module, try_release_module_ref, MODULE_REF_BASE),
// plus code residency: which threads are still executing the module's text.
//
// Contract:
// - Lifecycle coming -> live -> going -> gone. mark_live() ends init.
// - refcnt starts at ref_base (MODULE_REF_BASE = 1), the module's own "not
//   yet unloaded" reference. try_get() succeeds only while live, and only by
//   an inc-not-zero, so it can never revive a module whose unload dropped the
//   base reference (the kernel's module_is_live() also admits `coming`; here
//   try_get fails unless live, as the lastref design asks). get() is
//   __module_get (caller already holds a reference); put() is
//   atomic_dec_if_positive and reports an underflow as refcount sub_uaf.
// - unload() is delete_module with O_NONBLOCK: busy (-EBUSY) unless live;
//   would_block (-EWOULDBLOCK) while references remain, unless `force`
//   (O_TRUNC, CONFIG_MODULE_FORCE_UNLOAD: unload anyway — the holders keep
//   dangling pointers, as in the kernel). On success: going, the exit
//   callback runs in the caller's thread, then by policy either `immediate`
//   (the kernel: free the text now) or `drain_residency` (first wait until no
//   thread is inside a residency_scope), then Platform::text_unmap(text())
//   and gone. Unloads are serialised by a mutex (the kernel's module_mutex).
// - basic_residency_scope brackets code that runs in the module's text. The
//   reference bug is a thread still inside a scope (or returning into the
//   text) after text_unmap; the model platform reports it.
// - module_put_and_exit / complete_and_exit (module_put_and_kthread_exit,
//   kthread_complete_and_exit): end the caller's residency, then drop the
//   last pin from builtin code as the very last action, then exit the
//   thread, so the thread never returns into text that may be gone.
//
// Lifetime rule (same hard rule as completion): under drain_residency the
// unloader may free the module object right after unload() returns. Under
// `immediate` it may not while a residency_scope can still be open (the
// scope's end still decrements the module's residency word): the kernel's
// policy frees text under running threads, and the module object must
// outlive them — that is the reference bug, not something to hide. A residency_scope ends with
// text_leave and then ONE fetch_sub on the residency word; whether to wake a
// draining unloader is decided from that RMW's returned value alone (the
// `draining` bit set by the unloader lives in the same word), and after it
// the scope touches the module only through futex_wake. put()'s successful
// CAS is likewise its last access.
//
// Memory ordering:
// - state: mark_live and the going/gone stores are release and state loads
//   acquire, so a thread that sees `live` sees the module's init.
// - refcnt: increments are relaxed (a reference is only a count; the
//   module's data was published through `state`); put() is release and the
//   unloader's base drop is acquire (acq_rel), so every holder's use of the
//   module happens-before the exit callback. Re-adding the base after a
//   failed stop publishes nothing, but its loads are acquire because seeing 0
//   there is also "every holder is gone".
// - residency: entering is relaxed (the unloader must only see scopes that
//   happen-before its drain through the user's own synchronisation, e.g. the
//   completion its exit callback waits on; coherence delivers those);
//   leaving is release and the drain's reads are acquire, so everything a
//   resident thread did happens-before text_unmap.

#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

#include "completion.h"
#include "detail/recheck_wait.h"
#include "detail/retry.h"
#include "detail/rmw_only.h"
#include "platform.h"
#include "refcount_report.h"

namespace lastref {

enum class module_state : std::uint32_t { coming, live, going, gone };
enum class unload_policy { immediate, drain_residency };
enum class release_placement { builtin, module };
enum class unload_result { ok, busy, would_block };  // 0, -EBUSY, -EWOULDBLOCK

struct unload_flags {
  bool force = false;  // O_TRUNC: unload even while references remain
};

template <class Platform>
class basic_residency_scope;

template <class Platform = std_platform>
class basic_module {
  template <class T>
  using atomic = typename Platform::template atomic<T>;

 public:
  using platform_type = Platform;
  using residency_scope = basic_residency_scope<Platform>;
  static constexpr int ref_base = 1;  // MODULE_REF_BASE

  basic_module(const char* name, std::function<void()> exit,
               unload_policy policy = unload_policy::immediate)
      : name_(name), exit_(std::move(exit)), policy_(policy) {
    // Residency scopes fetch_add / fetch_sub it, the unloader fetch_or's
    // it: RMWs only (detail/rmw_only.h).
    detail::declare_rmw_only<Platform>(residency_);
  }
  basic_module(const basic_module&) = delete;
  basic_module& operator=(const basic_module&) = delete;

  [[nodiscard]] const char* name() const noexcept { return name_; }
  [[nodiscard]] const void* text() const noexcept { return this; }
  [[nodiscard]] unload_policy policy() const noexcept { return policy_; }

  [[nodiscard]] module_state state() const {
    return static_cast<module_state>(state_.load(std::memory_order_acquire));
  }
  // module_refcount(): references held besides the base one.
  [[nodiscard]] int refcount() const { return refcnt_.load(std::memory_order_relaxed) - ref_base; }
  // Threads currently inside a residency_scope of this module.
  [[nodiscard]] std::uint32_t residents() const {
    return residency_.load(std::memory_order_acquire) & residents_mask;
  }

  // do_init_module() finished: coming -> live. No effect in any other state.
  void mark_live() {
    auto expected = static_cast<std::uint32_t>(module_state::coming);
    state_.compare_exchange_strong(expected, static_cast<std::uint32_t>(module_state::live),
                                   std::memory_order_release, std::memory_order_relaxed);
  }

  // try_module_get().
  [[nodiscard]] bool try_get() {
    if (state() != module_state::live) return false;
    int old = refcnt_.load(std::memory_order_relaxed);
    do {
      if (old == 0) return false;  // the unloader dropped the base: stopped
    } while (!detail::retry_cas_weak<Platform>(refcnt_, old, old + 1, std::memory_order_relaxed,
                                               std::memory_order_relaxed));
    return true;
  }

  // __module_get(): the caller already holds a reference.
  void get() { refcnt_.fetch_add(1, std::memory_order_relaxed); }

  // module_put(): atomic_dec_if_positive; WARN_ON underflow.
  void put() {
    int old = refcnt_.load(std::memory_order_relaxed);
    do {
      if (old <= 0) [[unlikely]] {
        detail::report_refcount(refcount_saturation::sub_uaf, this);
        return;
      }
    } while (!detail::retry_cas_weak<Platform>(refcnt_, old, old - 1, std::memory_order_release,
                                               std::memory_order_relaxed));
  }

  // delete_module(name, O_NONBLOCK | (force ? O_TRUNC : 0)).
  unload_result unload(unload_flags flags = {}) {
    {
      std::lock_guard<typename Platform::mutex> guard(unload_mutex_);
      if (state() != module_state::live) return unload_result::busy;
      if (!try_stop(flags)) return unload_result::would_block;
      state_.store(static_cast<std::uint32_t>(module_state::going), std::memory_order_release);
    }
    if (exit_) exit_();
    if (policy_ == unload_policy::drain_residency) drain_residency();
    Platform::text_unmap(text());
    state_.store(static_cast<std::uint32_t>(module_state::gone), std::memory_order_release);
    return unload_result::ok;
  }

  // Runs f inside a residency scope of this module ("in the module's text").
  template <class F>
  decltype(auto) call_in_text(F&& f) {
    residency_scope scope(*this);
    return std::forward<F>(f)();
  }

 private:
  friend class basic_residency_scope<Platform>;

  static constexpr std::uint32_t draining_bit = 0x8000'0000u;
  static constexpr std::uint32_t residents_mask = ~draining_bit;

  // try_stop_module(): true when the module may go (unused, or forced).
  bool try_stop(unload_flags flags) {
    // try_release_module_ref(): drop the base reference...
    int left = refcnt_.fetch_sub(ref_base, std::memory_order_acq_rel) - ref_base;
    // The kernel's BUG_ON(ret < 0): an extra put() took the base reference.
    if (left < 0) [[unlikely]]
      detail::report_refcount(refcount_saturation::sub_uaf, this);
    if (left != 0) {
      // ...and take it back unless a holder's put reached 0 meanwhile.
      int old = refcnt_.load(std::memory_order_acquire);
      do {
        if (old == 0) break;
      } while (!detail::retry_cas_weak<Platform>(
          refcnt_, old, old + ref_base, std::memory_order_acquire, std::memory_order_acquire));
      left = old;
    }
    return left == 0 || flags.force;
  }

  void drain_residency() {
    std::uint32_t v = residency_.fetch_or(draining_bit, std::memory_order_acquire) | draining_bit;
    while ((v & residents_mask) != 0u) {
      detail::recheck_futex_wait<Platform>(residency_, v);  // detail/recheck_wait.h
      v = residency_.load(std::memory_order_acquire);
    }
  }

  const char* name_;
  std::function<void()> exit_;  // immutable after construction
  unload_policy policy_;        // immutable after construction
  // module_state; see "Memory ordering" (release stores, acquire loads).
  atomic<std::uint32_t> state_{static_cast<std::uint32_t>(module_state::coming)};
  // mod->refcnt, base ref_base while loaded; see "Memory ordering".
  atomic<int> refcnt_{ref_base};
  // Futex word: bit 31 = an unloader is draining; bits 30..0 = residents.
  // Enter relaxed, leave release, drain acquire.
  atomic<std::uint32_t> residency_{0u};
  // Serialises unload() like module_mutex; never held across exit_.
  typename Platform::mutex unload_mutex_;
};

// RAII: the current thread executes the module's text for its lifetime.
template <class Platform = std_platform>
class basic_residency_scope {
 public:
  explicit basic_residency_scope(basic_module<Platform>& mod) : mod_(&mod) {
    // Counted before entering, so the count covers the whole stay in text.
    mod.residency_.fetch_add(1u, std::memory_order_relaxed);
    Platform::text_enter(mod.text());
  }
  basic_residency_scope(const basic_residency_scope&) = delete;
  basic_residency_scope& operator=(const basic_residency_scope&) = delete;
  ~basic_residency_scope() { end(); }

  [[nodiscard]] bool active() const noexcept { return mod_ != nullptr; }

  // Leaves the text now; the destructor then does nothing. Idempotent.
  void end() {
    if (mod_ == nullptr) return;
    basic_module<Platform>* mod = std::exchange(mod_, nullptr);
    Platform::text_leave(mod->text());
    std::uint32_t old = mod->residency_.fetch_sub(1u, std::memory_order_release);
    // Decided from the RMW alone: the module may be freed from here on.
    if (old == (basic_module<Platform>::draining_bit | 1u))
      Platform::futex_wake_all(mod->residency_);
  }

 private:
  basic_module<Platform>* mod_;  // thread-local; nullptr once ended
};

using module = basic_module<>;
using residency_scope = basic_residency_scope<>;

// Runs f in the module's text (release_placement::module) or in builtin code.
template <class Platform, class F>
decltype(auto) run_placed(release_placement placement, basic_module<Platform>& mod, F&& f) {
  if (placement == release_placement::module) return mod.call_in_text(std::forward<F>(f));
  return std::forward<F>(f)();
}

namespace detail {
template <class Platform>
void module_put_action(void* mod) {
  static_cast<basic_module<Platform>*>(mod)->put();
}
template <class Platform>
void complete_action(void* done) {
  static_cast<basic_completion<Platform>*>(done)->complete();
}
}  // namespace detail

// module_put_and_kthread_exit(): `scope` must be the caller's outermost
// residency in `mod`. The residency ends now, the thread is unwound out of
// the module's frames while the pin still holds the module, and only then,
// from the thread's top frame, is the pin dropped (Platform::exit_thread's
// last action): nothing of the thread is left in the text the put may let
// go. Like the kernel's, these helpers are builtin code: a module calls the
// instantiation that lives outside its text (see tsan/module/m_abi.h). Not
// noexcept: std_platform exits by throwing.
template <class Platform>
[[noreturn]] void module_put_and_exit(basic_module<Platform>& mod,
                                      basic_residency_scope<Platform>& scope) {
  scope.end();
  Platform::exit_thread(thread_exit{&detail::module_put_action<Platform>, &mod});
}

// kthread_complete_and_exit(): the same, with complete(done) as the last
// action; the waiter may then unload the module and free `done`.
template <class Platform>
[[noreturn]] void complete_and_exit(basic_completion<Platform>& done,
                                    basic_residency_scope<Platform>& scope) {
  scope.end();
  Platform::exit_thread(thread_exit{&detail::complete_action<Platform>, &done});
}

}  // namespace lastref
