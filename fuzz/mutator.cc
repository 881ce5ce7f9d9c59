// SPDX-License-Identifier: MIT
// Structure-aware custom mutator for the fuzz targets (libFuzzer builds).
//
// Half of the mutations edit the scenario as a scenario — move one
// preemption a few decisions earlier or later, change which thread a
// preemption picks, add or drop a preemption, replace / insert / delete one
// op (fixing its thread's length byte so the rest stays aligned), flip a
// configuration bit, put a fresh scenario (small scopes often; see
// fresh_header) in front of the schedule bytes — and the other half are
// libFuzzer's own byte mutations. LASTREF_NO_CUSTOM_MUTATOR=1 makes it pure libFuzzer (for
// comparisons; fuzz/README.md, "Custom mutator").
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "scenario.h"
#include "target.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

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
// or 0-8 ops (the uniform decoding); then 2 threads half of the time,
// otherwise 3 or 4; op bytes and the other config bits uniform.
size_t fresh_header(uint8_t* out, size_t cap, std::minstd_rand& rng) {
  if (cap < 2) return 0;
  const unsigned r = static_cast<unsigned>(rng());
  const unsigned threads_bits = (r & 1) ? 0u : 1u + ((r >> 1) & 1u);  // 2 | 3 | 4 threads
  const unsigned scope = (r >> 2) % 3;
  out[0] = static_cast<uint8_t>((static_cast<unsigned>(rng()) & ~3u) | threads_bits);
  out[1] = static_cast<uint8_t>(rng());
  const int threads = 2 + static_cast<int>(std::min(threads_bits, 2u));
  size_t n = 2;
  for (int t = 0; t < threads; ++t) {
    const unsigned v = static_cast<unsigned>(rng());
    const size_t len = scope == 0   ? 1 + v % 2
                       : scope == 1 ? 1 + v % 4
                                    : v % (static_cast<unsigned>(max_ops) + 1);
    if (n + 1 + len > cap) return 0;
    out[n++] = static_cast<uint8_t>(len);
    for (size_t i = 0; i < len; ++i) out[n++] = static_cast<uint8_t>(rng());
  }
  return n;
}

// One structured mutation; 0 when it did not apply.
size_t mutate_structured(uint8_t* data, size_t size, size_t max_size, std::minstd_rand& rng) {
  // Inputs too short to hold a header and a few preemptions cannot express
  // a race; libFuzzer grows them slowly from an empty corpus. Replace them
  // with a fresh scenario (fresh_header) and random schedule bytes.
  if (size < 24 && max_size > size) {
    const size_t want = std::min(max_size, size_t{24} + rng() % 40);
    // Half of the time uniform bytes (the decoder's own distribution), half
    // a scoped fresh scenario: a portfolio, so neither bias can cost more
    // than half of the other's rate.
    const size_t h = (rng() & 1) ? fresh_header(data, want, rng) : 0;
    for (size_t i = h; i < want; ++i) data[i] = static_cast<uint8_t>(rng());
    return want;
  }
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
    case 5: {  // replace an op
      if (l.threads.empty()) return 0;
      const auto& th = l.threads[rng() % l.threads.size()];
      if (th.ops == 0) return 0;
      data[th.ops_at + rng() % th.ops] = static_cast<uint8_t>(rng());
      return size;
    }
    case 6: {  // insert or delete an op, keeping the other threads aligned
      if (l.threads.empty()) return 0;
      const auto& th = l.threads[rng() % l.threads.size()];
      const size_t len = data[th.len_at] % (max_ops + 1);
      if (len != th.ops) return 0;  // truncated input: leave it to libFuzzer
      if ((rng() & 1) && len < static_cast<size_t>(max_ops)) {
        const uint8_t b = static_cast<uint8_t>(rng());
        const size_t n = insert_bytes(data, size, max_size, th.ops_at + rng() % (len + 1), &b, 1);
        if (n) data[th.len_at] = static_cast<uint8_t>(len + 1);
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

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  if (!custom_enabled()) return LLVMFuzzerMutate(data, size, max_size);
  std::minstd_rand rng(seed | 1u);
  if (rng() & 1) return LLVMFuzzerMutate(data, size, max_size);
  for (int tries = 0; tries < 4; ++tries) {
    if (const size_t n = mutate_structured(data, size, max_size, rng)) return n;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}
