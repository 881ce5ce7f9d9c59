// SPDX-License-Identifier: MIT
#pragma once
// lastref fuzz scenarios — what a fuzz input means.
//
// Contract: decode() turns *any* byte string into a valid scenario (2–4
// threads, a configuration, one program per thread, schedule bytes) for one
// target; the same bytes always decode to the same scenario. A scenario never
// asks for a *user* error: the decoder normalises every op that could only
// fail because the program misuses the primitives (a wait nobody can ever
// satisfy, a reinit racing with other users, ...) and the interpreter skips
// ops whose precondition is dynamic (put without holding a reference), so a
// report on a correct implementation always means a primitive or protocol
// bug. Skipped and rewritten ops stay in the program with a note, so the
// printed scenario says exactly what ran.
//
// Byte format (documented in fuzz/README.md, "Scenario format"):
//   [0] config   bits 0-1 threads-2 (3 -> 4), bit 2 release placement
//                (1 = module text), bit 3 unload policy (1 = drain), bit 4
//                two objects, bit 5 two completions, bit 6 on-stack
//                completions (the single waiter frees them), bit 7 memory
//                model (1 = c11: loads may read older stores; 0 = sc).
//                Before the c11 model the bit was unused and every input
//                ran as sc: an old crash file with it set replays as found
//                only under LASTREF_MEMORY_MODEL=sc
//   [1] impl     index into the registered implementation sets (mod count)
//   per thread: [len] (mod max_ops+1), then len op bytes:
//                bits 0-4 index into the target's op table (mod size),
//                bits 5-7 argument (object / completion index, variant)
//   the rest:    schedule bytes, consumed by the model's byte source.
// Missing bytes read as 0, so truncated inputs are still scenarios.
//
// Lifetime rule: a scenario holds a span into the input for its schedule
// bytes; the input must outlive it.
//
// Memory ordering: none; scenarios are plain values built and read by one
// thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <lastref/module.h>

namespace lastref::fuzz {

enum class target_kind : uint8_t { kref, completion, module_unload, mixed };
inline constexpr int target_count = 4;

[[nodiscard]] std::string_view target_name(target_kind t) noexcept;
[[nodiscard]] std::optional<target_kind> target_from_name(std::string_view name) noexcept;

enum class op_code : uint8_t {
  get,
  put,
  get_unless_zero,
  put_mutex,
  module_try_get,
  module_put,
  unload,
  complete,
  complete_all,
  wait,
  wait_for,
  try_wait,
  reinit,
  lookup,
  release_object,
  exit_thread_safely,
};
inline constexpr int op_code_count = 16;

[[nodiscard]] std::string_view op_name(op_code c) noexcept;

// The ops a target draws from, in the order its op bytes index them.
[[nodiscard]] std::span<const op_code> target_ops(target_kind t) noexcept;

// Release placement and unload policy are the primitives' own
// (lastref::release_placement, lastref::unload_policy in <lastref/module.h>).

inline constexpr int max_threads = 4;
inline constexpr int max_ops = 8;
inline constexpr int max_objects = 2;
inline constexpr int max_completions = 2;

// One step of a thread's program (model::op is something else: a platform
// operation of the model checker).
struct step {
  op_code code{};
  uint8_t arg = 0;             // 0..7, as decoded; see target(), variant()
  bool skip = false;           // normalised away: the interpreter does nothing
  bool rewritten = false;      // code was changed by normalisation (see from)
  op_code from{};              // the decoded code when rewritten
  const char* note = nullptr;  // why it was skipped or rewritten

  // Object or completion this op acts on.
  [[nodiscard]] int object(int objects) const noexcept { return objects ? arg % objects : 0; }
  [[nodiscard]] int completion(int completions) const noexcept {
    return completions ? arg % completions : 0;
  }
  // exit_thread_safely: 0 = module_put_and_exit, 1 = complete_and_exit.
  // release_object: 0 = put, 1 = put_mutex.
  [[nodiscard]] int variant() const noexcept { return (arg >> 2) & 1; }
};

struct config {
  int threads = 2;
  int objects = 0;      // kobject-like objects in the lookup table
  int completions = 0;  // user completions
  bool has_module = false;
  release_placement release = release_placement::builtin;
  unload_policy policy = unload_policy::immediate;
  bool on_stack_bit = false;                     // decoded wish; on_stack[] says where it applies
  std::array<bool, max_completions> on_stack{};  // freed by its single waiter
  // For each completion: thread whose completes are the only completes (one
  // complete op in the whole program), or -1. Its waiter may then read the
  // completer's payload slot: the complete happens-before the wait returning.
  std::array<int, max_completions> single_completer{-1, -1};
  uint8_t impl_byte = 0;       // resolved against the registry at run time
  const char* note = nullptr;  // why the chosen set changed the configuration
  bool c11 = false;            // config bit 7 (LASTREF_MEMORY_MODEL=sc overrides it)
};

struct scenario {
  target_kind target = target_kind::mixed;
  config cfg;
  std::array<std::vector<step>, max_threads> programs;
  std::span<const uint8_t> schedule;  // into the input
  size_t header_bytes = 0;            // bytes before the schedule
  size_t header_missing = 0;          // header bytes past the input's end (read as 0)

  [[nodiscard]] size_t op_count() const noexcept;  // not counting skipped ops
};

// Any bytes -> a valid, normalised scenario.
[[nodiscard]] scenario decode(target_kind t, std::span<const uint8_t> bytes);

// Inverse of decode for the structural part (used by the seed-corpus tool and
// the minimizer): config, programs (decoded codes, ignoring normalisation),
// then `schedule`. decode(encode(s)) reproduces s's programs.
struct program_spec {
  int threads = 2;
  bool two_objects = false;
  bool two_completions = false;
  release_placement release = release_placement::builtin;
  unload_policy policy = unload_policy::immediate;
  bool on_stack = false;
  bool c11 = true;
  uint8_t impl_byte = 0;
  std::array<std::vector<std::pair<op_code, uint8_t>>, max_threads> programs;
};
[[nodiscard]] std::vector<uint8_t> encode(target_kind t, const program_spec& spec,
                                          std::span<const uint8_t> schedule);

// Twins for the model's symmetry reduction (model::program::symmetry_class),
// per thread: threads with identical op lists (code, arg, skip, rewritten),
// none of them a completion's single completer or an on-stack completion's
// waiter, share a class (the lowest such index); every other thread -1.
// The interpreter tells such threads apart in nothing else: its per-thread
// state starts alike, each thread writes a payload slot of its own but only
// the single completer's is read by name (a release sums every slot and the
// sum decides nothing), and a thread's last wait on a completion is a
// function of its own op list.
[[nodiscard]] std::array<int, max_threads> symmetry_classes(const scenario& s);

// Readable text, one line per thread; `impl_name` names the resolved set.
[[nodiscard]] std::string print(const scenario& s, std::string_view impl_name);

}  // namespace lastref::fuzz
