// SPDX-License-Identifier: MIT
// module unit tests: every unload answer (busy unless live, would_block while
// references remain, force), try_get during going, exit runs once, residency
// under both unload policies with real threads and completions as
// handshakes, the safe-exit helpers, placement, and a threaded smoke test.
//
// They double as the conformance suite of a user's module
// (implementations.h): everything module_primitive (concepts.h) states runs
// on any type; what needs basic_module itself (name(), residents(), the
// safe-exit helpers and run_placed, which take a basic_module, its
// Platform text hooks and its underflow reports) is skipped for a type
// without it, never weakened.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hostile_platform.h"
#include "implementations.h"
#include "lastref/completion.h"
#include "lastref/module.h"
#include "lastref/thread.h"
#include "test_reporter.h"

namespace lastref::test {
namespace {

template <class Pred>
bool eventually(Pred pred) {
  for (long i = 0; i < 20'000'000; ++i) {
    if (pred()) return true;
    std::this_thread::yield();
  }
  return pred();
}

// basic_module's extras beyond module_primitive.
template <class M>
concept named_module = requires(const M& m) {
  { m.name() } -> std::convertible_to<const char*>;
};
template <class M>
concept resident_counting_module = requires(const M& m, typename M::residency_scope& s) {
  { m.residents() } -> std::convertible_to<std::uint32_t>;
  { s.active() } -> std::same_as<bool>;
  s.end();
};
// A basic_module (fuzzable_module_primitive): the safe-exit helpers and
// run_placed take one, and the text-hook and report tests observe its code.
template <class M>
concept lastref_module =
    fuzzable_module_primitive<M> && named_module<M> && resident_counting_module<M>;
#define LASTREF_SKIP_WITHOUT(concept_name) \
  GTEST_SKIP() << "lastref-only extra (module_test.cc: " #concept_name ")"

// module_primitive guarantees the three-argument constructor only.
constexpr unload_policy default_policy = unload_policy::immediate;

template <class M>
class module_test : public ::testing::Test {
 public:
  using platform = platform_of_t<M>;
  using completion = basic_completion<platform>;
  using scope = typename M::residency_scope;

 protected:
  recording_reporter reports_;
};
TYPED_TEST_SUITE(module_test, module_implementations);

TYPED_TEST(module_test, ComingIsBusyAndRefusesReferences) {
  int exits = 0;
  TypeParam m(
      "m", [&] { ++exits; }, default_policy);
  if constexpr (named_module<TypeParam>) {
    EXPECT_STREQ(m.name(), "m");
  }
  if constexpr (lastref_module<TypeParam>) {
    EXPECT_EQ(m.text(), static_cast<const void*>(&m));
  }
  EXPECT_EQ(m.state(), module_state::coming);
  EXPECT_FALSE(m.try_get());
  EXPECT_EQ(m.unload(), unload_result::busy);
  EXPECT_EQ(m.unload({.force = true}), unload_result::busy);
  EXPECT_EQ(exits, 0);
  m.mark_live();
  EXPECT_EQ(m.state(), module_state::live);
  EXPECT_EQ(m.unload(), unload_result::ok);
  EXPECT_EQ(exits, 1);
}

TYPED_TEST(module_test, WouldBlockWhileReferencesRemain) {
  int exits = 0;
  TypeParam m(
      "m", [&] { ++exits; }, default_policy);
  m.mark_live();
  ASSERT_TRUE(m.try_get());
  m.get();
  EXPECT_EQ(m.refcount(), 2);
  EXPECT_EQ(m.unload(), unload_result::would_block);
  EXPECT_EQ(m.state(), module_state::live);  // a failed unload changes nothing
  EXPECT_EQ(m.refcount(), 2);
  m.put();
  EXPECT_EQ(m.unload(), unload_result::would_block);
  m.put();
  EXPECT_EQ(m.refcount(), 0);
  EXPECT_EQ(exits, 0);
  EXPECT_EQ(m.unload(), unload_result::ok);
  EXPECT_EQ(m.state(), module_state::gone);
  EXPECT_EQ(exits, 1);
  EXPECT_FALSE(m.try_get());
  EXPECT_EQ(m.unload(), unload_result::busy);  // gone
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(this->reports_.size(), 0u);
}

TYPED_TEST(module_test, GoingIsBusyAndRefusesReferences) {
  int exits = 0;
  TypeParam* self = nullptr;
  bool got = true;
  unload_result nested = unload_result::ok;
  module_state during = module_state::live;
  TypeParam m(
      "m",
      [&] {
        ++exits;
        during = self->state();
        got = self->try_get();
        nested = self->unload();
      },
      default_policy);
  self = &m;
  m.mark_live();
  EXPECT_EQ(m.unload(), unload_result::ok);
  EXPECT_EQ(during, module_state::going);
  EXPECT_FALSE(got);
  EXPECT_EQ(nested, unload_result::busy);
  EXPECT_EQ(exits, 1);
}

TYPED_TEST(module_test, ForceUnloadsWithReferences) {
  int exits = 0;
  TypeParam m(
      "m", [&] { ++exits; }, default_policy);
  m.mark_live();
  ASSERT_TRUE(m.try_get());
  EXPECT_EQ(m.unload(), unload_result::would_block);
  EXPECT_EQ(m.unload({.force = true}), unload_result::ok);
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(m.state(), module_state::gone);
  EXPECT_EQ(m.refcount(), 1);  // the holder's reference is still counted
  m.put();                     // and may still be dropped without a warning
  EXPECT_EQ(m.refcount(), 0);
  EXPECT_EQ(this->reports_.size(), 0u);
}

TYPED_TEST(module_test, PutUnderflowReports) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    TypeParam m("m", nullptr, default_policy);
    m.mark_live();
    m.put();  // drops the base: kernel WARN_ON(ret < 0) does not fire yet
    EXPECT_EQ(this->reports_.size(), 0u);
    m.put();
    auto e = this->reports_.entries();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, refcount_saturation::sub_uaf);
    EXPECT_EQ(m.refcount(), -1);  // refcnt stays 0
  }
}

// An extra put() that silently took the base reference is the kernel's
// BUG_ON(ret < 0) in try_release_module_ref: unload reports it instead of
// returning would_block forever without a word.
TYPED_TEST(module_test, UnloadReportsStolenBaseReference) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    TypeParam m("m", nullptr, default_policy);
    m.mark_live();
    m.put();  // no reference was held: takes the base
    EXPECT_EQ(this->reports_.size(), 0u);
    m.unload();
    auto e = this->reports_.entries();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, refcount_saturation::sub_uaf);
  }
}

TYPED_TEST(module_test, ResidencyScopeCountsAndEndsEarly) {
  if constexpr (!resident_counting_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(resident_counting_module);
  } else {
    TypeParam m("m", nullptr, default_policy);
    m.mark_live();
    {
      typename TestFixture::scope s(m);
      EXPECT_TRUE(s.active());
      EXPECT_EQ(m.residents(), 1u);
      {
        typename TestFixture::scope inner(m);
        EXPECT_EQ(m.residents(), 2u);
      }
      s.end();
      EXPECT_FALSE(s.active());
      EXPECT_EQ(m.residents(), 0u);
      s.end();
      EXPECT_EQ(m.residents(), 0u);
    }
    EXPECT_EQ(m.residents(), 0u);
  }
}

TYPED_TEST(module_test, CallInTextAndPlacement) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    TypeParam m("m", nullptr, default_policy);
    m.mark_live();
    EXPECT_EQ(m.call_in_text([&] { return m.residents(); }), 1u);
    EXPECT_EQ(run_placed(release_placement::module, m, [&] { return m.residents(); }), 1u);
    EXPECT_EQ(run_placed(release_placement::builtin, m, [&] { return m.residents(); }), 0u);
    int x = 0;
    int& ref = m.call_in_text([&]() -> int& { return x; });
    EXPECT_EQ(&ref, &x);
    EXPECT_EQ(m.residents(), 0u);
  }
}

// A thread is still in the module's text when unload() runs. `drain` must
// wait for it to leave; `immediate` (the kernel) unmaps under its feet.
template <class Fixture, class M>
void residency_race(unload_policy policy) {
  typename Fixture::completion entered, proceed, exit_ran, unloaded;
  M m(
      "m", [&] { exit_ran.complete(); }, policy);
  m.mark_live();
  std::atomic<bool> gone_while_inside{false};
  joining_thread resident([&] {
    typename Fixture::scope s(m);
    entered.complete();
    proceed.wait();
    gone_while_inside = m.state() == module_state::gone;
  });
  entered.wait();
  unload_result r = unload_result::busy;
  joining_thread unloader([&] {
    r = m.unload();
    unloaded.complete();
  });
  exit_ran.wait();
  if (policy == unload_policy::drain_residency) {
    // The resident cannot leave before `proceed`, so unload cannot finish.
    if constexpr (resident_counting_module<M>) {
      EXPECT_EQ(m.residents(), 1u);
    }
    EXPECT_FALSE(unloaded.done());
    EXPECT_EQ(m.state(), module_state::going);
    proceed.complete();
    unloaded.wait();
    EXPECT_FALSE(gone_while_inside.load());
  } else {
    unloaded.wait();  // returns with the resident still inside
    EXPECT_EQ(m.state(), module_state::gone);
    if constexpr (resident_counting_module<M>) {
      EXPECT_EQ(m.residents(), 1u);
    }
    proceed.complete();
    resident.join();
    EXPECT_TRUE(gone_while_inside.load());  // the reference bug
  }
  resident.join();
  unloader.join();
  EXPECT_EQ(r, unload_result::ok);
  if constexpr (resident_counting_module<M>) {
    EXPECT_EQ(m.residents(), 0u);
  }
}

TYPED_TEST(module_test, DrainWaitsForResident) {
  residency_race<TestFixture, TypeParam>(unload_policy::drain_residency);
}

TYPED_TEST(module_test, ImmediateUnmapsUnderResident) {
  residency_race<TestFixture, TypeParam>(unload_policy::immediate);
}

TYPED_TEST(module_test, DrainWithNoResidentsDoesNotBlock) {
  TypeParam m("m", nullptr, unload_policy::drain_residency);
  m.mark_live();
  { typename TestFixture::scope in_text(m); }  // entered and left
  EXPECT_EQ(m.unload(), unload_result::ok);
}

// module_put_and_kthread_exit: the thread's last action drops its module
// reference from builtin code; the thread ends without returning.
TYPED_TEST(module_test, ModulePutAndExit) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    TypeParam m("m", nullptr, unload_policy::drain_residency);
    m.mark_live();
    ASSERT_TRUE(m.try_get());
    typename TestFixture::completion started;
    std::atomic<bool> returned{false};
    {
      joining_thread t([&] {
        typename TestFixture::scope s(m);
        started.complete();
        module_put_and_exit(m, s);
        returned = true;  // never reached
      });
      started.wait();
      t.join();
    }
    EXPECT_FALSE(returned.load());
    EXPECT_EQ(m.refcount(), 0);
    EXPECT_EQ(m.residents(), 0u);
    EXPECT_EQ(m.unload(), unload_result::ok);
  }
}

// kthread_complete_and_exit: the exit callback waits for the thread, which
// completes as its very last action from builtin code.
TYPED_TEST(module_test, CompleteAndExit) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    for (auto policy : {unload_policy::drain_residency, unload_policy::immediate}) {
      typename TestFixture::completion thread_done;
      TypeParam m(
          "m", [&] { thread_done.wait(); }, policy);
      m.mark_live();
      std::atomic<bool> returned{false};
      joining_thread t([&] {
        typename TestFixture::scope s(m);
        complete_and_exit(thread_done, s);
        returned = true;  // never reached
      });
      EXPECT_EQ(m.unload(), unload_result::ok);
      t.join();
      EXPECT_FALSE(returned.load());
      EXPECT_EQ(m.residents(), 0u);
    }
  }
}

// Lookups race with repeated unload attempts: no reference is ever obtained
// once the exit callback ran, and the exit callback runs once.
TYPED_TEST(module_test, ThreadsTryGetVersusUnload) {
  constexpr int threads = 3;
  constexpr int rounds = 40;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> exits{0};
    std::atomic<bool> late_reference{false};
    TypeParam m(
        "m", [&] { exits.fetch_add(1); },
        round % 2 ? unload_policy::drain_residency : unload_policy::immediate);
    m.mark_live();
    typename TestFixture::completion got_one;  // each thread held a reference
    std::vector<joining_thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        bool first = true;
        for (int i = 0; i < 2000; ++i) {
          if (m.try_get()) {
            if (std::exchange(first, false)) got_one.complete();
            {
              typename TestFixture::scope in_text(m);
              if (exits.load() != 0) late_reference = true;
            }
            m.put();
          } else if (m.state() != module_state::live) {
            break;
          }
        }
      });
    for (int t = 0; t < threads; ++t) got_one.wait();
    unload_result r = unload_result::would_block;
    for (int attempt = 0; attempt < 1'000'000 && r != unload_result::ok; ++attempt) {
      r = m.unload();
      ASSERT_NE(r, unload_result::busy);
      if (r != unload_result::ok) std::this_thread::yield();
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(r, unload_result::ok);
    EXPECT_EQ(exits.load(), 1);
    EXPECT_FALSE(late_reference.load());
    EXPECT_EQ(m.refcount(), -1);  // base dropped, nothing held
    EXPECT_EQ(m.state(), module_state::gone);
  }
  EXPECT_EQ(this->reports_.size(), 0u);
}

// --- text_* calls, as the model platform sees them ----------------------------

struct text_log_platform : std_platform {
  static inline std::mutex m;
  static inline std::vector<std::string> log;
  static void record(const char* what) {
    std::lock_guard<std::mutex> g(m);
    log.emplace_back(what);
  }
  static void text_enter(const void*) { record("enter"); }
  static void text_leave(const void*) { record("leave"); }
  static void text_unmap(const void*) { record("unmap"); }
  [[noreturn]] static void exit_thread(thread_exit how = {}) {
    record("exit_thread");
    std_platform::exit_thread(how);
  }
};

template <class M>
std::vector<std::string> run_logged(unload_policy policy) {
  using platform = text_log_platform;
  platform::log.clear();
  basic_completion<platform> entered, proceed, exit_ran;
  M m(
      "m", [&] { exit_ran.complete(); }, policy);
  m.mark_live();
  joining_thread resident([&] {
    typename M::residency_scope s(m);
    entered.complete();
    proceed.wait();
  });
  entered.wait();
  joining_thread unloader([&] { EXPECT_EQ(m.unload(), unload_result::ok); });
  exit_ran.wait();
  if (policy == unload_policy::immediate) unloader.join();  // unmapped already
  proceed.complete();
  resident.join();
  unloader.join();
  return platform::log;
}

// The detector (unmap before leave) fires on the kernel's policy and is
// silent on drain_residency.
TYPED_TEST(module_test, TextImmediateUnmapsBeforeLeave) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    using M = rebind_platform_t<TypeParam, text_log_platform>;
    EXPECT_EQ(run_logged<M>(unload_policy::immediate),
              (std::vector<std::string>{"enter", "unmap", "leave"}));
  }
}

TYPED_TEST(module_test, TextDrainLeavesBeforeUnmap) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    using M = rebind_platform_t<TypeParam, text_log_platform>;
    EXPECT_EQ(run_logged<M>(unload_policy::drain_residency),
              (std::vector<std::string>{"enter", "leave", "unmap"}));
  }
}

TYPED_TEST(module_test, TextSafeExitLeavesBeforeSignal) {
  if constexpr (!lastref_module<TypeParam>) {
    LASTREF_SKIP_WITHOUT(lastref_module);
  } else {
    using M = rebind_platform_t<TypeParam, text_log_platform>;
    using platform = text_log_platform;
    platform::log.clear();
    basic_completion<platform> done;
    M m(
        "m", [&] { done.wait(); }, default_policy);
    m.mark_live();
    joining_thread t([&] {
      typename M::residency_scope s(m);
      complete_and_exit(done, s);
    });
    EXPECT_EQ(m.unload(), unload_result::ok);
    t.join();
    auto log = platform::log;
    // complete() is the exiting thread's last action, so the unmap it allows
    // comes after the thread left the text and began to exit.
    EXPECT_EQ(log, (std::vector<std::string>{"enter", "leave", "exit_thread", "unmap"}));
  }
}

// The hard rule for residency: the unloader frees the module as soon as
// unload() returns, while the last resident is still inside its leaving RMW's
// aftermath (hostile platform: spinning drain, pause after every RMW).
TYPED_TEST(module_test, HostileUnloaderFreesImmediately) {
  using M = rebind_platform_t<TypeParam, hostile_platform>;
  using C = basic_completion<hostile_platform>;
  constexpr int rounds = 100;
  for (int round = 0; round < rounds; ++round) {
    C entered, proceed;
    auto* m = new M("m", nullptr, unload_policy::drain_residency);
    m->mark_live();
    joining_thread resident([&, m] {
      typename M::residency_scope s(*m);
      entered.complete();
      proceed.wait();
    });
    entered.wait();
    joining_thread unloader([m] {
      EXPECT_EQ(m->unload(), unload_result::ok);
      delete m;
    });
    proceed.complete();
    unloader.join();
    resident.join();
  }
}

}  // namespace
}  // namespace lastref::test
