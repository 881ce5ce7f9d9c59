// SPDX-License-Identifier: MIT
// Schedule amplification (amplify.h).
#include "amplify.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace lastref::fuzz::amplify {

namespace {

int g_schedules = default_schedules;
bool g_read = false;
uint64_t g_total = 0;

uint64_t mix(uint64_t h, uint64_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t splitmix(uint64_t& s) noexcept {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

int schedules() noexcept { return g_schedules; }

void set_schedules(int n) noexcept {
  g_schedules = n < 1 ? 1 : (n > max_schedules ? max_schedules : n);
  g_read = true;
}

void read_environment() {
  if (g_read) return;
  g_read = true;
  const char* v = std::getenv("LASTREF_SCHEDULES");
  if (v == nullptr || *v == '\0') return;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno != 0 || *end != '\0' || v[0] == '-' || v[0] == '+' || n < 1 || n > max_schedules) {
    std::fprintf(stderr, "lastref fuzz: LASTREF_SCHEDULES=%s: expected a number 1..%d\n", v,
                 max_schedules);
    std::exit(2);
  }
  g_schedules = static_cast<int>(n);
}

uint64_t scenario_seed(const scenario& s) noexcept {
  uint64_t h = 0x6c617374726566ULL;  // "lastref"
  h = mix(h, static_cast<uint64_t>(s.target));
  h = mix(h, static_cast<uint64_t>(s.cfg.threads));
  h = mix(h, static_cast<uint64_t>(s.cfg.objects) << 8 | static_cast<uint64_t>(s.cfg.completions));
  h = mix(h, (s.cfg.has_module ? 1u : 0u) | static_cast<unsigned>(s.cfg.release) << 1 |
                 static_cast<unsigned>(s.cfg.policy) << 3 | (s.cfg.on_stack_bit ? 1u : 0u) << 5);
  h = mix(h, s.cfg.impl_byte);
  for (int t = 0; t < s.cfg.threads; ++t) {
    h = mix(h, 0x100u + static_cast<unsigned>(s.programs[t].size()));
    for (const step& o : s.programs[t]) h = mix(h, static_cast<unsigned>(o.code) << 8 | o.arg);
  }
  for (uint8_t b : s.schedule) h = mix(h, b);
  return h;
}

void random_bytes(uint64_t seed, int k, std::vector<uint8_t>& out) {
  uint64_t st = variant_seed(seed, k);
  const int pairs = 1 + static_cast<int>(splitmix(st) % 6);
  out.resize(static_cast<size_t>(2 * pairs));
  for (auto& b : out) b = static_cast<uint8_t>(splitmix(st));
}

void note_run(int schedules_run) noexcept { g_total += static_cast<uint64_t>(schedules_run); }

uint64_t total_schedules() noexcept { return g_total; }

}  // namespace lastref::fuzz::amplify
