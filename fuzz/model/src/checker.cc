// SPDX-License-Identifier: MIT
// The checker front end (checker.h): runs executions, re-runs failures
// traced, checks determinism, and encodes replay tokens.

#include <lastref/model/checker.h>

#include <cstdio>
#include <cstdlib>

#include "runtime.h"

namespace lastref::model {

namespace {
constexpr std::string_view token_prefix = "lastref-replay:";
constexpr std::string_view sc_version = "v1:";  // before the c11 model: always sc
constexpr std::string_view c11_version = "v2:c11:";
}  // namespace

memory_model memory_model_from_env() {
  const char* v = std::getenv("LASTREF_MEMORY_MODEL");
  if (v == nullptr || *v == '\0') return memory_model::c11;
  if (auto m = parse_memory_model(v)) return *m;
  std::fprintf(stderr,
               "lastref: LASTREF_MEMORY_MODEL='%s' is not a memory model (use 'c11', the default, "
               "or 'sc')\n",
               v);
  std::exit(2);
}

std::string encode_token(std::span<const std::uint8_t> bytes, memory_model m) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s(token_prefix);
  s += m == memory_model::sc ? sc_version : c11_version;
  s.reserve(s.size() + bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

bool decode_token(std::string_view token, std::vector<std::uint8_t>& bytes, memory_model* m) {
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ' || token.back() == '\r'))
    token.remove_suffix(1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.substr(0, token_prefix.size()) != token_prefix) return false;
  token.remove_prefix(token_prefix.size());
  memory_model model = memory_model::sc;
  if (token.substr(0, sc_version.size()) == sc_version) {
    token.remove_prefix(sc_version.size());
  } else if (token.substr(0, c11_version.size()) == c11_version) {
    token.remove_prefix(c11_version.size());
    model = memory_model::c11;
  } else {
    return false;
  }
  if (m != nullptr) *m = model;
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

checker::checker(std::size_t stack_size) : rt_(std::make_unique<detail::runtime>(stack_size)) {}

checker::~checker() = default;

std::uint64_t checker::total_steps() const noexcept { return rt_->total_steps(); }

result checker::run_impl(const program_factory& f, schedule_source& s, const run_options& o,
                         bool traced, bool* more, bool prune) {
  rt_->execute(f, s, o, traced, !traced, prune);
  const bool again = s.end_execution(rt_->steps());
  if (more != nullptr) *more = again;
  result r;
  r.kind = rt_->failed();
  r.steps = rt_->steps();
  r.decisions = static_cast<std::uint32_t>(rt_->choices().size());
  r.pruned = rt_->pruned();
  if (r.failed() || traced) {
    r.message = rt_->message();
    r.choices = rt_->choices();
    if (r.failed())
      r.token = encode_token(encode_choices(rt_->choices(), rt_->defaults()), o.memory);
  }
  if (traced) r.trace = rt_->trace_text();
  return r;
}

result checker::finish_failure(const program_factory& f, const run_options& o, result first) {
  replay_source again(first.choices);
  again.begin_execution();
  result t = run_impl(f, again, o, true);
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

result checker::run(const program_factory& f, schedule_source& s, const run_options& o) {
  result r = run_impl(f, s, o, false);
  if (r.failed() && o.trace_failures) r = finish_failure(f, o, std::move(r));
  return r;
}

explore_result checker::explore(const program_factory& f, schedule_source& s,
                                std::uint64_t max_executions, const run_options& o) {
  explore_result e;
  while (e.executions < max_executions) {
    bool more = true;
    result r = run_impl(f, s, o, false, &more, s.exhaustive());
    ++e.executions;
    if (r.pruned) ++e.pruned;
    if (r.failed()) {
      e.failure = o.trace_failures ? finish_failure(f, o, std::move(r)) : std::move(r);
      return e;
    }
    if (!more) {
      e.complete = true;
      return e;
    }
  }
  return e;
}

result checker::replay(const program_factory& f, std::string_view token, const run_options& o) {
  std::vector<std::uint8_t> bytes;
  memory_model m = memory_model::sc;
  if (!decode_token(token, bytes, &m)) {
    result r;
    r.kind = failure_kind::invariant;
    r.message =
        "malformed replay token (expected lastref-replay:v2:c11:<hex> or lastref-replay:v1:<hex>)";
    return r;
  }
  // The token's memory model, whatever the caller's options say.
  run_options as_made = o;
  as_made.memory = m;
  return replay_bytes(f, bytes, as_made);
}

result checker::replay_traced(const program_factory& f, schedule_source& s, const run_options& o) {
  result r = run_impl(f, s, o, true);
  if (r.failed()) r.token = encode_token(encode_choices(rt_->choices(), rt_->defaults()), o.memory);
  return r;
}

result checker::replay_bytes(const program_factory& f, std::span<const std::uint8_t> bytes,
                             const run_options& o) {
  bytes_source b(bytes.data(), bytes.size());
  return replay_traced(f, b, o);
}

result checker::replay_choices(const program_factory& f, std::span<const std::uint8_t> choices,
                               const run_options& o) {
  replay_source s(std::vector<std::uint8_t>(choices.begin(), choices.end()));
  return replay_traced(f, s, o);
}

}  // namespace lastref::model
