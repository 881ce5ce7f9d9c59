// SPDX-License-Identifier: MIT
// Interleaving coverage through libFuzzer extra counters (interleaving.h).
#include "interleaving.h"

#include <cstdlib>
#include <cstring>

#include <lastref/model/observer.h>

#include "interpreter.h"
#include "registry.h"

namespace lastref::fuzz::interleaving {
namespace {

constexpr size_t k_counters = size_t{1} << 16;

// libFuzzer (clang 14) collects every byte in this section as features.
__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t g_counters[k_counters];

bool g_enabled = false;
unsigned g_features = default_features;

constexpr uint64_t mix(uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline void bump(unsigned family, uint64_t h) noexcept {
  if (!g_enabled || (g_features & family) == 0) return;
  uint8_t& c = g_counters[mix(h ^ (uint64_t{family} << 56)) & (k_counters - 1)];
  if (g_features & hit_counts) {
    if (c != 255) ++c;
  } else {
    c = 1;
  }
}

// A source location's identity within this process: file literal + line.
inline uint64_t loc_hash(const source_loc& loc, model::op kind) noexcept {
  return (reinterpret_cast<uintptr_t>(loc.file) * 31 + loc.line) * 64 + static_cast<unsigned>(kind);
}

// An atomic write (cell writes are payload, not protocol state).
bool changes_state(model::op k) noexcept {
  return model::is_write(k) && k != model::op::cell_write;
}

bool only_reads(model::op k) noexcept { return model::is_read(k); }

bool plain_or_bookkeeping(model::op k) noexcept {
  using model::op;
  return k == op::cell_read || k == op::cell_write || k == op::make || k == op::destroy;
}

class coverage_observer final : public model::observer {
 public:
  void on_execution_begin() override {
    ++generation_;
    last_thread_ = -1;
    last_loc_ = 0;
    last_pair_ = 0;
  }

  void on_step(int thread, model::op kind, const source_loc& loc, const void* addr,
               uint64_t value) override {
    if (static_cast<unsigned>(kind) > static_cast<unsigned>(model::op::check)) return;
    if ((g_features & reads_from) && addr != nullptr) note_reads_from(thread, kind, loc, addr);
    if ((g_features & sync_pairs_only) && plain_or_bookkeeping(kind)) return;
    const uint64_t here = loc_hash(loc, kind);
    if (thread != last_thread_ && last_thread_ >= 0) {
      last_pair_ = last_loc_ * 0x9E3779B97F4A7C15ULL ^ here;
      bump(pairs, last_pair_);
    }
    if (changes_state(kind)) bump(transitions, here * 4 + (value < 3 ? value : 3));
    last_thread_ = thread;
    last_loc_ = here;
  }

  void on_switch(int, int, bool preemption) override {
    if (!preemption) return;
    bump(preemption_sites, last_loc_);
  }

  [[nodiscard]] uint64_t last_pair() const noexcept { return last_pair_; }

 private:
  // An access by one thread to a location another thread wrote last, keyed
  // by both source locations: the reads-from relation the schedule produced.
  // A small open-addressing table, invalidated per execution by generation.
  struct writer {
    const void* addr;
    uint32_t generation;
    int thread;
    uint64_t loc;
  };
  void note_reads_from(int thread, model::op kind, const source_loc& loc, const void* addr) {
    using model::op;
    if (kind == op::make || kind == op::destroy || kind == op::fence || kind == op::now ||
        kind == op::preemption_point)
      return;
    const uint64_t here = loc_hash(loc, kind);
    size_t h =
        static_cast<size_t>((reinterpret_cast<uintptr_t>(addr) >> 2) * 0x9E3779B97F4A7C15ULL >> 56);
    for (size_t probe = 0; probe < k_writers; ++probe, h = (h + 1) % k_writers) {
      writer& w = writers_[h];
      if (w.generation != generation_) {
        if (!only_reads(kind)) w = writer{addr, generation_, thread, here};
        return;
      }
      if (w.addr != addr) continue;
      if (w.thread != thread) bump(reads_from, w.loc * 0xD6E8FEB86659FD93ULL ^ here);
      if (!only_reads(kind)) {
        w.thread = thread;
        w.loc = here;
      }
      return;
    }
  }

  static constexpr size_t k_writers = 256;
  writer writers_[k_writers] = {};
  uint32_t generation_ = 0;
  int last_thread_ = -1;
  uint64_t last_loc_ = 0;
  uint64_t last_pair_ = 0;
};

coverage_observer g_observer;

void on_event(int, event e) {
  bump(events, (g_observer.last_pair() + 1) * 131 + static_cast<unsigned>(e));
}

}  // namespace

bool install() {
  // Off by default: measured, it does not find the zoo faster and costs
  // throughput (fuzz/README.md "Feedback"). LASTREF_INTERLEAVING=1 turns it
  // on; LASTREF_NO_INTERLEAVING=1 (older scripts) keeps it off either way.
  const auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  };
  g_enabled = set("LASTREF_INTERLEAVING") && !set("LASTREF_NO_INTERLEAVING");
  if (const char* f = std::getenv("LASTREF_INTERLEAVING_FEATURES"); f != nullptr && *f != '\0')
    g_features = static_cast<unsigned>(std::strtoul(f, nullptr, 0));
  return g_enabled;
}

run_request request(bool traced) noexcept {
  run_request r;
  r.traced = traced;
  r.obs = g_enabled ? &g_observer : nullptr;
  r.events = g_enabled ? &on_event : nullptr;
  return r;
}

bool enabled() noexcept { return g_enabled; }

size_t features_seen() noexcept {
  size_t n = 0;
  for (uint8_t c : g_counters) n += c != 0;
  return n;
}

}  // namespace lastref::fuzz::interleaving
