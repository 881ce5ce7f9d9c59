// SPDX-License-Identifier: MIT
// The checker front end (checker.h): runs executions, re-runs failures
// traced, checks determinism, and encodes replay tokens.

#include "../checker.h"

#include <cstdio>

#include "runtime.h"

namespace lastref::model {

namespace {
constexpr std::string_view token_prefix = "lastref-replay:v1:";
}

std::string encode_token(std::span<const std::uint8_t> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s(token_prefix);
  s.reserve(s.size() + bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

bool decode_token(std::string_view token, std::vector<std::uint8_t>& bytes) {
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ' || token.back() == '\r'))
    token.remove_suffix(1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.substr(0, token_prefix.size()) != token_prefix) return false;
  token.remove_prefix(token_prefix.size());
  if (token.size() % 2 != 0) return false;
  bytes.clear();
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < token.size(); i += 2) {
    const int hi = nib(token[i]);
    const int lo = nib(token[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

std::string result::report() const {
  std::string out;
  if (ok()) {
    out = "lastref-model: execution passed (" + std::to_string(steps) + " steps)\n";
  } else {
    out = "lastref-model: FAILURE [" + std::string(failure_name(kind)) + "] at step " +
          std::to_string(steps) + ": " + message + "\n";
  }
  if (nondeterministic)
    out +=
        "lastref-model: *** NONDETERMINISM: the traced re-run of this schedule did not fail the "
        "same way; the program depends on something outside the model (time, addresses, "
        "globals, real threads) ***\n";
  if (!trace.empty()) out += "trace:\n" + trace;
  if (!token.empty()) out += token + "\n";
  return out;
}

checker::checker(program_factory f, options o)
    : factory_(std::move(f)), opts_(o), rt_(std::make_unique<detail::runtime>(opts_)) {}

checker::~checker() = default;

std::uint64_t checker::total_steps() const noexcept { return rt_->total_steps(); }

result checker::run_impl(schedule_source& s, bool traced) {
  rt_->execute(factory_, s, traced, !traced);
  more_ = s.end_execution(rt_->steps());
  result r;
  r.kind = rt_->failed();
  r.steps = rt_->steps();
  r.decisions = static_cast<std::uint32_t>(rt_->choices().size());
  if (r.failed() || traced) {
    r.message = rt_->message();
    r.choices = rt_->choices();
    if (r.failed()) r.token = encode_token(encode_choices(rt_->choices(), rt_->defaults()));
  }
  if (traced) r.trace = rt_->trace_text();
  return r;
}

result checker::finish_failure(result first) {
  replay_source again(first.choices);
  again.begin_execution();
  result t = run_impl(again, true);
  if (t.kind != first.kind || t.steps != first.steps || t.message != first.message ||
      again.diverged()) {
    std::string was = "first run: [" + std::string(failure_name(first.kind)) + "] at step " +
                      std::to_string(first.steps) + ": " + first.message;
    first.nondeterministic = true;
    first.trace = "(traced re-run: [" + std::string(failure_name(t.kind)) + "] at step " +
                  std::to_string(t.steps) + ": " + t.message + ")\n" + t.trace;
    first.message = was;
    std::fprintf(stderr, "lastref-model: *** NONDETERMINISM *** %s\n", was.c_str());
    return first;
  }
  t.token = first.token;
  t.choices = std::move(first.choices);
  return t;
}

result checker::run(schedule_source& s) {
  result r = run_impl(s, false);
  if (r.failed() && opts_.trace_failures) r = finish_failure(std::move(r));
  return r;
}

explore_result checker::explore(schedule_source& s, std::uint64_t max_executions) {
  explore_result e;
  while (e.executions < max_executions) {
    result r = run_impl(s, false);
    ++e.executions;
    if (r.failed()) {
      e.failure = opts_.trace_failures ? finish_failure(std::move(r)) : std::move(r);
      return e;
    }
    if (!more_) {
      e.complete = true;
      return e;
    }
  }
  return e;
}

result checker::replay(std::string_view token) {
  std::vector<std::uint8_t> bytes;
  if (!decode_token(token, bytes)) {
    result r;
    r.kind = failure_kind::invariant;
    r.message = "malformed replay token";
    return r;
  }
  return replay_bytes(bytes);
}

result checker::replay_bytes(std::span<const std::uint8_t> bytes) {
  bytes_source b(bytes.data(), bytes.size());
  result r = run_impl(b, true);
  if (r.failed()) r.token = encode_token(encode_choices(rt_->choices(), rt_->defaults()));
  return r;
}

result checker::replay_choices(std::span<const std::uint8_t> choices) {
  replay_source s(std::vector<std::uint8_t>(choices.begin(), choices.end()));
  result r = run_impl(s, true);
  if (r.failed()) r.token = encode_token(encode_choices(rt_->choices(), rt_->defaults()));
  return r;
}

}  // namespace lastref::model
