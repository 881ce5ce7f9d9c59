// SPDX-License-Identifier: MIT
// Sharded exhaustive search (dpor.h, search.h): n shards together explore
// exactly what one search does (same outcomes and failures, and the same
// number of non-redundant executions), every shard alone is "not a proof",
// and combine() accepts a complete, consistent set of shard certificates
// only. Also the explorer's progress estimate.

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <lastref/model/dpor.h>
#include <lastref/model/known_programs.h>
#include <lastref/model/model.h>
#include <lastref/model/search.h>

namespace lastref::model {
namespace {

using P = platform;
using mo = std::memory_order;
using outcomes = std::set<std::string>;

// Three threads in a store-buffering ring plus a mutex-protected counter:
// several outcomes under sc and c11, some decisions independent.
struct ring final : program {
  outcomes* out;
  P::atomic<int> v[3];
  P::mutex m;
  P::cell<int> n{0};
  int r[3] = {};
  explicit ring(outcomes* o) : out(o) {}
  int threads() const override { return 3; }
  void run(int t) override {
    v[t].store(1, mo::relaxed);
    r[t] = v[(t + 1) % 3].load(mo::relaxed);
    m.lock();
    n.write(n.read() + 1);
    m.unlock();
  }
  void check() override {
    out->insert(std::to_string(r[0]) + std::to_string(r[1]) + std::to_string(r[2]) + "/" +
                std::to_string(n.read()));
  }
};

struct totals {
  std::uint64_t executions = 0, useful = 0;  // useful: not sleep-set blocked
  outcomes seen;
  bool complete = true;
};

// Runs shard i/n (n == 1: the whole search) to its end, failures included.
template <class Make>
totals run_shard(Make make, int i, int n, memory_model m) {
  totals t;
  dpor_source d;
  if (n > 1) d.set_shard(i, n);
  run_options o;
  o.trace_failures = false;
  o.memory = m;
  checker c;
  const program_factory f = make(&t.seen);
  for (std::uint64_t k = 0; k < 2'000'000 && !d.complete(); ++k) {
    const result r = c.run(f, d, o);
    if (r.failed()) t.seen.insert(std::string("FAIL ") + failure_name(r.kind));
  }
  t.complete = d.complete();
  EXPECT_FALSE(d.diverged());
  t.executions = d.owned_executions();
  t.useful = d.owned_executions() - d.owned_blocked();
  return t;
}

template <class Make>
void expect_shards_cover(Make make, memory_model m, const char* what) {
  const totals whole = run_shard(make, 0, 1, m);
  ASSERT_TRUE(whole.complete);
  for (int n : {2, 3, 7}) {
    totals sum;
    for (int i = 0; i < n; ++i) {
      const totals s = run_shard(make, i, n, m);
      EXPECT_TRUE(s.complete) << what << " shard " << i << "/" << n;
      sum.executions += s.executions;
      sum.useful += s.useful;
      sum.seen.insert(s.seen.begin(), s.seen.end());
    }
    EXPECT_EQ(sum.seen, whole.seen) << what << " " << n << " shards";
    // Under sc with no failure, every non-blocked execution is its own
    // Mazurkiewicz trace, in the whole search and across the shards alike.
    if (m == memory_model::sc) {
      EXPECT_EQ(sum.useful, whole.useful) << what << " " << n;
    }
    std::printf("%s, %s, %d shards: %llu executions (%llu not blocked); unsharded %llu (%llu)\n",
                what, m == memory_model::sc ? "sc" : "c11", n,
                static_cast<unsigned long long>(sum.executions),
                static_cast<unsigned long long>(sum.useful),
                static_cast<unsigned long long>(whole.executions),
                static_cast<unsigned long long>(whole.useful));
  }
}

template <class Prog, class... A>
auto maker(A... a) {
  return [=](outcomes*) { return factory<Prog>(a...); };
}

TEST(Shard, ShardsCoverTheSearch) {
  for (memory_model m : {memory_model::sc, memory_model::c11}) {
    expect_shards_cover(maker<known::counter_n>(4), m, "counter_n(4)");
    expect_shards_cover(maker<known::kref_n>(3), m, "kref_n(3)");
    expect_shards_cover(maker<known::writers_n>(4), m, "writers_n(4)");
    expect_shards_cover([](outcomes* o) { return factory<ring>(o); }, m, "ring");
  }
}

TEST(Shard, KrefNShardsSumToGenmcCount) {
  // The 1,680 traces of kref_n(3) (GenMC's count) split, none lost or repeated.
  std::uint64_t useful = 0;
  for (int i = 0; i < 4; ++i)
    useful += run_shard(maker<known::kref_n>(3), i, 4, memory_model::sc).useful;
  EXPECT_EQ(useful, known::kref_n_traces(3));
}

// A lost update that only some orders show: load, then store the value + 1.
struct lost_update final : program {
  P::atomic<int> x{0};
  P::atomic<int> other{0};
  int threads() const override { return 3; }
  void run(int t) override {
    other.fetch_add(1, mo::relaxed);
    if (t != 1) x.store(x.load(mo::relaxed) + 1, mo::relaxed);
  }
  void check() override { model::check(x.load() == 2, "no lost update"); }
};

TEST(Shard, CertificatesCombineIntoAProof) {
  std::vector<certificate> certs;
  for (int i = 0; i < 3; ++i) {
    checker c;
    const program_factory f = factory<known::kref_n>(3);
    search_limits l;
    l.shard_index = i;
    l.shard_count = 3;
    search_result r =
        search([&c, &f](schedule_source& s, std::uint64_t n) { return c.explore(f, s, n, {}); }, l,
               "kref_n n=3");
    EXPECT_TRUE(r.cert.complete);
    EXPECT_FALSE(r.cert.proof()) << "one shard alone proves nothing";
    EXPECT_EQ(r.cert.summary().rfind(
                  "shard complete: every schedule of shard " + std::to_string(i) + "/3", 0),
              0u)
        << r.cert.summary();
    certificate back;
    std::string err;
    ASSERT_TRUE(certificate_from_json(r.cert.json(), back, &err)) << err << "\n" << r.cert.json();
    EXPECT_EQ(back.json(), r.cert.json());
    certs.push_back(back);
  }
  std::string err;
  const certificate all = combine(certs, &err);
  EXPECT_TRUE(err.empty()) << err;
  EXPECT_TRUE(all.proof()) << all.summary();
  EXPECT_GE(all.owned, known::kref_n_traces(3));
  EXPECT_EQ(all.summary().rfind("complete: every schedule explored", 0), 0u) << all.summary();

  // A missing shard, a shard given twice, a shard of another search.
  const certificate two[] = {certs[0], certs[1]};
  EXPECT_FALSE(combine(two, &err).complete);
  EXPECT_NE(err.find("shard 2/3 missing"), std::string::npos) << err;
  const certificate dup[] = {certs[0], certs[1], certs[1]};
  EXPECT_FALSE(combine(dup, &err).complete);
  EXPECT_NE(err.find("given twice"), std::string::npos) << err;
  certificate other = certs[2];
  other.subject = "kref_n n=4";
  const certificate mixed[] = {certs[0], certs[1], other};
  EXPECT_FALSE(combine(mixed, &err).complete);
  EXPECT_NE(err.find("another search"), std::string::npos) << err;
  certificate cut = certs[2];
  cut.complete = false;
  cut.stopped_by = "time budget";
  const certificate partial[] = {certs[0], certs[1], cut};
  const certificate p = combine(partial, &err);
  EXPECT_FALSE(p.complete);
  EXPECT_FALSE(p.proof());
  EXPECT_EQ(p.summary().rfind("incomplete", 0), 0u) << p.summary();
}

TEST(Shard, FailureFoundByTheShardThatOwnsIt) {
  // Only some shards' subtrees hold the lost update; their union finds it,
  // and the others complete.
  int found = 0;
  for (int i = 0; i < 3; ++i) {
    run_options o;
    o.memory = memory_model::sc;
    checker c;
    search_limits l;
    l.shard_index = i;
    l.shard_count = 3;
    const search_result r = search(c, factory<lost_update>(), l, o);
    if (r.cert.found) {
      ++found;
      EXPECT_EQ(r.failure.kind, failure_kind::invariant) << r.failure.report();
    } else {
      EXPECT_TRUE(r.cert.complete) << r.cert.summary();
    }
  }
  EXPECT_GE(found, 1);
}

TEST(Shard, BadJsonIsRejected) {
  certificate c;
  std::string err;
  for (const char* bad : {"", "{", "[]", "{\"strategy\":\"dpor\"}", "{\"a\":1,\"a\":2}",
                          "{\"strategy\":\"dpor\"} x"}) {
    EXPECT_FALSE(certificate_from_json(bad, c, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
  certificate good;
  good.shard_count = 2;
  std::string j = good.json();
  j.replace(j.find("\"shard_index\":0"), 15, "\"shard_index\":5");
  EXPECT_FALSE(certificate_from_json(j, c, &err)) << j;
}

// Each malformed field is named in the message, with what it should be.
TEST(Shard, BadJsonNamesTheField) {
  certificate good;
  good.shard_count = 2;
  good.executions = 7;
  good.subject = "program=kref_n threads=3";
  const std::string j = good.json();
  certificate back;
  std::string err;
  ASSERT_TRUE(certificate_from_json(j, back, &err)) << err << "\n" << j;
  EXPECT_EQ(back.executions, 7u);
  EXPECT_EQ(back.subject, good.subject);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = j;
    const std::size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? t : t.replace(at, from.size(), to);
  };
  const struct {
    std::string from, to, named;
  } bad[] = {
      {"\"executions\":7", "\"executions\":-7", "\"executions\""},
      {"\"executions\":7", "\"executions\":7.5", "\"executions\""},
      {"\"executions\":7", "\"executions\":\"7\"", "\"executions\""},
      {"\"executions\":7", "\"executions\":18446744073709551616", "executions"},
      {"\"complete\":false", "\"complete\":0", "\"complete\""},
      {"\"bound\":-1", "\"bound\":-2", "\"bound\""},
      {"\"bound\":-1", "\"bound\":4294967295", "\"bound\""},
      {"\"seconds\":", "\"seconds\":-1,\"x\":", "\"seconds\""},
      {"\"strategy\":\"dpor\"", "\"strategy\":\"bfs\"", "\"strategy\""},
      {"\"stopped_by\":\"\"", "\"stopped_by\":\"boredom\"", "\"stopped_by\""},
      {"\"subject\":\"", "\"subject\":1,\"y\":\"", "\"subject\""},
      {"\"shard_count\":2", "\"shard_count\":0", "\"shard_count\""},
      {"\"shard_index\":0", "\"shard_index\":2", "\"shard_index\""},
      {"\"proof\":false", "\"proof\":true", "\"proof\""},
      {"\"owned\":0", "\"owned\":0,\"owned\":1", "duplicate key \"owned\""},
      {"\"races\":0,", "", "missing races"},
  };
  for (const auto& b : bad) {
    const std::string t = with(b.from, b.to);
    certificate c;
    EXPECT_FALSE(certificate_from_json(t, c, &err)) << t;
    EXPECT_NE(err.find(b.named), std::string::npos) << "message: " << err << "\ninput: " << t;
  }
  // Not a certificate at all: the parser's own account (line and column).
  EXPECT_FALSE(certificate_from_json("{\"strategy\":", back, &err));
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;
  EXPECT_FALSE(certificate_from_json("", back, &err));
  EXPECT_EQ(err, "empty file");
  EXPECT_FALSE(certificate_from_json("[1]", back, &err));
  EXPECT_EQ(err, "not a JSON object but array");
}

TEST(Progress, EstimateReachesOneAtTheEnd) {
  dpor_source d;
  run_options o;
  o.trace_failures = false;
  checker c;
  const program_factory f = factory<known::kref_n>(3);
  EXPECT_EQ(d.progress(), 0.0);
  (void)c.explore(f, d, 400, o);
  const double mid = d.progress();
  EXPECT_GT(mid, 0.0);
  EXPECT_LT(mid, 1.0);
  // Executions / fraction: the extrapolated total, within 4x of 1,680 here.
  const double est = 400 / mid;
  std::printf("kref_n(3) after 400 executions: %.1f%% done, estimate %.0f (exact 1680)\n",
              100 * mid, est);
  EXPECT_GT(est, 1680 / 4.0);
  EXPECT_LT(est, 1680 * 4.0);
  (void)c.explore(f, d, 10'000, o);
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.progress(), 1.0);
}

}  // namespace
}  // namespace lastref::model
