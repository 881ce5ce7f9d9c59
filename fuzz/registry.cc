// SPDX-License-Identifier: MIT
// The implementation-set registry (registry.h).
#include "registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "amplify.h"
#include "register_impl.h"

namespace lastref::fuzz {

namespace {

std::vector<impl_entry>& entries() {
  static std::vector<impl_entry> v;
  return v;
}

const impl_entry* g_zoo = nullptr;     // LASTREF_ZOO
const impl_entry* g_forced = nullptr;  // LASTREF_IMPL
bool g_selected = false;

void list_names(std::FILE* f) {
  for (const auto& e : entries())
    std::fprintf(f, "  %-28s %s\n", e.name.c_str(), e.zoo ? "zoo" : "default (always fuzzed)");
}

// Default sets: "correct" first, then by name, so an impl byte means the same
// set whatever order the linker ran the registrars in.
const std::vector<const impl_entry*>& defaults() {
  static const std::vector<const impl_entry*> v = [] {
    std::vector<const impl_entry*> d;
    for (const auto& e : entries())
      if (!e.zoo) d.push_back(&e);
    std::sort(d.begin(), d.end(), [](const impl_entry* a, const impl_entry* b) {
      return std::make_pair(a->name != "correct", a->name) <
             std::make_pair(b->name != "correct", b->name);
    });
    if (d.empty()) {
      std::fprintf(stderr, "lastref fuzz: no default implementation set registered\n");
      std::abort();
    }
    return d;
  }();
  return v;
}

}  // namespace

bool register_impl(impl_entry e) {
  for (const auto& have : entries()) {
    if (have.name == e.name) {
      std::fprintf(stderr, "lastref fuzz: implementation set '%s' registered twice\n",
                   e.name.c_str());
      std::abort();
    }
  }
  entries().push_back(std::move(e));
  return true;
}

const std::vector<impl_entry>& registry() { return entries(); }

const impl_entry* find_impl(std::string_view name) {
  for (const auto& e : entries())
    if (e.name == name) return &e;
  return nullptr;
}

const impl_entry* select_from_environment() {
  if (g_selected) return g_zoo;
  g_selected = true;
  amplify::read_environment();
  if (const char* only = std::getenv("LASTREF_IMPL"); only != nullptr && *only != '\0') {
    g_forced = find_impl(only);
    if (g_forced == nullptr || g_forced->zoo) {
      std::fprintf(stderr,
                   "lastref fuzz: LASTREF_IMPL=%s is not a default implementation set.\n"
                   "Valid names (LASTREF_IMPL takes a default one):\n",
                   only);
      list_names(stderr);
      std::exit(2);
    }
  }
  const char* name = std::getenv("LASTREF_ZOO");
  if (name == nullptr || *name == '\0') return nullptr;
  const impl_entry* e = find_impl(name);
  if (e == nullptr || !e->zoo) {
    std::fprintf(stderr, "lastref fuzz: LASTREF_ZOO=%s is not a zoo implementation set.\n", name);
    std::fprintf(stderr, "Valid names (LASTREF_ZOO takes a zoo one):\n");
    list_names(stderr);
    std::exit(2);
  }
  g_zoo = e;
  return g_zoo;
}

const impl_entry& impl_for(const scenario& s) {
  if (g_zoo != nullptr) return *g_zoo;
  if (g_forced != nullptr) return *g_forced;
  const auto& d = defaults();
  return *d[s.cfg.impl_byte % d.size()];
}

void adapt_to_impl(scenario& s, const impl_entry& e) { e.adapt(s.cfg); }

model::checker& fuzz_checker() {
  // Fiber stacks: the model unpoisons a started fiber's whole stack under
  // ASan at every execution (a memset of its shadow), which at the model's
  // default of 1 MiB was the largest single cost of a fuzz execution
  // (fuzz/README.md "Throughput"). The interpreter's deepest call chain fits
  // in a fraction of fuzz_stack_size even under ASan; an overflow hits the
  // guard page and crashes loudly rather than corrupting anything.
  static model::checker c(fuzz_checker_stack_size());
  return c;
}

std::size_t& fuzz_checker_stack_size() {
  static std::size_t bytes = fuzz_stack_size;
  return bytes;
}

model::run_options& model_options() {
  static model::run_options o = [] {
    model::run_options x;
    x.memory = model::memory_model_from_env();
    return x;
  }();
  return o;
}

model::memory_model memory_model_of(const scenario& s) {
  return model_options().memory == model::memory_model::c11 && s.cfg.c11 ? model::memory_model::c11
                                                                         : model::memory_model::sc;
}

}  // namespace lastref::fuzz
