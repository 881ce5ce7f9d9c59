// SPDX-License-Identifier: MIT
// A project outside the tree that model-checks its own scenario through the
// installed lastref::model front (fuzz/model/README.md's example).
#include <lastref/kref.h>

#include <cstdio>

#include <lastref/model/test.h>

namespace {
using P = lastref::model::platform;
struct state {
  lastref::basic_kref<P> ref;
  P::cell<int> payload;
  lastref::model::exactly_once released{"release"};
};
}  // namespace

int main() {
  lastref::model::test<state> t;
  t.setup([](state& s) {
    s.ref.init();
    s.ref.get();
  });
  auto put = [](state& s) { s.ref.put([&](auto&) { s.released.hit(); }); };
  t.thread([&](state& s) {
    s.payload.write(1);
    put(s);
  });
  t.thread(put);
  t.check([](state& s) { s.released.expect_once(); });
  lastref::model::dpor_source every;
  const auto r = t.explore(every, 100'000);
  std::printf("model consumer: %s\n", r.summary().c_str());
  return !r.found() && r.complete ? 0 : 1;
}
