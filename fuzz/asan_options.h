// SPDX-License-Identifier: MIT
#pragma once
// The AddressSanitizer defaults of every schedule fuzzer: lastref's targets,
// a user's (lastref_add_primitive: its targets compile fuzz/target.cc) and
// the tests that check them. fuzz/target.cc returns asan_default_options from
// __asan_default_options(), which ASan reads at start-up, before ASAN_OPTIONS:
// a user's ASAN_OPTIONS still overrides each flag it names; a build with its
// own __asan_default_options defines LASTREF_NO_ASAN_DEFAULT_OPTIONS.
//
// Why a small quarantine, not ASan's 256 MiB: the quarantine only decides
// how long a free()d chunk stays unallocatable, i.e. how many bytes of later
// frees a dangling access may trail its free() by and still be named a
// heap-use-after-free. The memory a scenario shares never goes through
// free() during an execution: platform::make / destroy (and the kernel
// shims' kmalloc / kfree) are the model heap's (fuzz/model/src/heap.h),
// which keeps a freed block mapped, poisoned and unreused until the
// execution ends and names any later access itself. So ASan's quarantine
// guards only lastref's own C++ memory (the harness, the model's vectors and
// strings) and whatever a bring-your-own primitive allocates with new/malloc
// behind the platform's back. For those, 16 MiB is ~4 000 inputs' worth of
// the harness's frees (ASAN_OPTIONS=print_stats=1 over 20 000 inputs:
// kref_fuzzer frees 2.7 KB per input, module_unload_fuzzer 3.6 KB), so a
// dangling pointer used within the same input, or thousands of inputs
// later, is still caught; 256 MiB kept every target at ~490 MB of RSS
// against ~70 MB (fuzz/README.md, "ASan's quarantine").
// fuzz_asan_catches_own_uaf checks that a use after free in lastref's own
// code, trailing its free by 1 MiB of other frees, is still caught.
//
// Lifetime rule / memory ordering: not applicable (a constant).

namespace lastref::fuzz {

inline constexpr char asan_default_options[] = "quarantine_size_mb=16";

}  // namespace lastref::fuzz
