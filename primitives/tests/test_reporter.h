// SPDX-License-Identifier: MIT
#pragma once
// A refcount reporter that records every report, installed for a test's
// lifetime, with the process-wide counters reset at its start.

#include <mutex>
#include <vector>

#include "lastref/refcount_report.h"

namespace lastref::test {

class recording_reporter final : public refcount_reporter {
 public:
  struct entry {
    refcount_saturation kind;
    const void* counter;
  };

  recording_reporter() : scope_(*this) { reset_refcount_report_counts(); }

  void report(refcount_saturation kind, const void* counter) noexcept override {
    std::lock_guard<std::mutex> g(m_);
    entries_.push_back({kind, counter});
  }

  std::vector<entry> entries() const {
    std::lock_guard<std::mutex> g(m_);
    return entries_;
  }
  std::size_t size() const { return entries().size(); }

 private:
  mutable std::mutex m_;
  std::vector<entry> entries_;
  scoped_refcount_reporter scope_;  // last: installed after entries_ exists
};

}  // namespace lastref::test
