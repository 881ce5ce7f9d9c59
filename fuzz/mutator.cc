// SPDX-License-Identifier: MIT
// Structure-aware custom mutator for the fuzz targets (libFuzzer builds).
//
// Generation and mutation as a portfolio of equal shares
// (LASTREF_FRESH_SHARE, default 50 %): half of the calls return a whole
// fresh input (fresh_input: a scoped fresh scenario or uniform bytes, then
// random schedule bytes) whatever they were given. Of the other half, half
// edit the scenario as a scenario — move one preemption a few decisions
// earlier or later, change which thread a preemption picks, add or drop a
// preemption, replace / insert / delete one op (fixing its thread's length
// byte so the rest stays aligned), flip a configuration bit, put a fresh
// scenario (small scopes often; see fresh_header) in front of the schedule
// bytes — and half are libFuzzer's own byte mutations. Why the fresh half:
// with a corpus steered by coverage of small primitives, pure generation
// found every zoo variant measured in fewer inputs than mutation
// (fuzz/README.md, "Custom mutator"). Generated and inserted ops come after
// the acquire they need in their thread (needs_before).
// LASTREF_NO_CUSTOM_MUTATOR=1 makes it pure libFuzzer (for comparisons).
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "scenario.h"
#include "target.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using lastref::fuzz::max_objects;
using lastref::fuzz::max_ops;
using lastref::fuzz::max_threads;

struct layout {
  struct thread {
    size_t len_at;  // position of the length byte
    size_t ops_at;  // first op byte
    size_t ops;     // op bytes present
  };
  std::vector<thread> threads;
  size_t schedule_at = 0;
};

// Mirrors decode(): where each part of `data` is (parts past the end absent).
layout layout_of(const uint8_t* data, size_t size) {
  layout l;
  size_t pos = 2;
  const int threads = size ? 2 + std::min(data[0] & 3, 2) : 2;
  for (int t = 0; t < threads && pos < size; ++t) {
    const size_t len = data[pos] % (max_ops + 1);
    layout::thread th{pos, pos + 1, std::min(len, size - (pos + 1))};
    l.threads.push_back(th);
    pos += 1 + len;
  }
  l.schedule_at = std::min(pos, size);
  return l;
}

size_t insert_bytes(uint8_t* data, size_t size, size_t max_size, size_t at, const uint8_t* b,
                    size_t n) {
  if (size + n > max_size || at > size) return 0;
  std::memmove(data + at + n, data + at, size - at);
  std::memcpy(data + at, b, n);
  return size + n;
}

size_t erase_bytes(uint8_t* data, size_t size, size_t at, size_t n) {
  if (at + n > size) return 0;
  std::memmove(data + at, data + at + n, size - at - n);
  return size - n;
}

// The op an op needs before it in its own thread, or none. The interpreter
// skips put / put_mutex / get without a held object reference and
// module_put / exit_thread_safely without a module pin (its dynamic
// normalisation, fuzz/interpreter.h), so an op drawn without its acquire is
// a no-op: with op bytes drawn uniformly, a two-op thread is "pin, then act
// under the pin" only 1/81 of the time in module_unload_fuzzer's table. A
// generator that respects the API's resource preconditions (as syzkaller
// precedes a call that takes a resource with one that makes it) spends its
// ops on programs that run; which op comes next is still uniform.
std::optional<lastref::fuzz::op_code> needs_before(lastref::fuzz::op_code c) noexcept {
  using enum lastref::fuzz::op_code;
  switch (c) {
    case get:
    case put:
    case put_mutex:
      return lookup;
    case module_put:
    case exit_thread_safely:
      return module_try_get;
    default:
      return std::nullopt;
  }
}

// An op byte that decodes to `c` (decode(): table[(b & 0x1f) % size],
// arg = b >> 5), keeping `arg_bits`' object / variant; -1 when the target has
// no such op.
int op_byte(lastref::fuzz::op_code c, uint8_t arg_bits) noexcept {
  const auto table = lastref::fuzz::target_ops(lastref::fuzz::this_target);
  for (size_t i = 0; i < table.size(); ++i)
    if (table[i] == c) return static_cast<int>((arg_bits & 0xe0u) | i);
  return -1;
}

// One thread's ops for fresh_header: `len` uniform op bytes, each preceded by
// the acquire it needs (needs_before) when the thread does not hold it yet,
// while the thread has room (max_ops). Holds are counted per object as the
// interpreter counts them, ignoring acquires that may fail at run time.
size_t fresh_program(uint8_t* out, size_t len, int objects, std::minstd_rand& rng) {
  using lastref::fuzz::op_code;
  const auto table = lastref::fuzz::target_ops(lastref::fuzz::this_target);
  int held[max_objects] = {};
  int pins = 0;
  size_t n = 0;
  for (size_t i = 0; i < len && n < static_cast<size_t>(max_ops); ++i) {
    const uint8_t b = static_cast<uint8_t>(rng());
    const op_code c = table[(b & 0x1fu) % table.size()];
    const int ob = objects ? (b >> 5) % objects : 0;
    const auto need = needs_before(c);
    const bool module_need = need == op_code::module_try_get;
    if (need && (module_need ? pins : held[ob]) == 0 && n + 1 < static_cast<size_t>(max_ops)) {
      if (const int a = op_byte(*need, b); a >= 0) {
        out[n++] = static_cast<uint8_t>(a);
        ++(module_need ? pins : held[ob]);
      }
    }
    out[n++] = b;
    switch (c) {
      case op_code::lookup:
      case op_code::get:
        ++held[ob];
        break;
      case op_code::put:
      case op_code::put_mutex:
        held[ob] -= held[ob] > 0;
        break;
      case op_code::module_try_get:
        ++pins;
        break;
      case op_code::module_put:
        pins -= pins > 0;
        break;
      default:
        break;
    }
  }
  return n;
}

// Writes a fresh scenario header (config, impl, programs) into out[0..]:
// small scopes often, larger ones too. Most concurrency bugs need two threads
// and a few accesses (Lu et al., "Learning from Mistakes", ASPLOS 2008: 96 %
// of the studied bugs manifest once an order between two threads is
// enforced, 92 % once an order among at most four memory accesses is), and a
// scenario with few ops is also one whose schedules a bounded number of
// variants covers well (PCT's guarantee degrades with the number of steps).
// Uniform random bytes instead give 2-4 threads of 0-8 ops each (about 12
// ops), where any narrow idiom is rare; but a bug that needs a longer
// protocol (take a pin, act, release it) needs longer programs. So the scope
// is drawn first, each with probability 1/3: every thread 1-2 ops, 1-4 ops,
// or 0-8 ops (the uniform decoding), plus the acquires the drawn ops need
// (fresh_program); then 2 threads half of the time, otherwise 3 or 4; op
// bytes and the other config bits uniform.
size_t fresh_header(uint8_t* out, size_t cap, std::minstd_rand& rng) {
  if (cap < 2) return 0;
  const unsigned r = static_cast<unsigned>(rng());
  const unsigned threads_bits = (r & 1) ? 0u : 1u + ((r >> 1) & 1u);  // 2 | 3 | 4 threads
  const unsigned scope = (r >> 2) % 3;
  out[0] = static_cast<uint8_t>((static_cast<unsigned>(rng()) & ~3u) | threads_bits);
  out[1] = static_cast<uint8_t>(rng());
  const int threads = 2 + static_cast<int>(std::min(threads_bits, 2u));
  // decode()'s object count (1 or 2 where the target has objects).
  const int objects = lastref::fuzz::this_target == lastref::fuzz::target_kind::completion
                          ? 0
                          : 1 + ((out[0] >> 4) & 1);
  size_t n = 2;
  for (int t = 0; t < threads; ++t) {
    const unsigned v = static_cast<unsigned>(rng());
    const size_t len = scope == 0   ? 1 + v % 2
                       : scope == 1 ? 1 + v % 4
                                    : v % (static_cast<unsigned>(max_ops) + 1);
    uint8_t prog[max_ops];
    const size_t ops = fresh_program(prog, len, objects, rng);
    if (n + 1 + ops > cap) return 0;
    out[n++] = static_cast<uint8_t>(ops);
    std::memcpy(out + n, prog, ops);
    n += ops;
  }
  return n;
}

// The byte of the acquire that op byte `b`, placed at data[at] in thread
// `th`, needs (needs_before) when no op of the thread before `at` is that
// acquire (on the same object, for object references); -1 otherwise.
int missing_acquire(const uint8_t* data, const layout::thread& th, size_t at, uint8_t b) {
  using lastref::fuzz::op_code;
  const auto table = lastref::fuzz::target_ops(lastref::fuzz::this_target);
  const auto need = needs_before(table[(b & 0x1fu) % table.size()]);
  if (!need) return -1;
  const int objects = lastref::fuzz::this_target == lastref::fuzz::target_kind::completion
                          ? 0
                          : 1 + ((data[0] >> 4) & 1);
  const auto object = [objects](uint8_t x) { return objects ? (x >> 5) % objects : 0; };
  for (size_t i = th.ops_at; i < at; ++i) {
    const op_code c = table[(data[i] & 0x1fu) % table.size()];
    if (c == *need && (c == op_code::module_try_get || object(data[i]) == object(b))) return -1;
  }
  return op_byte(*need, b);
}
int missing_acquire(const uint8_t* data, const layout::thread& th, size_t at) {
  return missing_acquire(data, th, at, data[at]);
}

// A whole new input of 24-63 bytes: half of the time uniform bytes (the
// decoder's own distribution), half a scoped fresh scenario followed by
// random schedule bytes: a portfolio, so neither bias can cost more than half
// of the other's rate.
size_t fresh_input(uint8_t* data, size_t max_size, std::minstd_rand& rng) {
  const size_t want = std::min(max_size, size_t{24} + rng() % 40);
  const size_t h = (rng() & 1) ? fresh_header(data, want, rng) : 0;
  for (size_t i = h; i < want; ++i) data[i] = static_cast<uint8_t>(rng());
  return want;
}

// One structured mutation; 0 when it did not apply.
size_t mutate_structured(uint8_t* data, size_t size, size_t max_size, std::minstd_rand& rng) {
  // Inputs too short to hold a header and a few preemptions cannot express
  // a race; libFuzzer grows them slowly from an empty corpus. Replace them
  // with a fresh scenario (fresh_header) and random schedule bytes.
  if (size < 24 && max_size > size) return fresh_input(data, max_size, rng);
  const layout l = layout_of(data, size);
  const size_t sched = size - l.schedule_at;
  const size_t pairs = sched / 2;
  switch (rng() % 9) {
    case 8: {  // a fresh scenario in front of this input's schedule bytes
      uint8_t head[2 + max_threads * (1 + max_ops)];
      const size_t h = fresh_header(head, sizeof head, rng);
      if (h == 0 || h + sched > max_size) return 0;
      std::memmove(data + h, data + l.schedule_at, sched);
      std::memcpy(data, head, h);
      return h + sched;
    }
    case 0:
    case 1: {  // move a preemption: nudge a skip byte by a little
      if (pairs == 0) return 0;
      uint8_t& skip = data[l.schedule_at + 2 * (rng() % pairs)];
      const int delta = static_cast<int>(rng() % 7) - 3;
      skip = static_cast<uint8_t>(skip + (delta == 0 ? 1 : delta));
      return size;
    }
    case 2: {  // pick another option at a preemption
      if (pairs == 0) return 0;
      data[l.schedule_at + 2 * (rng() % pairs) + 1] = static_cast<uint8_t>(rng());
      return size;
    }
    case 3: {  // add a preemption (a near one)
      if (l.schedule_at < size && sched % 2) return 0;
      const uint8_t pair[2] = {static_cast<uint8_t>(rng() % 16), static_cast<uint8_t>(rng())};
      const size_t at = l.schedule_at + 2 * (pairs ? rng() % (pairs + 1) : 0);
      return insert_bytes(data, size, max_size, std::min(at, size), pair, 2);
    }
    case 4: {  // drop a preemption
      if (pairs == 0) return 0;
      return erase_bytes(data, size, l.schedule_at + 2 * (rng() % pairs), 2);
    }
    case 5: {  // replace an op (with its acquire in front when it needs one)
      if (l.threads.empty()) return 0;
      const auto& th = l.threads[rng() % l.threads.size()];
      if (th.ops == 0) return 0;
      const size_t at = th.ops_at + rng() % th.ops;
      data[at] = static_cast<uint8_t>(rng());
      const int a = missing_acquire(data, th, at);
      const size_t len = data[th.len_at] % (max_ops + 1);
      if (a >= 0 && len == th.ops && len < static_cast<size_t>(max_ops)) {
        const uint8_t ab = static_cast<uint8_t>(a);
        if (const size_t n = insert_bytes(data, size, max_size, at, &ab, 1)) {
          data[th.len_at] = static_cast<uint8_t>(len + 1);
          return n;
        }
      }
      return size;
    }
    case 6: {  // insert or delete an op, keeping the other threads aligned
      if (l.threads.empty()) return 0;
      const auto& th = l.threads[rng() % l.threads.size()];
      const size_t len = data[th.len_at] % (max_ops + 1);
      if (len != th.ops) return 0;  // truncated input: leave it to libFuzzer
      if ((rng() & 1) && len < static_cast<size_t>(max_ops)) {
        // The op, preceded by the acquire it needs when the thread has none
        // before it and there is room (needs_before).
        uint8_t b[2] = {0, static_cast<uint8_t>(rng())};
        const size_t at = th.ops_at + rng() % (len + 1);
        const int a = missing_acquire(data, th, at, b[1]);
        const bool both = a >= 0 && len + 2 <= static_cast<size_t>(max_ops);
        b[0] = static_cast<uint8_t>(a);
        const size_t k = both ? 2 : 1;
        const size_t n = insert_bytes(data, size, max_size, at, b + (2 - k), k);
        if (n) data[th.len_at] = static_cast<uint8_t>(len + k);
        return n;
      }
      if (len == 0) return 0;
      const size_t n = erase_bytes(data, size, th.ops_at + rng() % len, 1);
      if (n) data[th.len_at] = static_cast<uint8_t>(len - 1);
      return n;
    }
    default: {  // configuration bit
      if (size == 0) return 0;
      data[0] ^= static_cast<uint8_t>(1u << (rng() % 7));
      return size;
    }
  }
}

bool custom_enabled() {
  static const bool on = [] {
    const char* off = std::getenv("LASTREF_NO_CUSTOM_MUTATOR");
    return off == nullptr || *off == '\0' || std::strcmp(off, "0") == 0;
  }();
  return on;
}

// Percent of the mutator's calls that return a whole fresh input
// (fresh_input) instead of editing the one they were given:
// LASTREF_FRESH_SHARE=<0..100>, default 50 (fuzz/README.md, "Custom
// mutator": generation and mutation as a portfolio of equal shares). Read
// once; a bad value: a message naming the variable, exit status 2.
int fresh_share() {
  static const int share = [] {
    const char* v = std::getenv("LASTREF_FRESH_SHARE");
    if (v == nullptr || *v == '\0') return 50;
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || v[0] < '0' || v[0] > '9' || n > 100) {
      std::fprintf(stderr, "lastref fuzz: LASTREF_FRESH_SHARE=%s: expected a percentage 0..100\n",
                   v);
      std::exit(2);
    }
    return static_cast<int>(n);
  }();
  return share;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  if (!custom_enabled()) return LLVMFuzzerMutate(data, size, max_size);
  std::minstd_rand rng(seed | 1u);
  // The generate-or-mutate draw comes from its own bits of the seed, so
  // LASTREF_FRESH_SHARE=0 makes exactly the mutations it made before.
  const uint32_t draw = static_cast<uint32_t>((uint64_t{seed} * 0x9e3779b97f4a7c15ULL) >> 32);
  if (max_size >= 24 && static_cast<int>(draw % 100) < fresh_share())
    return fresh_input(data, max_size, rng);
  if (rng() & 1) return LLVMFuzzerMutate(data, size, max_size);
  for (int tries = 0; tries < 4; ++tries) {
    if (const size_t n = mutate_structured(data, size, max_size, rng)) return n;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}
