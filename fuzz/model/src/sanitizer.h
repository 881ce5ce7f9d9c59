// SPDX-License-Identifier: MIT
#pragma once
// LASTREF_MODEL_ASAN: defined when AddressSanitizer instruments this build
// (clang's __has_feature or gcc's __SANITIZE_ADDRESS__). The fibers annotate
// their switches and the heap poisons freed blocks under it.
//
// Lifetime rule / memory ordering: not applicable (a macro).

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LASTREF_MODEL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(LASTREF_MODEL_ASAN)
#define LASTREF_MODEL_ASAN 1
#endif
