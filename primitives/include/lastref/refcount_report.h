// SPDX-License-Identifier: MIT
#pragma once
// lastref refcount warnings — the pluggable reporter behind refcount_t's WARN.
//
// Contract: a refcount primitive that detects misuse (overflow, addition on
// 0, underflow, a plain decrement reaching 0) calls detail::report_refcount
// *inside the primitive, at the moment of the warning*, after it has stored
// the saturated value (except refcount dec_not_one and module put, which,
// like the kernel, warn without saturating). Every report bumps a process-wide per-kind counter
// (whatever reporter is installed), then goes to the installed reporter, or
// to the default one, which prints the kernel's message once per kind to
// stderr (the kernel uses WARN_ONCE). The model runtime installs its own
// reporter to turn a report into a failure with a trace.
//
// The kinds and messages are the kernel's enum refcount_saturation_type and
// the strings of refcount_warn_saturate() in Linux lib/refcount.c
// ("refcount_t: " str ".\n" through REFCOUNT_WARN/WARN_ONCE). Note that
// refcount_dec_not_one() in lib/refcount.c prints the underflow message with
// its own WARN_ONCE and does not saturate; it reports sub_uaf here.
//
// Lifetime rule: a reporter passed to set_refcount_reporter must outlive its
// installation (restore the previous one, or nullptr, before destroying it;
// scoped_refcount_reporter does that) and every thread that may be reporting
// through it: join those threads before uninstalling it.
//
// Memory ordering: the counters are statistics read after the fact by the
// thread that provoked the reports, so relaxed increments suffice; the
// reporter pointer is published with release/acquire so a reporter's own
// construction happens-before its first report.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace lastref {

enum class refcount_saturation : unsigned {
  add_not_zero_ovf,  // REFCOUNT_ADD_NOT_ZERO_OVF
  add_ovf,           // REFCOUNT_ADD_OVF
  add_uaf,           // REFCOUNT_ADD_UAF
  sub_uaf,           // REFCOUNT_SUB_UAF
  dec_leak,          // REFCOUNT_DEC_LEAK
};

inline constexpr std::size_t refcount_saturation_kinds = 5;

// The message the kernel prints for `kind`, without the trailing newline.
[[nodiscard]] constexpr const char* refcount_message(refcount_saturation kind) noexcept {
  switch (kind) {
    case refcount_saturation::add_not_zero_ovf:
    case refcount_saturation::add_ovf:
      return "refcount_t: saturated; leaking memory.";
    case refcount_saturation::add_uaf:
      return "refcount_t: addition on 0; use-after-free.";
    case refcount_saturation::sub_uaf:
      return "refcount_t: underflow; use-after-free.";
    case refcount_saturation::dec_leak:
      return "refcount_t: decrement hit 0; leaking memory.";
  }
  return "refcount_t: unknown saturation event!?";
}

class refcount_reporter {
 public:
  // `counter` identifies the refcount that warned (its address).
  virtual void report(refcount_saturation kind, const void* counter) noexcept = 0;

 protected:
  refcount_reporter() = default;
  refcount_reporter(const refcount_reporter&) = default;
  refcount_reporter& operator=(const refcount_reporter&) = default;
  virtual ~refcount_reporter() = default;
};

// Prints each kind's message once per process (WARN_ONCE) to stderr.
class default_refcount_reporter final : public refcount_reporter {
 public:
  void report(refcount_saturation kind, const void* counter) noexcept override {
    auto i = static_cast<std::size_t>(kind);
    if (i >= refcount_saturation_kinds) return;
    if (printed_[i].exchange(true, std::memory_order_relaxed)) return;
    std::fprintf(stderr, "%s (lastref: counter %p)\n", refcount_message(kind), counter);
  }

 private:
  // Once-flags only; no data is published through them, so relaxed.
  std::atomic<bool> printed_[refcount_saturation_kinds]{};
};

namespace detail {

inline default_refcount_reporter default_reporter_instance;
// nullptr means "the default reporter". Release/acquire: see header comment.
inline std::atomic<refcount_reporter*> installed_refcount_reporter{nullptr};
// Per-kind report counts; statistics only, so relaxed.
inline std::atomic<std::uint64_t> refcount_report_counts[refcount_saturation_kinds]{};

// Called by the primitives at the moment they warn. Kept out of line and cold:
// it is never on a correct program's path.
[[gnu::cold, gnu::noinline]] inline void report_refcount(refcount_saturation kind,
                                                         const void* counter) noexcept {
  auto i = static_cast<std::size_t>(kind);
  if (i < refcount_saturation_kinds)
    refcount_report_counts[i].fetch_add(1, std::memory_order_relaxed);
  refcount_reporter* r = installed_refcount_reporter.load(std::memory_order_acquire);
  if (r == nullptr) r = &default_reporter_instance;
  r->report(kind, counter);
}

}  // namespace detail

// The reporter in charge while none is installed. A reporter that chains to
// the one it replaced forwards here when set_refcount_reporter returned
// nullptr.
[[nodiscard]] inline refcount_reporter& refcount_default_reporter() noexcept {
  return detail::default_reporter_instance;
}

// Installs `r` (nullptr restores the default) and returns the previous
// reporter (nullptr if it was the default).
inline refcount_reporter* set_refcount_reporter(refcount_reporter* r) noexcept {
  return detail::installed_refcount_reporter.exchange(r, std::memory_order_acq_rel);
}

[[nodiscard]] inline std::uint64_t refcount_report_count(refcount_saturation kind) noexcept {
  auto i = static_cast<std::size_t>(kind);
  if (i >= refcount_saturation_kinds) return 0;
  return detail::refcount_report_counts[i].load(std::memory_order_relaxed);
}

// Sum over all kinds.
[[nodiscard]] inline std::uint64_t refcount_report_count_total() noexcept {
  std::uint64_t n = 0;
  for (auto& c : detail::refcount_report_counts) n += c.load(std::memory_order_relaxed);
  return n;
}

inline void reset_refcount_report_counts() noexcept {
  for (auto& c : detail::refcount_report_counts) c.store(0, std::memory_order_relaxed);
}

// Installs a reporter for the scope's lifetime, then restores the previous one.
class scoped_refcount_reporter {
 public:
  explicit scoped_refcount_reporter(refcount_reporter& r) noexcept
      : previous_(set_refcount_reporter(&r)) {}
  ~scoped_refcount_reporter() { set_refcount_reporter(previous_); }
  scoped_refcount_reporter(const scoped_refcount_reporter&) = delete;
  scoped_refcount_reporter& operator=(const scoped_refcount_reporter&) = delete;

 private:
  refcount_reporter* previous_;
};

}  // namespace lastref
