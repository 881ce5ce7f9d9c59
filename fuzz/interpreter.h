// SPDX-License-Identifier: MIT
#pragma once
// lastref scenario interpreter — runs a decoded scenario (scenario.h) as a
// real protocol over one implementation set (impl_set.h) and one Platform.
//
// Contract: interpreter<P, Impl> is a program in the model's sense: setup()
// alone, then run(t) for every thread concurrently, then check() alone. It
// builds the world of DESIGN.md's reference bug:
//   - objects with a kref and a kobject-like release that removes the object
//     from a lookup table (under the table lock), reads every user's payload
//     slot, frees the object and, when there is a module, complete()s the
//     module's `released[o]` completion; the release runs in module text or
//     in builtin code (the placement);
//   - a lookup table: lookup = get_unless_zero under the table lock; put_mutex
//     = the last put takes the lock, release removes the slot and unlocks;
//   - a module whose exit() drops the objects' owner references and waits for
//     their release completions (and for any kthread that exited through
//     complete_and_exit), whose unload frees its data (the completions) and,
//     by policy, unmaps the text immediately or after draining residents;
//   - user completions whose completers write a payload slot that a waiter
//     reads when the complete is known to precede its return.
// Every shared field is a P::atomic / P::cell / P::mutex or an object from
// P::make, so the model sees and checks every access. Bookkeeping that only
// decides *whether* an op is legal (references a thread holds) is private to
// each thread; the few cross-thread flags are std::atomic, outside the model,
// because they are the interpreter's, not the protocol's.
//
// Dynamic normalisation (the static half is in scenario.cc): put / put_mutex
// / get without a held reference, module_put without a held pin, unload by a
// thread holding object references (it would wait for itself), a second
// release_object of the same object, exit_thread_safely without a module pin
// are skipped; get_unless_zero without a reference is a lookup. References
// still held when a thread ends are put, as a user's error paths would.
//
// Lifetime rule: the interpreter must outlive every thread running it; all
// model-visible memory it allocates is freed by check() (or reclaimed by the
// model when an execution fails).
//
// Memory ordering: the protocol's own, through the primitives; the
// interpreter's std::atomic flags use acq_rel / acquire only so that they are
// also correct on real threads.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <type_traits>

#include <lastref/module.h>
#include <lastref/source_loc.h>

#include "impl_set.h"
#include "scenario.h"

namespace lastref::fuzz {

// What the interpreter reports besides the model's own oracles.
using invariant_fn = void (*)(bool ok, const char* what, source_loc loc);
// Semantic events for interleaving coverage (may be null).
enum class event : uint8_t {
  object_released,     // a kref reached 0 and its release ran
  lookup_failed,       // lookup found a dying object (get_unless_zero failed)
  unload_ok,           // live -> going -> gone
  unload_would_block,  // unload refused: module pinned
  unload_busy,         // unload refused: not live
  try_get_failed,      // module_try_get on a module that is not live
  wait_returned,       // a blocking wait returned (0 -> done observed)
  wait_timed_out,
  try_wait_succeeded,
  thread_exited,  // a safe-exit helper ended the thread
};
using event_fn = void (*)(int thread, event e);

template <class P, class Impl>
class interpreter {
  using kref_t = typename Impl::template kref<P>;
  using completion_t = typename Impl::template completion<P>;
  using module_t = typename Impl::template module<P>;
  using scope_t = typename module_t::residency_scope;
  template <class T>
  using cell = typename P::template cell<T>;
  template <class T>
  using patomic = typename P::template atomic<T>;

  // Payload slot t is written by thread t while it holds a reference; the
  // last slot by whoever drops the owner's reference (once).
  static constexpr int owner_slot = max_threads;
  struct object {
    kref_t ref;  // count 1: the owner's reference
    std::array<cell<int>, max_threads + 1> payload;
  };
  struct user_completion {
    completion_t done;
    std::array<cell<int>, max_threads> payload;  // slot t: written by completer t
  };
  // The module's static data: freed when unload succeeds, like module memory.
  struct module_data {
    std::array<completion_t, max_objects> released;  // complete()d by release
    // complete_and_exit of module kthreads; lastref::complete_and_exit is
    // written for basic_completion, so this one is never a zoo variant.
    basic_completion<P> kthread_exited;
    patomic<int> kthreads{0};  // kthreads that will complete kthread_exited;
                               // relaxed: published by their module put
  };
  // The lookup structure (kobject-style: publish, lookup + get under its
  // protection, unlink in release under its lock). The built-in one is an
  // array under one mutex; an implementation set may bring its own as
  // `template <class P, class T> using table = ...` with the same four
  // members (lastref_add_primitive TABLE: byo/include/lastref/byo/lookup.h).
  // The owner-drop flags of contested objects (the constructor's comment).
  struct owner_drops {
    std::array<patomic<int>, max_objects> dropped{};
  };
  struct builtin_table {
    typename P::mutex lock_;
    std::array<cell<object*>, max_objects> slots;  // guarded by lock_
    void publish(int key, object* p) { slots[idx(key)].write(p); }
    template <class Found>
    void lookup(int key, Found&& found) {
      std::lock_guard<typename P::mutex> guard(lock_);
      object* p = slots[idx(key)].read();
      if (p != nullptr) found(p);
    }
    typename P::mutex& lock() { return lock_; }
    void unlink(int key, object* p, bool locked) {
      if (!locked) lock_.lock();
      if (slots[idx(key)].read() == p) slots[idx(key)].write(nullptr);
      lock_.unlock();
    }
  };
  template <class I>
  static auto pick_table() {
    if constexpr (requires { typename I::template table<P, object>; })
      return std::type_identity<typename I::template table<P, object>>{};
    else
      return std::type_identity<builtin_table>{};
  }
  using lookup_table = typename decltype(pick_table<Impl>())::type;

 public:
  interpreter(const scenario& s, invariant_fn inv, event_fn ev = nullptr)
      : s_(s), cfg_(s.cfg), inv_(inv), ev_(ev), twins_(symmetry_classes(s)) {
    for (int t = 0; t < cfg_.threads; ++t) {
      const auto& prog = s_.programs[static_cast<size_t>(t)];
      for (size_t i = 0; i < prog.size(); ++i)
        if (!prog[i].skip && prog[i].code == op_code::wait)
          last_wait_[static_cast<size_t>(t)]
                    [static_cast<size_t>(prog[i].completion(cfg_.completions))] =
                        static_cast<int>(i);
    }
    // Who drops an object's owner reference is decided by whichever
    // dropper gets there first. When two can race for it (two
    // release_object ops on the object, or one and an unload whose exit()
    // drops every object), that race is the protocol's: it picks which
    // put (put / put_mutex) and which thread's release runs, so it goes
    // through a model atomic (owner_drops), which DPOR sees the droppers
    // conflict on. Uncontested, the flag stays outside the model and takes
    // no step, so such scenarios' schedules and tokens are unchanged.
    std::array<int, max_objects> droppers{};
    bool unloads = false;
    for (int t = 0; t < cfg_.threads; ++t)
      for (const step& o : s_.programs[static_cast<size_t>(t)]) {
        if (o.skip) continue;
        if (o.code == op_code::release_object) ++droppers[idx(o.object(cfg_.objects))];
        if (o.code == op_code::unload) unloads = true;
      }
    for (int o = 0; o < cfg_.objects; ++o) {
      contested_[idx(o)] = droppers[idx(o)] + (cfg_.has_module && unloads ? 1 : 0) >= 2;
      any_contested_ = any_contested_ || contested_[idx(o)];
    }
  }
  interpreter(const interpreter&) = delete;
  interpreter& operator=(const interpreter&) = delete;

  [[nodiscard]] int threads() const noexcept { return cfg_.threads; }
  [[nodiscard]] const config& cfg() const noexcept { return cfg_; }
  // model::program::symmetry_class (scenario.h, symmetry_classes).
  [[nodiscard]] int symmetry_class(int t) const noexcept { return twins_[idx(t)]; }

  void setup() {
    if (any_contested_) owner_drops_ = P::template make<owner_drops>();
    if (cfg_.objects > 0) table_ = P::template make<lookup_table>();
    for (int o = 0; o < cfg_.objects; ++o) {
      objects_[idx(o)] = P::template make<object>();
      table_->publish(o, objects_[idx(o)]);
    }
    for (int c = 0; c < cfg_.completions; ++c) comps_[idx(c)] = P::template make<user_completion>();
    if (cfg_.has_module) {
      data_ = P::template make<module_data>();
      module_ = P::template make<module_t>(
          "lastref_fuzz_mod", [this] { module_exit(); }, cfg_.policy);
      module_->mark_live();
    }
  }

  void run(int t) {
    const auto& prog = s_.programs[idx(t)];
    for (size_t i = 0; i < prog.size(); ++i) {
      if (!prog[i].skip) exec(t, prog[i], static_cast<int>(i));
    }
    drop_everything(t);
  }

  void check() {
    // The world's owner tears down what the threads left: unload a module
    // still live, or drop owner references when there is no module.
    if (module_ != nullptr && !gone_.load(std::memory_order_acquire)) {
      const auto r = module_->unload();
      inv_(r == unload_result::ok, "final unload: module still pinned after every thread ended",
           source_loc::current());
      if (r == unload_result::ok) after_unload();
    }
    if (module_ == nullptr) {
      for (int o = 0; o < cfg_.objects; ++o) drop_owner(o, false);
    }
    for (int o = 0; o < cfg_.objects; ++o)
      inv_(Impl::release_count_ok(released_[idx(o)].load(std::memory_order_acquire)),
           "object release did not run exactly once", source_loc::current());
    for (int c = 0; c < cfg_.completions; ++c)
      if (!comp_freed_[idx(c)].load(std::memory_order_acquire)) P::destroy(comps_[idx(c)]);
    P::destroy(table_);
    P::destroy(module_);
    if (owner_drops_ != nullptr) P::destroy(owner_drops_);
  }

 private:
  static size_t idx(int i) noexcept { return static_cast<size_t>(i); }

  void note(int t, event e) const {
    if (ev_ != nullptr) ev_(t, e);
  }

  struct thread_state {
    std::array<int, max_objects> held{};  // object references this thread holds
    int module_refs = 0;                  // module pins this thread holds
  };

  void touch(int slot, object* p) { p->payload[idx(slot)].write(slot + 1); }

  void exec(int t, const step& o, int index) {
    thread_state& ts = ts_[idx(t)];
    const int ob = o.object(cfg_.objects);
    const int cp = o.completion(cfg_.completions);
    switch (o.code) {
      case op_code::lookup:
        lookup(t, ob);
        break;
      case op_code::get:
        if (ts.held[idx(ob)] == 0) break;  // kref_get needs a held reference
        objects_[idx(ob)]->ref.get();
        ++ts.held[idx(ob)];
        touch(t, objects_[idx(ob)]);
        break;
      case op_code::get_unless_zero:
        if (ts.held[idx(ob)] == 0) {  // only safe under the lookup lock
          lookup(t, ob);
          break;
        }
        inv_(objects_[idx(ob)]->ref.get_unless_zero(),
             "get_unless_zero failed although the caller holds a reference", source_loc::current());
        ++ts.held[idx(ob)];
        break;
      case op_code::put:
      case op_code::put_mutex:
        if (ts.held[idx(ob)] == 0) break;
        --ts.held[idx(ob)];
        put(t, ob, o.code == op_code::put_mutex);
        if (ts.held[idx(ob)] == 0) {
          for (int i = 0; i < Impl::error_path_puts; ++i) put(t, ob, false);
        }
        break;
      case op_code::release_object:
        drop_owner(ob, o.variant() == 1);
        break;
      case op_code::module_try_get:
        if (module_->try_get())
          ++ts.module_refs;
        else
          note(t, event::try_get_failed);
        break;
      case op_code::module_put:
        if (ts.module_refs == 0) break;
        --ts.module_refs;
        module_->put();
        break;
      case op_code::unload:
        unload(t);
        break;
      case op_code::exit_thread_safely:
        exit_thread_safely(t, o.variant() == 1);
        break;
      case op_code::complete:
      case op_code::complete_all: {
        user_completion* c = comps_[idx(cp)];
        c->payload[idx(t)].write(index + 1);
        if (o.code == op_code::complete)
          c->done.complete();
        else
          c->done.complete_all();
        break;
      }
      case op_code::wait:
        comps_[idx(cp)]->done.wait();
        note(t, event::wait_returned);
        consumed(t, cp);
        if (cfg_.on_stack[idx(cp)] && last_wait_[idx(t)][idx(cp)] == index) {
          // The on-stack idiom: the waiter's frame (and the completion) goes.
          comp_freed_[idx(cp)].store(true, std::memory_order_release);
          P::destroy(comps_[idx(cp)]);
        }
        break;
      case op_code::wait_for:
        if (comps_[idx(cp)]->done.wait_for(std::chrono::milliseconds(1))) {
          consumed(t, cp);
          note(t, event::wait_returned);
        } else {
          note(t, event::wait_timed_out);
        }
        break;
      case op_code::try_wait:
        if (comps_[idx(cp)]->done.try_wait()) {
          consumed(t, cp);
          note(t, event::try_wait_succeeded);
        }
        break;
      case op_code::reinit:
        comps_[idx(cp)]->done.reinit();
        break;
    }
  }

  // A consumer that got a completion sees the single completer's payload.
  void consumed(int t, int c) {
    const int u = cfg_.single_completer[idx(c)];
    if (u >= 0 && u != t) (void)comps_[idx(c)]->payload[idx(u)].read();
  }

  void lookup(int t, int o) {
    table_->lookup(o, [&](object* p) {  // p cannot be freed while this runs
      if (!Impl::lookup_ref(p->ref)) {
        note(t, event::lookup_failed);
        return;
      }
      ++ts_[idx(t)].held[idx(o)];
      touch(t, p);
    });
  }

  // `slot`: the dropping thread's payload slot (owner_slot for the owner).
  void put(int slot, int o, bool with_mutex) {
    object* p = objects_[idx(o)];
    touch(slot, p);
    if (with_mutex)
      p->ref.put_mutex([this, o, slot](kref_t&) { release(slot, o, true); }, table_->lock());
    else
      p->ref.put([this, o, slot](kref_t&) { release(slot, o, false); });
  }

  // kobject_del + kobject_put of the owner's reference, once per object, by
  // whichever thread gets there first (a user's release_object, or exit()).
  void drop_owner(int o, bool with_mutex) {
    const bool dropped =
        contested_[idx(o)]
            ? owner_drops_->dropped[idx(o)].exchange(1, std::memory_order_acq_rel) != 0
            : owner_dropped_[idx(o)].exchange(true, std::memory_order_acq_rel);
    if (dropped) return;
    put(owner_slot, o, with_mutex);
  }

  bool module_placed() const noexcept {
    return cfg_.has_module && cfg_.release == release_placement::module;
  }

  // The kobject release: `locked` when put_mutex already holds the table lock.
  void release(int slot, int o, bool locked) {
    note(slot, event::object_released);
    if (module_placed()) {
      scope_t in_text(*module_);
      release_body(o, locked);
      // ~scope_t: the return into module text (text_leave) — the reference
      // bug's last step when the unloader has already unmapped the text.
    } else {
      release_body(o, locked);
    }
  }

  void release_body(int o, bool locked) {
    object* p = objects_[idx(o)];
    table_->unlink(o, p, locked);
    int sum = 0;
    for (const auto& slot : p->payload) sum += slot.read();
    (void)sum;
    inv_(released_[idx(o)].fetch_add(1, std::memory_order_acq_rel) == 0, "object released twice",
         source_loc::current());
    P::destroy(p);
    if (cfg_.has_module) data_->released[idx(o)].complete();
  }

  // The module's exit(): runs in the unloader's thread while going.
  void module_exit() {
    for (int o = 0; o < cfg_.objects; ++o) drop_owner(o, false);
    for (int o = 0; o < cfg_.objects; ++o) data_->released[idx(o)].wait();
    const int k = data_->kthreads.load(std::memory_order_relaxed);
    for (int i = 0; i < k; ++i) data_->kthread_exited.wait();
  }

  void unload(int t) {
    const thread_state& ts = ts_[idx(t)];
    for (int o = 0; o < cfg_.objects; ++o)
      if (ts.held[idx(o)] != 0) return;  // exit() would wait for this thread's own put
    switch (module_->unload()) {
      case unload_result::ok:
        note(t, event::unload_ok);
        after_unload();
        break;
      case unload_result::busy:
        note(t, event::unload_busy);
        break;
      case unload_result::would_block:
        note(t, event::unload_would_block);
        break;
    }
  }

  // The module's memory goes with its text.
  void after_unload() {
    gone_.store(true, std::memory_order_release);
    P::destroy(data_);
  }

  // Puts every object reference thread t still holds.
  void drop_object_refs(int t) {
    thread_state& ts = ts_[idx(t)];
    for (int o = 0; o < cfg_.objects; ++o) {
      while (ts.held[idx(o)] > 0) {
        --ts.held[idx(o)];
        put(t, o, false);
      }
    }
  }

  void drop_everything(int t) {
    drop_object_refs(t);
    for (thread_state& ts = ts_[idx(t)]; ts.module_refs > 0; --ts.module_refs) module_->put();
  }

  // A module kthread finishing: enters module text holding a pin, then ends
  // through a builtin safe-exit helper (never returning into the text).
  void exit_thread_safely(int t, bool via_completion) {
    thread_state& ts = ts_[idx(t)];
    if (ts.module_refs == 0) return;
    drop_object_refs(t);
    for (; ts.module_refs > 1; --ts.module_refs) module_->put();
    ts.module_refs = 0;
    note(t, event::thread_exited);
    scope_t in_text(*module_);
    Impl::exit_module_thread(*module_, in_text, [&] {
      if (via_completion) {
        // exit() waits for kthread_exited once per registered kthread; the
        // count is published to the unloader by this thread's module put.
        data_->kthreads.fetch_add(1, std::memory_order_relaxed);
        module_->put();
        if constexpr (lastref_residency)
          lastref::complete_and_exit(data_->kthread_exited, in_text);
        else
          safe_exit(in_text, &complete_kthread_exited, &data_->kthread_exited);
      } else {
        if constexpr (lastref_residency)
          lastref::module_put_and_exit(*module_, in_text);
        else
          safe_exit(in_text, &put_module, module_);
      }
    });
    // A set whose hook returned (no safe exit): ~scope_t returns into text
    // the unloader may have freed.
  }

  // A module with its own residency scheme (a user's, whose scope is not
  // basic_residency_scope): the builtin helpers' steps spelled with its
  // scope's end() — the residency ends, the thread unwinds, and the last
  // action (module put / complete) runs from its top frame.
  static constexpr bool lastref_residency = std::is_same_v<scope_t, basic_residency_scope<P>> &&
                                            std::is_base_of_v<basic_module<P>, module_t>;
  [[noreturn]] static void safe_exit(scope_t& in_text, void (*last)(void*), void* arg) {
    in_text.end();
    P::exit_thread(thread_exit{last, arg});
  }
  static void put_module(void* m) { static_cast<module_t*>(m)->put(); }
  static void complete_kthread_exited(void* c) { static_cast<basic_completion<P>*>(c)->complete(); }

  const scenario& s_;
  const config& cfg_;
  invariant_fn inv_;
  event_fn ev_;
  std::array<int, max_threads> twins_;

  lookup_table* table_ = nullptr;
  std::array<object*, max_objects> objects_{};  // fixed after setup
  std::array<user_completion*, max_completions> comps_{};
  module_data* data_ = nullptr;
  module_t* module_ = nullptr;

  std::array<thread_state, max_threads> ts_{};
  std::array<std::array<int, max_completions>, max_threads> last_wait_{
      {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}}};
  std::array<std::atomic<bool>, max_objects> owner_dropped_{};  // uncontested objects
  std::array<bool, max_objects> contested_{};
  bool any_contested_ = false;
  owner_drops* owner_drops_ = nullptr;
  std::array<std::atomic<int>, max_objects> released_{};
  std::array<std::atomic<bool>, max_completions> comp_freed_{};
  std::atomic<bool> gone_{false};
};

}  // namespace lastref::fuzz
