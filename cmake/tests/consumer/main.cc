// SPDX-License-Identifier: MIT
// A project outside the tree that uses lastref through find_package.
#include <lastref/completion.h>
#include <lastref/kref.h>

#include <cstdio>

int main() {
  lastref::kref ref;
  lastref::completion released;
  ref.get();
  bool freed = ref.put([](lastref::kref&) {});
  freed = ref.put([&](lastref::kref&) { released.complete_all(); }) || freed;
  released.wait();
  std::puts(freed && released.done() ? "consumer ok" : "consumer FAILED");
  return freed && released.done() ? 0 : 1;
}
