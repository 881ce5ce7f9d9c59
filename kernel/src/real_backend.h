// SPDX-License-Identifier: MIT
#pragma once
// Between real_backend.cc and its driver (real_main.cc).
//
// Contract: real_run_thread runs a test thread body (a kthread_exit ends
// it); real_join_spawned joins every kthread started so far, also those
// started while joining; real_warnings counts WARNs.
//
// Memory ordering: join is a happens-before edge, as std::thread::join.
namespace lastref::kernel {
void real_run_thread(void (*fn)(void));
void real_join_spawned();
int real_warnings();
}  // namespace lastref::kernel
