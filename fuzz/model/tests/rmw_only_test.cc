// SPDX-License-Identifier: MIT
// RMW-only words (platform::rmw_only, lastref/detail/rmw_only.h): the
// model enforces the declaration, so a wrong one is a reported failure,
// never a silent gap in a c11 proof that holds loads after the word's
// futex waits (fuzz/model/README.md, "RMW-only words").
//
//   - a plain store to a declared word fails, in both models, with a
//     message naming the declaration and the store in the trace; the
//     failure replays from its token;
//   - RMWs of every kind (and the constructor's value) pass;
//   - the declaration ends with the atomic: an object of the same type
//     built later in the same memory is undeclared;
//   - the completion and the module declare their futex words.

#include <gtest/gtest.h>
#include <lastref/completion.h>
#include <lastref/module.h>

#include <cstdint>
#include <string>
#include <vector>

#include <lastref/model/model.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;

struct declared_then_stored : program {
  P::atomic<std::uint32_t> w{5};  // the constructor's value is no store
  bool plain;
  explicit declared_then_stored(bool p) : plain(p) {}
  int threads() const override { return 2; }
  void setup() override { P::rmw_only(w); }
  void run(int t) override {
    if (t == 0) {
      w.fetch_add(1, mo::relaxed);
      std::uint32_t e = w.load(mo::relaxed);
      (void)w.compare_exchange_strong(e, e + 1, mo::acq_rel, mo::relaxed);
      return;
    }
    (void)w.exchange(7, mo::release);
    if (plain) w.store(9, mo::release);  // breaks the declaration
  }
};

TEST(RmwOnly, APlainStoreToADeclaredWordFails) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    const char* what = m == memory_model::sc ? "sc" : "c11";
    checker c;
    run_options o;
    o.memory = m;
    dpor_source d;
    const auto f = program_factory([] { return std::make_unique<declared_then_stored>(true); });
    const explore_result e = c.explore(f, d, 100'000, o);
    ASSERT_TRUE(e.found()) << what;
    EXPECT_EQ(e.failure.kind, failure_kind::invariant) << what << e.failure.report();
    EXPECT_NE(e.failure.message.find("plain store to a word declared RMW-only"), std::string::npos)
        << what << e.failure.message;
    EXPECT_NE(e.failure.message.find("T1 stores 9"), std::string::npos) << e.failure.message;
    EXPECT_NE(e.failure.report().find("store"), std::string::npos) << e.failure.report();
    // The failure replays from its token as it was found.
    const result again = c.replay(f, e.failure.token);
    EXPECT_EQ(again.kind, failure_kind::invariant) << what;
    EXPECT_EQ(again.message, e.failure.message) << what;
    EXPECT_NE(again.trace.find("store"), std::string::npos) << what << again.trace;
  }
}

TEST(RmwOnly, ReadModifyWritesPass) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    checker c;
    run_options o;
    o.memory = m;
    dpor_source d;
    const auto f = program_factory([] { return std::make_unique<declared_then_stored>(false); });
    const explore_result e = c.explore(f, d, 100'000, o);
    EXPECT_FALSE(e.found()) << e.failure.report();
    EXPECT_TRUE(e.complete);
  }
}

// The declaration is the atomic's own: memory reused for another object
// (the model's heap hands the same block to the next execution's
// allocation, heap.h) holds a new, undeclared atomic. `declare`: the first
// program declares its object's word, the second stores to the same word
// of an object in the same block.
struct boxed {
  P::atomic<std::uint32_t> w{0};
};
const void* block_seen = nullptr;
struct reuses_a_block : program {
  bool declare;
  explicit reuses_a_block(bool d) : declare(d) {}
  int threads() const override { return 1; }
  void run(int) override {
    boxed* b = P::make<boxed>();
    block_seen = b;
    if (declare) {
      P::rmw_only(b->w);
      b->w.fetch_add(1, mo::relaxed);
    } else {
      b->w.store(1, mo::relaxed);
    }
    P::destroy(b);
  }
};

TEST(RmwOnly, TheDeclarationEndsWithTheObject) {
  checker c;
  run_options o;
  random_source s(1);
  const explore_result a =
      c.explore(program_factory([] { return std::make_unique<reuses_a_block>(true); }), s, 1, o);
  ASSERT_FALSE(a.found()) << a.failure.report();
  const void* first = block_seen;
  const explore_result b =
      c.explore(program_factory([] { return std::make_unique<reuses_a_block>(false); }), s, 1, o);
  ASSERT_EQ(block_seen, first) << "the model heap did not reuse the block";
  EXPECT_FALSE(b.found()) << b.failure.report();
}

// The primitives declare their futex words (detail/rmw_only.h): a
// platform that records the declarations sees one inside each object.
std::vector<const void*> declared;
struct recording_platform : platform {
  template <class T>
  static void rmw_only(atomic<T>& word) noexcept {
    declared.push_back(&word);
    platform::rmw_only(word);
  }
};

template <class Object>
bool declares_one_word(const Object& o) {
  if (declared.size() != 1) return false;
  const auto* p = static_cast<const char*>(declared[0]);
  const auto* base = reinterpret_cast<const char*>(&o);
  return p >= base && p < base + sizeof(Object);
}

TEST(RmwOnly, TheCompletionAndTheModuleDeclareTheirWords) {
  declared.clear();
  const basic_completion<recording_platform> done;
  EXPECT_TRUE(declares_one_word(done));
  declared.clear();
  const basic_module<recording_platform> mod("m", nullptr, unload_policy::drain_residency);
  EXPECT_TRUE(declares_one_word(mod));
}

}  // namespace
}  // namespace lastref::model
