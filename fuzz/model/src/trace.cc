// SPDX-License-Identifier: MIT
// Names of operations and failure kinds, and the trace formatter (only ever
// run for failing or explicitly replayed executions).

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "trace.h"

#include <lastref/model/failure.h>

namespace lastref::model {

const char* op_name(op o) noexcept {
  switch (o) {
    case op::load:
      return "load";
    case op::store:
      return "store";
    case op::exchange:
      return "exchange";
    case op::fetch_add:
      return "fetch_add";
    case op::fetch_sub:
      return "fetch_sub";
    case op::fetch_or:
      return "fetch_or";
    case op::fetch_and:
      return "fetch_and";
    case op::cas_ok:
      return "cas";
    case op::cas_fail:
      return "cas_fail";
    case op::fence:
      return "fence";
    case op::cell_read:
      return "read";
    case op::cell_write:
      return "write";
    case op::futex_wait:
      return "futex_wait";
    case op::futex_wake_one:
      return "futex_wake_one";
    case op::futex_wake_all:
      return "futex_wake_all";
    case op::mutex_lock:
      return "lock";
    case op::mutex_unlock:
      return "unlock";
    case op::now:
      return "now";
    case op::preemption_point:
      return "preemption_point";
    case op::text_enter:
      return "text_enter";
    case op::text_leave:
      return "text_leave";
    case op::text_unmap:
      return "text_unmap";
    case op::exit_thread:
      return "exit_thread";
    case op::make:
      return "make";
    case op::destroy:
      return "destroy";
    case op::check:
      return "check";
    case op::thread_start:
      return "start";
    case op::thread_end:
      return "end";
    case op::block:
      return "block";
    case op::wake:
      return "wake";
    case op::resume:
      return "resume";
    case op::timeout:
      return "timeout";
    case op::spurious:
      return "spurious";
    case op::preempt:
      return "preempt";
    case op::op_count_:
      break;
  }
  return "?";
}

const char* failure_name(failure_kind k) noexcept {
  switch (k) {
    case failure_kind::none:
      return "none";
    case failure_kind::deadlock:
      return "deadlock";
    case failure_kind::step_budget:
      return "step_budget";
    case failure_kind::use_after_free:
      return "use_after_free";
    case failure_kind::double_free:
      return "double_free";
    case failure_kind::invalid_free:
      return "invalid_free";
    case failure_kind::data_race:
      return "data_race";
    case failure_kind::refcount:
      return "refcount";
    case failure_kind::unloaded_text:
      return "unloaded_text";
    case failure_kind::invariant:
      return "invariant";
    case failure_kind::exception:
      return "exception";
  }
  return "?";
}

namespace detail {

namespace {

const char* base_name(const char* path) {
  const char* s = std::strrchr(path, '/');
  return s != nullptr ? s + 1 : path;
}

const char* order_name(std::uint8_t mo) {
  switch (mo) {
    case 1:
      return "relaxed";
    case 2:
      return "consume";
    case 3:
      return "acquire";
    case 4:
      return "release";
    case 5:
      return "acq_rel";
    case 6:
      return "seq_cst";
    default:
      return "";
  }
}

void append(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void append(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0)
    out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n)
                                                             : sizeof buf - 1);
}

}  // namespace

const char* trace_log::label_of(const void* addr) const noexcept {
  for (std::size_t i = labels_.size(); i-- > 0;)
    if (labels_[i].first == addr) return labels_[i].second;
  return nullptr;
}

const char* trace_log::first_label_of(const void* addr) const noexcept {
  for (const auto& l : labels_)
    if (l.first == addr) return l.second;
  return nullptr;
}

std::string trace_log::format(const heap& h, const residency& res) const {
  std::string out;
  out.reserve(entries_.size() * 96);
  // Addresses are named so that traces are identical across processes:
  // a label; else "<label or objN>+off" inside a model-allocated object;
  // else "@N" by order of first appearance.
  std::vector<const void*> seen;
  auto name_of = [this, &h, &seen](const void* addr, char* buf, std::size_t n) -> const char* {
    if (addr == nullptr) return "";
    if (const char* l = label_of(addr)) return l;
    const char* a = static_cast<const char*>(addr);
    const std::vector<block>& blocks = h.blocks();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const block& blk = blocks[i];
      if (a < blk.ptr || a >= blk.ptr + blk.size) continue;
      const char* base = label_of(blk.ptr);
      const auto off = static_cast<std::size_t>(a - blk.ptr);
      if (base != nullptr)
        std::snprintf(buf, n, "%s+%zu", base, off);
      else if (off != 0)
        std::snprintf(buf, n, "obj%zu+%zu", i, off);
      else
        std::snprintf(buf, n, "obj%zu", i);
      return buf;
    }
    std::size_t k = 0;
    while (k < seen.size() && seen[k] != addr) ++k;
    if (k == seen.size()) seen.push_back(addr);
    std::snprintf(buf, n, "@%zu", k);
    return buf;
  };
  auto unmapped_before = [&res](const void* text, std::uint32_t step) {
    return res.unmapped_before(text, step);
  };
  for (const trace_entry& e : entries_) {
    char abuf[96];
    char tbuf[96];
    const char* who = name_of(e.addr, abuf, sizeof abuf);
    switch (e.kind) {
      case op::preempt:
        append(out, "       -- preempt: T%u -> T%d\n", static_cast<unsigned>(e.a), e.tid);
        continue;
      case op::thread_start:
        append(out, "       -- T%d starts\n", e.tid);
        continue;
      case op::thread_end:
        append(out, "       -- T%d finishes\n", e.tid);
        continue;
      case op::block:
        append(out, "       -- T%d blocks\n", e.tid);
        continue;
      case op::wake:
        append(out, "       -- T%u wakes T%d\n", static_cast<unsigned>(e.a), e.tid);
        continue;
      case op::resume:
        append(out, "       -- T%d resumes: its wait returns (%s)\n", e.tid,
               e.a == 1   ? "woken"
               : e.a == 2 ? "timed out"
               : e.a == 3 ? "spurious"
                          : "?");
        continue;
      case op::timeout:
        append(out, "       -- T%d wakes (timeout fired; virtual time advances)\n", e.tid);
        continue;
      case op::spurious:
        append(out, "       -- T%d wakes (spurious wake-up)\n", e.tid);
        continue;
      default:
        break;
    }
    std::string what;
    const bool violation = e.note != nullptr && std::strcmp(e.note, "VIOLATION") == 0;
    if (violation) {
      append(what, "%s %s  [VIOLATION]", op_name(e.kind),
             e.kind == op::text_leave || e.kind == op::text_enter ? "" : who);
    } else if (is_write(e.kind)) {
      append(what, "%s %s %" PRIu64 " -> %" PRIu64, op_name(e.kind), who, e.a, e.b);
    } else
      switch (e.kind) {
        case op::load:
        case op::cell_read:
          append(what, "%s %s -> %" PRIu64, op_name(e.kind), who, e.a);
          break;
        case op::cas_fail:
          append(what, "cas_fail %s saw %" PRIu64 " (expected %" PRIu64 ")", who, e.a, e.b);
          break;
        case op::futex_wait:
          append(what, "futex_wait %s value %" PRIu64 " expected %" PRIu64, who, e.a, e.b);
          break;
        case op::text_enter:
        case op::text_leave:
        case op::text_unmap:
          append(what, "%s %s", op_name(e.kind), name_of(e.addr, tbuf, sizeof tbuf));
          break;
        case op::make:
        case op::destroy: {
          const char* obj = first_label_of(e.addr);  // the object, not its first field
          append(what, "%s %s (%" PRIu64 " bytes)", op_name(e.kind), obj != nullptr ? obj : who,
                 e.a);
          break;
        }
        default:
          append(what, "%s %s", op_name(e.kind), who);
          break;
      }
    if (e.mo != 0 && !violation) append(what, " (%s)", order_name(e.mo));
    if (e.has_rf && !violation) {
      // c11: which store a load read (or where a store was placed), and
      // whether it was the latest.
      auto name_store = [](char* buf, std::size_t n, std::uint8_t tid, std::uint32_t step) {
        if (tid == no_thread || step == 0)
          std::snprintf(buf, n, "its construction");
        else
          std::snprintf(buf, n, "step %u (T%u)", step, static_cast<unsigned>(tid));
        return buf;
      };
      char from[48];
      char latest[48];
      name_store(from, sizeof from, e.rf.rf_tid, e.rf.rf_step);
      name_store(latest, sizeof latest, e.rf.latest_tid, e.rf.latest_step);
      if (e.rf.placed)
        append(what,
               "  [placed before the store of %s in modification order; latest is %" PRIu64
               " from %s]",
               from, e.rf.latest_bits, latest);
      else if (e.rf.stale)
        append(what, "  [read stale value %" PRIu64 " from %s; latest is %" PRIu64 " from %s]", e.a,
               from, e.rf.latest_bits, latest);
      else
        append(what, "  [from %s, the latest]", from);
    }
    if (e.note != nullptr && !violation) append(what, "  [%s]", e.note);
    std::string where;
    if (e.line != 0)
      append(where, "%s:%u %s", base_name(e.file), e.line, e.function);
    else if (e.function != nullptr && e.function[0] != '\0')
      append(where, "%s", e.function);
    append(out, "%6u  T%d  %-44s  %s", e.step, e.tid, what.c_str(), where.c_str());
    if (e.text != nullptr)
      append(out, "  [in %s%s]", name_of(e.text, tbuf, sizeof tbuf),
             unmapped_before(e.text, e.step) ? ", UNMAPPED" : "");
    out += '\n';
  }
  return out;
}

}  // namespace detail
}  // namespace lastref::model
