// SPDX-License-Identifier: MIT
#pragma once
// Two user modules with their own module-residency scheme (not
// lastref::basic_module's): residency is a counter of threads in the text,
// and an unload with drain_residency waits on it (futex) before unmapping.
// Both tell the platform where the text is entered, left and unmapped
// (P::text_enter / text_leave / text_unmap), which is what the model's
// residency oracle checks: no thread may execute in, or return into,
// unmapped text.
//   counted_residency_module        correct: the scope leaves the text, then
//                                   drops its count (the drain waits for it)
//   early_drop_residency_module     the scope drops its count first and
//                                   leaves the text after: the unloader can
//                                   drain, unmap and free the text while the
//                                   thread is still returning into it
// The references follow the kernel's module refcount (MODULE_REF_BASE,
// try_module_get = live && inc_not_zero, try_stop_module drops the base).
//
// Lifetime rule: the module object outlives every thread that holds a
// reference or a residency; the text is "unmapped" at unload.
//
// Memory ordering: state published release / read acquire; the reference
// count relaxed except the put (release) and the unloader's base drop
// (acq_rel), as the kernel's; a scope's count drop is a release that the
// drain's acquire load pairs with.
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

#include <lastref/module.h>

namespace byo_modules {

template <class P, bool DropBeforeLeave>
class basic_counted_residency_module {
  template <class T>
  using atomic = typename P::template atomic<T>;

 public:
  class residency_scope {
   public:
    explicit residency_scope(basic_counted_residency_module& m) : m_(&m) {
      m.residents_.fetch_add(1, std::memory_order_relaxed);  // counted before entering
      P::text_enter(m.text());
    }
    residency_scope(const residency_scope&) = delete;
    residency_scope& operator=(const residency_scope&) = delete;
    ~residency_scope() { end(); }
    // Leaves now (the safe-exit helpers need it); idempotent.
    void end() {
      if (m_ == nullptr) return;
      basic_counted_residency_module* m = std::exchange(m_, nullptr);
      if constexpr (DropBeforeLeave) {
        drop(*m);  // BUG: the drain may finish and unmap before the leave
        P::text_leave(m->text());
      } else {
        const void* text = m->text();
        P::text_leave(text);
        drop(*m);
      }
    }

   private:
    static void drop(basic_counted_residency_module& m) {
      if (m.residents_.fetch_sub(1, std::memory_order_release) == 1)
        P::futex_wake_all(m.residents_);
    }
    basic_counted_residency_module* m_;
  };

  basic_counted_residency_module(const char*, std::function<void()> exit,
                                 lastref::unload_policy policy)
      : exit_(std::move(exit)), policy_(policy) {}
  basic_counted_residency_module(const basic_counted_residency_module&) = delete;
  basic_counted_residency_module& operator=(const basic_counted_residency_module&) = delete;

  lastref::module_state state() const {
    return static_cast<lastref::module_state>(state_.load(std::memory_order_acquire));
  }
  // module_refcount(): the users' references, less the base (-1 once an
  // unload dropped it).
  int refcount() const { return refs_.load(std::memory_order_relaxed) - 1; }
  const void* text() const { return this; }
  void mark_live() { set_state(lastref::module_state::live); }
  bool try_get() {
    if (state() != lastref::module_state::live) return false;
    int old = refs_.load(std::memory_order_relaxed);
    do {
      if (old == 0) return false;
    } while (!refs_.compare_exchange_weak(old, old + 1, std::memory_order_relaxed,
                                          std::memory_order_relaxed));
    return true;
  }
  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void put() { refs_.fetch_sub(1, std::memory_order_release); }
  lastref::unload_result unload() { return unload(lastref::unload_flags{}); }
  lastref::unload_result unload(lastref::unload_flags flags) {
    {
      std::lock_guard<typename P::mutex> guard(unload_lock_);
      if (state() != lastref::module_state::live) return lastref::unload_result::busy;
      // try_stop_module: drop the base; still used -> give it back, and
      // fail unless forced (a forced unload keeps the base, as the kernel's).
      if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
        refs_.fetch_add(1, std::memory_order_relaxed);
        if (!flags.force) return lastref::unload_result::would_block;
      }
      set_state(lastref::module_state::going);
    }
    if (exit_) exit_();
    if (policy_ == lastref::unload_policy::drain_residency)
      for (std::uint32_t r; (r = residents_.load(std::memory_order_acquire)) != 0;)
        P::futex_wait(residents_, r);
    P::text_unmap(text());
    set_state(lastref::module_state::gone);
    return lastref::unload_result::ok;
  }

 private:
  void set_state(lastref::module_state s) {
    state_.store(static_cast<std::uint32_t>(s), std::memory_order_release);
  }
  std::function<void()> exit_;
  lastref::unload_policy policy_;
  typename P::mutex unload_lock_;
  atomic<std::uint32_t> state_{static_cast<std::uint32_t>(lastref::module_state::coming)};
  atomic<int> refs_{1};                 // the base reference + users
  atomic<std::uint32_t> residents_{0};  // threads in the text; futex word of the drain
};

// One-parameter class templates (not alias templates): the conformance
// suite rebinds a type X<P> to its test platforms.
template <class P>
class counted_residency_module : public basic_counted_residency_module<P, false> {
 public:
  using basic_counted_residency_module<P, false>::basic_counted_residency_module;
};
template <class P>
class early_drop_residency_module : public basic_counted_residency_module<P, true> {
 public:
  using basic_counted_residency_module<P, true>::basic_counted_residency_module;
};

}  // namespace byo_modules
