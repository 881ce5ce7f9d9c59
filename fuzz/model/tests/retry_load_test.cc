// SPDX-License-Identifier: MIT
// Retry loads (lastref/detail/retry.h, retry_load; fuzz/model/README.md,
// "Retry loads"): under c11, on a word declared RMW-only, in an exhaustive
// explore with prune_failed_retries, a hinted load does not explore reads
// of older stores whose value leads to the confirming retry CAS. Checked:
//   - soundness: random programs of hinted retry loops (the CAS always
//     follows, or only for some values: "decrement unless zero"), RMWs of
//     every order that bring the word back to old values (ABA), loads of
//     every order, a second atomic and a race-checked cell, searched by
//     DPOR and DFS with every pruning on against unbounded DFS with every
//     pruning off, under sc and c11: the same outcomes and failure kinds;
//   - every order combination of a hinted loop (load, success, failure):
//     the same outcomes as the reference when the contract's orders hold,
//     a contract failure when they do not;
//   - contract breaches are failures (another operation next, a CAS of
//     another word, an unhinted CAS, another expected value, the thread's
//     end), under sc and c11, and a predicate that lies is caught when the
//     value it lies about is the latest;
//   - the reduction acts: a hinted loop's held CAS is never pruned under
//     c11 on a declared word (it was before: a plain load there explores
//     the older stores and prunes their failed CASes), and acts on nothing
//     on an undeclared word.
// CI size: about 5 s in the dev build (the random comparison; the rest
// well under a second). DISABLED_RandomLong is the soak (seeds from 1000:
// LASTREF_RETRY_LOAD_SEEDS, default 300; reference cap
// LASTREF_RETRY_LOAD_CAP, default 30,000).

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <lastref/detail/retry.h>
#include <lastref/detail/rmw_only.h>
#include <lastref/model/dpor.h>
#include <lastref/model/model.h>

#include "dfs_compare.h"

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using testing::outcomes;
using totals = testing::explore_totals;

constexpr bool cas_always(unsigned) noexcept { return true; }
constexpr bool cas_unless_zero(unsigned v) noexcept { return v != 0u; }

constexpr mo load_orders[] = {mo::relaxed, mo::acquire, mo::seq_cst};
constexpr mo success_orders[] = {mo::relaxed, mo::acquire, mo::release, mo::acq_rel, mo::seq_cst};
constexpr mo failure_orders[] = {mo::relaxed, mo::acquire, mo::seq_cst};
constexpr int strength(mo o) {
  return o == mo::seq_cst ? 2 : o == mo::relaxed || o == mo::release ? 0 : 1;
}

// Every pruning on (the defaults) or off (the reference).
using testing::explore_all_pruning;

// 2-3 threads of 1-3 steps on the word w (declared RMW-only unless the
// seed says not), an atomic y and a cell. A step's `loc` picks orders.
struct retry_load_program : program {
  enum kind : std::uint8_t {
    update,       // hinted load, retry loop: w = 2w + val
    dec_nonzero,  // hinted load, CAS only when nonzero: w = w - 1
    add,          // w.fetch_add(val)
    sub,          // w.fetch_sub(1): with add, values come back (ABA)
    load_w,
    publish,  // c = val; w.fetch_add(0, release): a release sequence head
    consume,  // acquire load of w; read c when it shows a publish ran
    y_store
  };
  struct step {
    kind k;
    std::uint8_t loc;
    std::uint8_t val;
  };
  outcomes* out;
  int n;
  bool declared;
  std::vector<step> prog[3];
  P::atomic<unsigned> w{1};
  P::atomic<unsigned> y{0};
  P::cell<int> c{0};
  unsigned reads[3][3] = {};

  retry_load_program(outcomes* o, std::uint64_t seed) : out(o), declared(seed % 5 != 0) {
    n = testing::draw_steps(seed, prog, {8, 30, 3, 3, 1});
    if (declared) lastref::detail::declare_rmw_only<P>(w);
  }
  int threads() const override { return n; }
  void run(int t) override {
    int i = 0;
    for (const step& s : prog[t]) {
      // Orders that keep the contract: success and failure at least the load's.
      const mo lo = load_orders[s.loc % 3];
      mo su = success_orders[(s.loc / 3) % 5];
      mo fa = failure_orders[(s.loc / 15) % 2 + (s.loc % 3 == 2 ? 1 : 0)];
      if (strength(su) < strength(lo)) su = lo == mo::seq_cst ? mo::seq_cst : mo::acq_rel;
      if (strength(fa) < strength(lo)) fa = lo;
      unsigned v = 0;
      switch (s.k) {
        case update: {
          unsigned old = lastref::detail::retry_load<P, &cas_always>(w, lo);
          while (!lastref::detail::retry_cas_weak<P>(w, old, old * 2u + s.val, su, fa)) {
          }
          v = old;
          break;
        }
        case dec_nonzero: {
          unsigned old = lastref::detail::retry_load<P, &cas_unless_zero>(w, lo);
          while (old != 0u && !lastref::detail::retry_cas_strong<P>(w, old, old - 1u, su, fa)) {
          }
          v = old;
          break;
        }
        case add:
          v = w.fetch_add(s.val, success_orders[s.loc % 5]);
          break;
        case sub:
          v = w.fetch_sub(1u, success_orders[s.loc % 5]);
          break;
        case load_w:
          v = w.load(load_orders[s.loc % 3]);
          break;
        case publish:
          c.write(s.val);
          v = w.fetch_add(0u, mo::release);
          break;
        case consume:
          v = w.load(mo::acquire);
          if (v != 1u) v = 100u + static_cast<unsigned>(c.read());
          break;
        case y_store:
          y.store(s.val, mo::relaxed);
          v = y.load(mo::relaxed);
          break;
      }
      if (i < 3) reads[t][i++] = v;
    }
  }
  void check() override {
    std::string s;
    for (int t = 0; t < n; ++t) {
      for (unsigned v : reads[t]) s += std::to_string(v) + ",";
      s += "|";
    }
    s += std::to_string(w.raw()) + "," + std::to_string(y.raw());
    out->insert(s);
  }
};

// A search stops an execution at its failure, so once the reference
// fails only the failure kinds are compared; otherwise every outcome.
void expect_same(const outcomes& got, const outcomes& ref) {
  if (!testing::has_failure(ref)) {
    EXPECT_EQ(got, ref) << testing::show(got) << " vs " << testing::show(ref);
    return;
  }
  for (const std::string& s : ref) {
    if (s.rfind("FAIL ", 0) == 0) {
      EXPECT_TRUE(got.count(s)) << s << " " << testing::show(got);
    }
  }
}

struct comparison {
  int compared = 0, skipped = 0, failing = 0;
  std::uint64_t ref = 0, dpor = 0, dfs = 0, dpor_off = 0;
};

// One seed: the reference (unbounded DFS, pruning off) against DPOR and
// DFS with pruning on; false when the reference exceeded its cap.
bool compare_seed(std::uint64_t seed, memory_model m, std::uint64_t ref_cap, comparison& c) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed << (m == memory_model::sc ? " sc" : " c11"));
  outcomes ref, dp, df;
  dfs_source r(dfs_source::unbounded);
  const totals sr =
      explore_all_pruning(factory<retry_load_program>(&ref, seed), r, &ref, m, false, ref_cap);
  if (!sr.complete) {
    ++c.skipped;
    return false;
  }
  dpor_source d;
  const totals sd =
      explore_all_pruning(factory<retry_load_program>(&dp, seed), d, &dp, m, true, 4 * ref_cap);
  dfs_source f(dfs_source::unbounded);
  const totals sf =
      explore_all_pruning(factory<retry_load_program>(&df, seed), f, &df, m, true, 4 * ref_cap);
  outcomes dn;  // DPOR without pruning: what the reductions save
  dpor_source d0;
  const totals s0 =
      explore_all_pruning(factory<retry_load_program>(&dn, seed), d0, &dn, m, false, 4 * ref_cap);
  EXPECT_TRUE(sd.complete);
  EXPECT_TRUE(sf.complete);
  EXPECT_TRUE(s0.complete);
  EXPECT_FALSE(d.diverged());
  expect_same(dp, ref);
  expect_same(df, ref);
  if (testing::has_failure(ref)) ++c.failing;
  ++c.compared;
  c.ref += sr.executions;
  c.dpor += sd.executions;
  c.dpor_off += s0.executions;
  c.dfs += sf.executions;
  return true;
}

void random_programs(std::uint64_t first, std::uint64_t seeds, std::uint64_t ref_cap,
                     int min_compared) {
  comparison c;
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (std::uint64_t s = first; s < first + seeds; ++s) compare_seed(s, m, ref_cap, c);
  EXPECT_GE(c.compared, min_compared);
  std::printf(
      "retry-load programs: %d compared (%d failing, %d over the cap): executions ref %llu, "
      "dpor %llu (%llu without pruning), dfs %llu\n",
      c.compared, c.failing, c.skipped, static_cast<unsigned long long>(c.ref),
      static_cast<unsigned long long>(c.dpor), static_cast<unsigned long long>(c.dpor_off),
      static_cast<unsigned long long>(c.dfs));
}

TEST(RetryLoad, RandomProgramsMatchDfsWithoutPruning) { random_programs(1, 40, 6'000, 45); }

TEST(RetryLoad, DISABLED_RandomLong) {
  const char* env = std::getenv("LASTREF_RETRY_LOAD_SEEDS");
  const char* cap = std::getenv("LASTREF_RETRY_LOAD_CAP");
  const std::uint64_t seeds = env != nullptr ? std::strtoull(env, nullptr, 10) : 300;
  random_programs(1000, seeds, cap != nullptr ? std::strtoull(cap, nullptr, 10) : 30'000,
                  static_cast<int>(seeds));
}

// A hinted loop with the orders given, beside a publisher whose release
// RMW (bit 0) heads a release sequence continued by relaxed RMWs that add
// and take away bit 1 (so older stores have the latest value: ABA); the
// loop reads the cell only when it saw the publisher: a race unless the
// orders give happens-before.
struct order_program : program {
  outcomes* out;
  mo lo, su, fa;
  P::atomic<unsigned> w{0};
  P::cell<int> c{0};
  unsigned seen = 0;
  int got = -1;
  order_program(outcomes* o, mo l, mo s, mo f) : out(o), lo(l), su(s), fa(f) {
    lastref::detail::declare_rmw_only<P>(w);
  }
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 0) {
      unsigned old = lastref::detail::retry_load<P, &cas_always>(w, lo);
      while (!lastref::detail::retry_cas_weak<P>(w, old, old + 8u, su, fa)) {
      }
      seen = old;
      if ((old & 1u) != 0u) got = c.read();
    } else if (t == 1) {
      c.write(5);
      w.fetch_add(1u, mo::release);
    } else {
      w.fetch_add(2u, mo::relaxed);
      w.fetch_sub(2u, mo::relaxed);
    }
  }
  void check() override {
    out->insert(std::to_string(seen) + ":" + std::to_string(got) + ":" + std::to_string(w.raw()));
  }
};

TEST(RetryLoad, EveryOrderCombination) {
  int kept = 0, breached = 0;
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (mo l : load_orders)
      for (mo s : success_orders)
        for (mo f : failure_orders) {
          SCOPED_TRACE(::testing::Message()
                       << (m == memory_model::sc ? "sc " : "c11 ") << static_cast<int>(l) << " "
                       << static_cast<int>(s) << " " << static_cast<int>(f));
          outcomes ref, red;
          dpor_source r, d;  // the reference: DPOR with every pruning off
          auto make = [&](outcomes* o) { return factory<order_program>(o, l, s, f); };
          ASSERT_TRUE(explore_all_pruning(make(&ref), r, &ref, m, false, 200'000).complete);
          ASSERT_TRUE(explore_all_pruning(make(&red), d, &red, m, true, 200'000).complete);
          if (strength(s) >= strength(l) && strength(f) >= strength(l)) {
            ++kept;
            expect_same(red, ref);
          } else {
            ++breached;  // the contract's orders: a failure in both searches
            EXPECT_TRUE(red.count("FAIL invariant")) << testing::show(red);
            EXPECT_TRUE(ref.count("FAIL invariant")) << testing::show(ref);
          }
        }
  EXPECT_GT(kept, 0);
  EXPECT_GT(breached, 0);
}

// Breaches of the contract: after a hinted load of a value it accepts, the
// thread does something else than the confirming retry CAS.
struct breach_program : program {
  enum shape { other_op, other_word, unhinted, other_expected, thread_end, weak_order, lying };
  outcomes* out;
  shape sh;
  P::atomic<unsigned> w{0}, x{0};
  explicit breach_program(outcomes* o, shape s) : out(o), sh(s) {
    lastref::detail::declare_rmw_only<P>(w);
  }
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.fetch_add(1u, mo::relaxed);
      return;
    }
    if (sh == lying) {
      // The predicate says "always", but on 1 the thread returns.
      unsigned v = lastref::detail::retry_load<P, &cas_always>(w, mo::relaxed);
      if (v == 1u) return;
      (void)lastref::detail::retry_cas_weak<P>(w, v, v + 2u, mo::relaxed, mo::relaxed);
      return;
    }
    unsigned old = lastref::detail::retry_load<P, &cas_always>(w, mo::acquire);
    switch (sh) {
      case other_op:
        (void)x.load(mo::relaxed);
        (void)lastref::detail::retry_cas_weak<P>(w, old, old + 2u, mo::acq_rel, mo::acquire);
        break;
      case other_word:
        (void)lastref::detail::retry_cas_weak<P>(x, old, old + 2u, mo::acq_rel, mo::acquire);
        break;
      case unhinted:
        (void)w.compare_exchange_weak(old, old + 2u, mo::acq_rel, mo::acquire);
        break;
      case other_expected: {
        unsigned e = old + 1u;
        (void)lastref::detail::retry_cas_weak<P>(w, e, old + 2u, mo::acq_rel, mo::acquire);
        break;
      }
      case thread_end:
        break;
      case weak_order:
        (void)lastref::detail::retry_cas_weak<P>(w, old, old + 2u, mo::acq_rel, mo::relaxed);
        break;
      case lying:
        break;
    }
  }
  void check() override {
    if (out != nullptr) out->insert("ok");
  }
};

TEST(RetryLoad, ContractBreachesAreFailures) {
  using s = breach_program::shape;
  for (memory_model m : {memory_model::sc, memory_model::c11})
    for (s sh : {s::other_op, s::other_word, s::unhinted, s::other_expected, s::thread_end,
                 s::weak_order}) {
      SCOPED_TRACE(::testing::Message() << (m == memory_model::sc ? "sc " : "c11 ") << sh);
      checker c;
      dpor_source d;
      run_options o;
      o.memory = m;
      const explore_result e = c.explore(factory<breach_program>(nullptr, sh), d, 100'000, o);
      ASSERT_TRUE(e.found());
      EXPECT_EQ(e.failure.kind, failure_kind::invariant);
      EXPECT_NE(e.failure.message.find("hinted retry load"), std::string::npos)
          << e.failure.message;
    }
}

// The check runs on the values a search reads: a predicate that lies about
// a value is caught once that value is the latest when the load runs (here
// after thread 1's increment), under both models.
TEST(RetryLoad, ALyingPredicateIsCaughtOnTheLatestValue) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    checker c;
    dpor_source d;
    run_options o;
    o.memory = m;
    const explore_result e =
        c.explore(factory<breach_program>(nullptr, breach_program::lying), d, 100'000, o);
    ASSERT_TRUE(e.found());
    EXPECT_NE(e.failure.message.find("read 1,"), std::string::npos) << e.failure.message;
  }
}

// Two threads add with hinted loops while a third increments: under c11 on
// a declared word the held CAS never fails (no older store is read), so
// nothing is pruned; with a plain load (before retry_load), or on an
// undeclared word, reads of older stores are explored and their failed
// CASes pruned. The outcomes agree.
template <bool Hinted, bool Declared>
struct adders : program {
  outcomes* out;
  P::atomic<unsigned> w{0};
  explicit adders(outcomes* o) : out(o) {
    if (Declared) lastref::detail::declare_rmw_only<P>(w);
  }
  int threads() const override { return 3; }
  void run(int t) override {
    if (t == 2) {
      w.fetch_add(1u, mo::release);
      w.fetch_add(1u, mo::release);
      return;
    }
    unsigned old =
        Hinted ? lastref::detail::retry_load<P, &cas_always>(w, mo::relaxed) : w.load(mo::relaxed);
    while (!lastref::detail::retry_cas_weak<P>(w, old, old + 4u, mo::relaxed, mo::relaxed)) {
    }
  }
  void check() override { out->insert(std::to_string(w.raw())); }
};

template <class Prog>
totals dpor_c11(outcomes* o) {
  dpor_source d;
  return explore_all_pruning(factory<Prog>(o), d, o, memory_model::c11, true, 1'000'000);
}

TEST(RetryLoad, TheHeldCasAfterAHintedLoadIsNeverPruned) {
  outcomes a, b, u;
  const totals hinted = dpor_c11<adders<true, true>>(&a);
  const totals plain = dpor_c11<adders<false, true>>(&b);
  const totals undeclared = dpor_c11<adders<true, false>>(&u);
  ASSERT_TRUE(hinted.complete && plain.complete && undeclared.complete);
  EXPECT_EQ(a, b);
  EXPECT_EQ(u, b);
  EXPECT_EQ(hinted.pruned, 0u);
  EXPECT_GT(plain.pruned, 0u);
  EXPECT_GT(undeclared.pruned, 0u);
  EXPECT_LT(hinted.executions, plain.executions);
  std::printf("adders c11: hinted %llu executions, plain load %llu (%llu pruned)\n",
              static_cast<unsigned long long>(hinted.executions),
              static_cast<unsigned long long>(plain.executions),
              static_cast<unsigned long long>(plain.pruned));
}

// Only values the predicate accepts are skipped: a load that reads an
// older 0 (the word went 1 -> 0 -> 5 before y was set) returns without a
// CAS, an outcome no interleaving gives (y set implies the word is 5), and
// the search must still reach it under c11 (a version that skipped every
// older store would not: checked by hand against that mutation).
struct stale_zero : program {
  outcomes* out;
  P::atomic<unsigned> w{1};
  P::atomic<int> y{0};
  int a = -1;
  unsigned v = 99;
  explicit stale_zero(outcomes* o) : out(o) { lastref::detail::declare_rmw_only<P>(w); }
  int threads() const override { return 2; }
  void run(int t) override {
    if (t == 1) {
      w.fetch_sub(1u, mo::relaxed);
      w.fetch_add(5u, mo::relaxed);
      y.store(1, mo::relaxed);
      return;
    }
    a = y.load(mo::relaxed);
    v = lastref::detail::retry_load<P, &cas_unless_zero>(w, mo::relaxed);
    while (v != 0u &&
           !lastref::detail::retry_cas_weak<P>(w, v, v + 10u, mo::relaxed, mo::relaxed)) {
    }
  }
  void check() override { out->insert(std::to_string(a) + ":" + std::to_string(v)); }
};

TEST(RetryLoad, OlderValuesOutsideThePredicateAreRead) {
  outcomes ref, red;
  dpor_source r, d;
  ASSERT_TRUE(
      explore_all_pruning(factory<stale_zero>(&ref), r, &ref, memory_model::c11, false, 100'000)
          .complete);
  ASSERT_TRUE(
      explore_all_pruning(factory<stale_zero>(&red), d, &red, memory_model::c11, true, 100'000)
          .complete);
  EXPECT_TRUE(ref.count("1:0")) << testing::show(ref);
  EXPECT_EQ(red, ref) << testing::show(red) << " vs " << testing::show(ref);
}

}  // namespace
}  // namespace lastref::model
