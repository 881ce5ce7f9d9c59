// SPDX-License-Identifier: MIT
// Program-side helpers (check.h).

#include <lastref/model/check.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "runtime.h"

namespace lastref::model {

using detail::current_rt;

namespace {
[[noreturn]] void report(const char* msg, const source_loc& loc) {
  detail::runtime* r = current_rt;
  if (r == nullptr || !r->active_checks()) {
    std::fprintf(stderr, "lastref::model: check failed outside an execution: %s (%s:%u)\n", msg,
                 loc.file, loc.line);
    std::abort();
  }
  r->point(op::check, nullptr, loc);
  r->fail(failure_kind::invariant, "invariant violated in T%d: %s", r->cur_, msg);
}
}  // namespace

void check(bool ok, const char* what, source_loc loc) {
  if (!ok) report(what, loc);
}

void fail(const char* what, source_loc loc) { report(what, loc); }

void failf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  report(buf, source_loc{"?", 0, "failf"});
}

void label(const void* addr, const char* name) noexcept {
  if (current_rt != nullptr) current_rt->label(addr, name);
}

void label_next_access(const char* name) noexcept {
  if (current_rt != nullptr) current_rt->label_next(name);
}

int thread_id() noexcept {
  detail::runtime* r = current_rt;
  return r != nullptr && r->active_checks() ? r->cur_ : -1;
}

bool active() noexcept { return current_rt != nullptr; }

void exactly_once::hit(source_loc loc) {
  if (++n_ > 1) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s ran more than once", what_);
    report(buf, loc);
  }
}

void exactly_once::expect_once(source_loc loc) const {
  if (n_ != 1) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s ran %d times, expected exactly once", what_, n_);
    report(buf, loc);
  }
}

}  // namespace lastref::model
