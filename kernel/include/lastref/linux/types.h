/* SPDX-License-Identifier: MIT */
#ifndef LASTREF_LINUX_TYPES_H
#define LASTREF_LINUX_TYPES_H
/*
 * Kernel integer types, bool, container_of, and the error-pointer helpers.
 * Differs from the kernel: nothing but these few names.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lastref/linux/lastref_abi.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;

#ifndef container_of
#define container_of(ptr, type, member) ((type*)(void*)((char*)(ptr)-offsetof(type, member)))
#endif

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void*)(x) >= (unsigned long)-MAX_ERRNO)
LASTREF_KAPI void* ERR_PTR(long error) { return (void*)error; }
LASTREF_KAPI long PTR_ERR(const void* ptr) { return (long)ptr; }
LASTREF_KAPI bool IS_ERR(const void* ptr) { return IS_ERR_VALUE((unsigned long)ptr); }

#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EINTR
#define EINTR 4
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
