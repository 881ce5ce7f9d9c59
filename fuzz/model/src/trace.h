// SPDX-License-Identifier: MIT
#pragma once
// The trace of an execution: the entries recorded while tracing, the names
// the program gave addresses (model::label / label_next) and the c11
// reads-from of the operation being executed. Private to fuzz/model.
//
// Contract: begin_execution() forgets the last execution's entries and
// labels. The runtime records an entry per platform operation (note) and
// per scheduler event while recording(); an operation's entry takes the
// reads-from that the memory component set for it (set_reads_from), which is
// then cleared. format() renders the entries, naming addresses the same way
// in every process: a label; else "<label|objN>+off" inside a block of the
// heap; else "@N" by order of first appearance (heap.h, residency.h are
// read, never changed).
//
// Lifetime rule: one per runtime; label names and source locations must
// outlive the execution (string literals); entries hold addresses only for
// naming, never dereference them.
//
// Memory ordering: not applicable (one OS thread, the execution's).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <lastref/model/detail/vclock.h>
#include <lastref/model/op.h>

#include "heap.h"
#include "residency.h"

namespace lastref::model::detail {

// The store a c11 load read (or the store a store was placed before) and
// the latest store of the location at that moment.
struct reads_from {
  bool stale = false;
  bool placed = false;  // a store: placed before the store rf_* names
  std::uint8_t rf_tid = no_thread;
  std::uint8_t latest_tid = no_thread;
  std::uint32_t rf_step = 0;
  std::uint32_t latest_step = 0;
  std::uint64_t latest_bits = 0;
};

struct trace_entry {
  std::uint32_t step;
  std::uint8_t tid;
  op kind;
  std::uint8_t mo;     // std::memory_order + 1, 0 if none
  std::uint8_t depth;  // residency depth before the operation
  const char* file;
  unsigned line;
  const char* function;
  const void* addr;
  std::uint64_t a, b;
  const void* text;  // innermost module text of the thread, if any
  const char* note;
  // c11 loads (has_rf): the store read and the latest store.
  bool has_rf = false;
  reads_from rf{};
};

class trace_log {
 public:
  trace_log() { labels_.reserve(32); }

  void begin_execution(bool recording) noexcept {
    recording_ = recording;
    entries_.clear();
    labels_.clear();
    pending_label_ = nullptr;
    rf_pending_ = false;
  }
  [[nodiscard]] bool recording() const noexcept { return recording_; }

  void label(const void* addr, const char* name) { labels_.emplace_back(addr, name); }
  // The newest / the first label of addr, or null.
  [[nodiscard]] const char* label_of(const void* addr) const noexcept;
  [[nodiscard]] const char* first_label_of(const void* addr) const noexcept;
  // model::label_next: the next operation's address gets `name`.
  void label_next(const char* name) noexcept { pending_label_ = name; }
  [[nodiscard]] bool label_pending() const noexcept { return pending_label_ != nullptr; }
  // Gives a pending label_next() name to addr.
  void apply_pending_label(const void* addr) {
    label(addr, pending_label_);
    pending_label_ = nullptr;
  }

  // The reads-from of the operation being executed (recording only).
  void set_reads_from(const reads_from& r) noexcept {
    rf_ = r;
    rf_pending_ = true;
  }
  // The entry of a platform operation: takes the pending reads-from.
  void record_operation(trace_entry e) {
    e.has_rf = rf_pending_;
    e.rf = rf_;
    entries_.push_back(e);
  }
  void clear_reads_from() noexcept { rf_pending_ = false; }
  void record(const trace_entry& e) { entries_.push_back(e); }

  [[nodiscard]] std::string format(const heap& h, const residency& r) const;

 private:
  bool recording_ = false;
  std::vector<trace_entry> entries_;
  std::vector<std::pair<const void*, const char*>> labels_;
  const char* pending_label_ = nullptr;
  bool rf_pending_ = false;
  reads_from rf_{};
};

}  // namespace lastref::model::detail
