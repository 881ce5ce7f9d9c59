// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo latency adapters — what lastref_add_primitive hands the
// latency suites (bench/suites/completion_wake_latency.cc,
// completion_ping_pong.cc, release_latency.cc) so that a user's primitive
// is measured by the very code that measures lastref's, in the same binary
// and run, beside lastref's rows, the peers and the group's limit.
//
// Contract:
//   completion_channel<C>: the suites' channel contract (wake_channels.h:
//     recycle(i), signal(i), wait(i)) over a user's completion C (a
//     completion_primitive): signal is complete(), wait is wait(). Like
//     lastref's completion row, one object is reused for every round (a
//     completion counts its complete()s, so each wait consumes one).
//   kref_release_parts<K>, completion_release_parts<C>,
//   module_release_parts<M>: a member template type<Platform> naming the
//     kref, completion and module one release sample is built from
//     (release_latency.cc, one_unload_on): the user's part of that kind,
//     lastref's for the others. in_module_text says which strategy the
//     user's rows run: false -> builtin_release (the release path: put, the
//     release callback complete()s, the unloader's wait returns); true ->
//     drain_residency (the release runs inside the user's residency scope
//     and the user's unload() must wait until it has left).
//
// Lifetime rule: a channel outlives both threads' use of it (the suites
// join before destroying it).
//
// Memory ordering: the user's primitive's own; nothing is added.

#include <cstdint>

#include <lastref/completion.h>
#include <lastref/concepts.h>
#include <lastref/kref.h>
#include <lastref/module.h>

namespace lastref::byo {

template <class C>
requires completion_primitive<C>
struct alignas(64) completion_channel {
  C c;
  void recycle(std::uint64_t) {}
  void signal(std::uint64_t) { c.complete(); }
  void wait(std::uint64_t) { c.wait(); }
};

template <template <class> class K>
struct kref_release_parts {
  static constexpr bool in_module_text = false;
  template <class P>
  struct type {
    using kref = K<P>;
    using completion = basic_completion<P>;
    using module = basic_module<P>;
  };
};

template <template <class> class C>
struct completion_release_parts {
  static constexpr bool in_module_text = false;
  template <class P>
  struct type {
    using kref = basic_kref<P>;
    using completion = C<P>;
    using module = basic_module<P>;
  };
};

template <template <class> class M>
struct module_release_parts {
  static constexpr bool in_module_text = true;
  template <class P>
  struct type {
    using kref = basic_kref<P>;
    using completion = basic_completion<P>;
    using module = M<P>;
  };
};

}  // namespace lastref::byo
