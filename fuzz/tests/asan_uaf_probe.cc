// SPDX-License-Identifier: MIT
// A deliberate heap-use-after-free in ordinary C++ (the kind of memory
// lastref's own harness uses: a std::vector's buffer), under the ASan
// defaults the fuzz targets ship (fuzz/asan_options.h). Between the free and
// the stale read the program frees 1 MiB of other same-sized buffers, then
// allocates 2 MiB more of that size and keeps them: the stale chunk, once it
// has left ASan's quarantine, is handed out again and the read goes unnoticed
// (measured: with quarantine_size_mb=0 or 1 it is silent; with 16 it is
// caught). So the stale read is caught only while the chunk is quarantined.
//
// Exit status: ASan's report and status 1 when the read is caught; 0 and
// "not caught" on stdout when it is not (fuzz_asan_catches_own_uaf requires
// the former, fuzz_asan_uaf_probe_sensitive the latter under
// ASAN_OPTIONS=quarantine_size_mb=0). Without ASan: status 77, nothing run.
//
// Lifetime rule / memory ordering: single-threaded; the UAF is the point.
#include <cstdio>
#include <memory>
#include <vector>

#include "asan_options.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROBE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(PROBE_ASAN)
#define PROBE_ASAN 1
#endif

#if defined(PROBE_ASAN)
// The same defaults as fuzz/target.cc's.
extern "C" const char* __asan_default_options() { return lastref::fuzz::asan_default_options; }
#endif

#if defined(PROBE_ASAN)
// Keeps the compiler from eliding an allocation whose memory does not escape
// (clang may drop new/delete pairs), which would change what gets reused.
static void escape(const volatile void* p) { asm volatile("" : : "r"(p) : "memory"); }
#endif

int main() {
#if !defined(PROBE_ASAN)
  std::puts("asan_uaf_probe: not an ASan build, skipped");
  return 77;
#else
  constexpr std::size_t kInts = 1024;  // 4 KiB buffers
  constexpr std::size_t kChurnBytes = std::size_t{1} << 20;
  std::vector<int> v(kInts, 7);
  escape(v.data());
  const volatile int* stale = v.data();
  std::vector<int>().swap(v);  // frees the buffer; `stale` now dangles
  for (std::size_t freed = 0; freed < kChurnBytes; freed += kInts * sizeof(int)) {
    auto tmp = std::make_unique<int[]>(kInts);
    tmp[0] = 1;
    escape(tmp.get());
  }
  std::vector<std::unique_ptr<int[]> > keep;  // what the program allocates next, kept live
  for (std::size_t i = 0; i < 2 * kChurnBytes / (kInts * sizeof(int)); ++i) {
    keep.push_back(std::make_unique<int[]>(kInts));
    escape(keep.back().get());
  }
  const int seen = stale[0];  // the use after free
  std::printf("not caught: read %d after free\n", seen);
  return 0;
#endif
}
