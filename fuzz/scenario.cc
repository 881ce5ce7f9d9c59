// SPDX-License-Identifier: MIT
// Decoder, normaliser, encoder and printer of fuzz scenarios (scenario.h).
#include "scenario.h"

#include <algorithm>
#include <cstdio>

namespace lastref::fuzz {
namespace {

constexpr std::array<std::string_view, target_count> k_target_names = {
    "kref_fuzzer", "completion_fuzzer", "module_unload_fuzzer", "mixed_fuzzer"};

constexpr std::array<std::string_view, op_code_count> k_op_names = {"get",
                                                                    "put",
                                                                    "get_unless_zero",
                                                                    "put_mutex",
                                                                    "module_try_get",
                                                                    "module_put",
                                                                    "unload",
                                                                    "complete",
                                                                    "complete_all",
                                                                    "wait",
                                                                    "wait_for",
                                                                    "try_wait",
                                                                    "reinit",
                                                                    "lookup",
                                                                    "release_object",
                                                                    "exit_thread_safely"};

using enum op_code;

// Op tables: an op byte's low five bits index these (mod size). Kept short
// per target so that random bytes mostly produce ops that matter there.
constexpr op_code k_kref_ops[] = {lookup, get, put, get_unless_zero, put_mutex, release_object};
constexpr op_code k_completion_ops[] = {complete, wait, complete_all, wait_for, try_wait, reinit};
constexpr op_code k_module_ops[] = {lookup,
                                    put,
                                    get,
                                    put_mutex,
                                    module_try_get,
                                    module_put,
                                    unload,
                                    release_object,
                                    exit_thread_safely};
constexpr op_code k_mixed_ops[] = {lookup,
                                   put,
                                   get,
                                   put_mutex,
                                   get_unless_zero,
                                   release_object,
                                   unload,
                                   module_try_get,
                                   module_put,
                                   exit_thread_safely,
                                   complete,
                                   complete_all,
                                   wait,
                                   wait_for,
                                   try_wait,
                                   reinit};

// Reads bytes front to back; past the end every byte is 0.
class byte_reader {
 public:
  explicit byte_reader(std::span<const uint8_t> b) : b_(b) {}
  uint8_t next() noexcept {
    const size_t at = pos_++;
    return at < b_.size() ? b_[at] : 0;
  }
  [[nodiscard]] size_t pos() const noexcept { return std::min(pos_, b_.size()); }
  [[nodiscard]] size_t missing() const noexcept { return pos_ - pos(); }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

bool is_completion_op(op_code c) noexcept {
  switch (c) {
    case complete:
    case complete_all:
    case wait:
    case wait_for:
    case try_wait:
    case reinit:
      return true;
    default:
      return false;
  }
}

bool is_consumer(op_code c) noexcept { return c == wait || c == wait_for || c == try_wait; }

// Which user completion an op touches, or -1.
int completion_of(const step& o, const config& cfg) noexcept {
  if (o.skip || !is_completion_op(o.code)) return -1;
  return o.completion(cfg.completions);
}

void mark_skip(step& o, const char* why) noexcept {
  o.skip = true;
  o.note = why;
}

void rewrite(step& o, op_code to, const char* why) noexcept {
  o.rewritten = true;
  o.from = o.code;
  o.code = to;
  o.note = why;
}

// The static half of normalisation. See scenario.h; fuzz/README.md
// ("Normalisation") gives the rules with examples.
class normaliser {
 public:
  explicit normaliser(scenario& s) : s_(s), cfg_(s.cfg) {}

  void run() {
    for (int c = 0; c < cfg_.completions; ++c) {
      private_[static_cast<size_t>(c)] = users(c) <= 1;
      if (private_[static_cast<size_t>(c)])
        simulate_private(c);
      else
        skip_shared_reinit(c);
    }
    guarantee_fixpoint();
    for (int t = 0; t < cfg_.threads; ++t) {
      auto& prog = s_.programs[t];
      for (size_t i = 0; i < prog.size(); ++i) {
        if (!prog[i].skip && prog[i].code == wait && !guaranteed_[t][i])
          rewrite(prog[i], try_wait, "no complete is guaranteed to reach this wait");
      }
    }
    guarantee_fixpoint();
    for (int c = 0; c < cfg_.completions; ++c) classify(c);
  }

 private:
  int users(int c) const {
    int n = 0;
    for (int t = 0; t < cfg_.threads; ++t) {
      bool uses = false;
      for (const auto& o : s_.programs[t]) uses = uses || completion_of(o, cfg_) == c;
      n += uses;
    }
    return n;
  }

  // A completion only one thread uses is sequential: simulate its count and
  // turn each wait that would sleep forever into a try_wait.
  void simulate_private(int c) {
    for (int t = 0; t < cfg_.threads; ++t) {
      uint64_t done = 0;
      constexpr uint64_t all = UINT64_MAX;
      for (auto& o : s_.programs[t]) {
        if (completion_of(o, cfg_) != c) continue;
        switch (o.code) {
          case complete:
            if (done != all) ++done;
            break;
          case complete_all:
            done = all;
            break;
          case reinit:
            done = 0;
            break;
          case wait:
            if (done == 0) {
              rewrite(o, try_wait, "nothing can complete it: its only user is this thread");
              break;
            }
            [[fallthrough]];
          case wait_for:
          case try_wait:
            if (done != 0 && done != all) --done;
            break;
          default:
            break;
        }
      }
    }
  }

  void skip_shared_reinit(int c) {
    for (int t = 0; t < cfg_.threads; ++t)
      for (auto& o : s_.programs[t])
        if (o.code == reinit && completion_of(o, cfg_) == c)
          mark_skip(o, "completion shared between threads: reinit would race its users");
  }

  static bool blocking(const step& o) noexcept {
    return !o.skip && (o.code == wait || o.code == unload);
  }
  static bool acquires(const step& o) noexcept {
    return !o.skip && (o.code == lookup || o.code == get_unless_zero || o.code == get);
  }

  // Iterates to a fixpoint which blocking ops are guaranteed to return with
  // correct primitives under every schedule:
  //  - a wait on c, once the completes of c that will certainly run are at
  //    least as many as all consumers of c (or a complete_all will run);
  //  - an unload (its exit waits for every object's release), once every
  //    wait another thread may do while holding an object reference is.
  // A complete certainly runs when every blocking op before it in its thread
  // is guaranteed and no module_put_and_exit (which may end the thread)
  // precedes it.
  void guarantee_fixpoint() {
    for (int t = 0; t < cfg_.threads; ++t) guaranteed_[t].assign(s_.programs[t].size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      std::array<size_t, max_threads> reach{};
      std::array<size_t, max_threads> credit_limit{};
      for (int t = 0; t < cfg_.threads; ++t) {
        const auto& prog = s_.programs[t];
        size_t r = 0;
        while (r < prog.size() && (!blocking(prog[r]) || guaranteed_[t][r])) ++r;
        reach[t] = r;
        size_t lim = 0;
        while (lim < r && !(prog[lim].code == exit_thread_safely && !prog[lim].skip)) ++lim;
        credit_limit[t] = lim;
      }
      for (int c = 0; c < cfg_.completions; ++c) {
        uint64_t credits = 0, consumers = 0;
        bool all = false;
        for (int t = 0; t < cfg_.threads; ++t) {
          const auto& prog = s_.programs[t];
          for (size_t i = 0; i < prog.size(); ++i) {
            if (completion_of(prog[i], cfg_) != c) continue;
            if (is_consumer(prog[i].code)) ++consumers;
            if (i >= credit_limit[t]) continue;
            if (prog[i].code == complete) ++credits;
            if (prog[i].code == complete_all) all = true;
          }
        }
        // A private completion's surviving waits were checked exactly.
        if (!all && credits < consumers && !private_[static_cast<size_t>(c)]) continue;
        for (int t = 0; t < cfg_.threads; ++t) {
          const auto& prog = s_.programs[t];
          for (size_t i = 0; i < prog.size(); ++i)
            if (blocking(prog[i]) && prog[i].code == wait && completion_of(prog[i], cfg_) == c &&
                !guaranteed_[t][i])
              guaranteed_[t][i] = changed = true;
        }
      }
      for (int t = 0; t < cfg_.threads; ++t) {
        const auto& prog = s_.programs[t];
        for (size_t i = 0; i < prog.size(); ++i) {
          if (!blocking(prog[i]) || prog[i].code != unload || guaranteed_[t][i]) continue;
          if (waits_with_refs_guaranteed(t)) guaranteed_[t][i] = changed = true;
        }
      }
    }
  }

  bool waits_with_refs_guaranteed(int unloader) const {
    for (int u = 0; u < cfg_.threads; ++u) {
      if (u == unloader) continue;
      const auto& prog = s_.programs[u];
      bool may_hold = false;
      for (size_t i = 0; i < prog.size(); ++i) {
        may_hold = may_hold || acquires(prog[i]);
        if (may_hold && blocking(prog[i]) && prog[i].code == wait && !guaranteed_[u][i])
          return false;
      }
    }
    return true;
  }

  // On-stack completions and single completers (see config).
  void classify(int c) {
    int completer_ops = 0, completer = -1, waiter = -1, waits = 0, alls = 0;
    bool pattern = users(c) >= 2;
    for (int t = 0; t < cfg_.threads; ++t) {
      for (const auto& o : s_.programs[t]) {
        if (completion_of(o, cfg_) != c) continue;
        if (o.code == complete || o.code == complete_all) {
          ++completer_ops;
          completer = t;
          alls += o.code == complete_all;
          if (t == waiter) pattern = false;
        } else if (o.code == wait && !o.rewritten) {
          if (waiter != -1 && waiter != t) pattern = false;
          if (t == completer) pattern = false;
          waiter = t;
          ++waits;
        } else {
          pattern = false;  // try_wait, wait_for, reinit: not the on-stack idiom
        }
      }
    }
    if (completer_ops == 1) cfg_.single_completer[c] = completer;
    bool counts_match = alls == 0 ? completer_ops == waits : (alls == 1 && completer_ops == 1);
    cfg_.on_stack[c] = cfg_.on_stack_bit && pattern && waiter >= 0 && waits > 0 && counts_match;
  }

  scenario& s_;
  config& cfg_;
  std::array<std::vector<bool>, max_threads> guaranteed_;
  std::array<bool, max_completions> private_{};
};

}  // namespace

std::string_view target_name(target_kind t) noexcept {
  return k_target_names[static_cast<size_t>(t)];
}

std::optional<target_kind> target_from_name(std::string_view name) noexcept {
  for (int i = 0; i < target_count; ++i) {
    auto full = k_target_names[static_cast<size_t>(i)];
    // Accept "kref_fuzzer" and "kref".
    if (name == full || name == full.substr(0, full.size() - 7)) return static_cast<target_kind>(i);
  }
  return std::nullopt;
}

std::string_view op_name(op_code c) noexcept { return k_op_names[static_cast<size_t>(c)]; }

std::span<const op_code> target_ops(target_kind t) noexcept {
  switch (t) {
    case target_kind::kref:
      return k_kref_ops;
    case target_kind::completion:
      return k_completion_ops;
    case target_kind::module_unload:
      return k_module_ops;
    case target_kind::mixed:
      break;
  }
  return k_mixed_ops;
}

size_t scenario::op_count() const noexcept {
  size_t n = 0;
  for (int t = 0; t < cfg.threads; ++t)
    for (const auto& o : programs[static_cast<size_t>(t)]) n += !o.skip;
  return n;
}

scenario decode(target_kind t, std::span<const uint8_t> bytes) {
  scenario s;
  s.target = t;
  byte_reader in(bytes);
  const uint8_t c = in.next();
  config& cfg = s.cfg;
  cfg.threads = 2 + std::min(c & 3, 2);
  cfg.has_module = t == target_kind::module_unload || t == target_kind::mixed;
  const bool objects = t != target_kind::completion;
  const bool completions = t == target_kind::completion || t == target_kind::mixed;
  cfg.objects = objects ? 1 + ((c >> 4) & 1) : 0;
  cfg.completions = completions ? 1 + ((c >> 5) & 1) : 0;
  if (cfg.has_module) {
    cfg.release = (c >> 2) & 1 ? release_placement::module : release_placement::builtin;
    cfg.policy = (c >> 3) & 1 ? unload_policy::drain_residency : unload_policy::immediate;
  }
  cfg.on_stack_bit = completions && ((c >> 6) & 1);
  cfg.c11 = (c >> 7) & 1;
  cfg.impl_byte = in.next();

  const auto table = target_ops(t);
  for (int th = 0; th < cfg.threads; ++th) {
    const int len = in.next() % (max_ops + 1);
    auto& prog = s.programs[static_cast<size_t>(th)];
    prog.reserve(static_cast<size_t>(len));
    for (int i = 0; i < len; ++i) {
      const uint8_t b = in.next();
      step o;
      o.code = table[(b & 0x1f) % table.size()];
      o.arg = static_cast<uint8_t>(b >> 5);
      prog.push_back(o);
    }
  }
  s.header_bytes = in.pos();
  s.header_missing = in.missing();
  s.schedule = bytes.subspan(s.header_bytes);
  normaliser(s).run();
  return s;
}

std::vector<uint8_t> encode(target_kind t, const program_spec& spec,
                            std::span<const uint8_t> schedule) {
  std::vector<uint8_t> out;
  uint8_t c = static_cast<uint8_t>(std::clamp(spec.threads, 2, 4) - 2);
  c |= static_cast<uint8_t>((spec.release == release_placement::module) << 2);
  c |= static_cast<uint8_t>((spec.policy == unload_policy::drain_residency) << 3);
  c |= static_cast<uint8_t>(spec.two_objects << 4);
  c |= static_cast<uint8_t>(spec.two_completions << 5);
  c |= static_cast<uint8_t>(spec.on_stack << 6);
  c |= static_cast<uint8_t>(spec.c11 << 7);
  out.push_back(c);
  out.push_back(spec.impl_byte);
  const auto table = target_ops(t);
  for (int th = 0; th < std::clamp(spec.threads, 2, 4); ++th) {
    const auto& prog = spec.programs[static_cast<size_t>(th)];
    const size_t len = std::min<size_t>(prog.size(), max_ops);
    out.push_back(static_cast<uint8_t>(len));
    for (size_t i = 0; i < len; ++i) {
      auto it = std::find(table.begin(), table.end(), prog[i].first);
      const auto idx = static_cast<uint8_t>(it == table.end() ? 0 : it - table.begin());
      out.push_back(static_cast<uint8_t>(idx | (prog[i].second << 5)));
    }
  }
  out.insert(out.end(), schedule.begin(), schedule.end());
  return out;
}

namespace {

void append_op(std::string& out, const step& o, const config& cfg) {
  out += op_name(o.code);
  const auto code = o.code;
  const bool object_op = code == get || code == put || code == get_unless_zero ||
                         code == put_mutex || code == lookup || code == release_object;
  char buf[48];
  if (object_op) {
    std::snprintf(buf, sizeof buf, " o%d", o.object(cfg.objects));
    out += buf;
    if (code == release_object) out += o.variant() ? " (put_mutex)" : " (put)";
  } else if (int c = completion_of(o, cfg); c >= 0) {
    std::snprintf(buf, sizeof buf, " c%d", c);
    out += buf;
  } else if (code == exit_thread_safely) {
    out += o.variant() ? " (complete_and_exit)" : " (module_put_and_exit)";
  }
  if (o.skip || o.rewritten) {
    out += " [";
    if (o.rewritten) {
      out += "was ";
      out += op_name(o.from);
      out += ": ";
    } else {
      out += "skipped: ";
    }
    out += o.note ? o.note : "normalised";
    out += "]";
  }
}

}  // namespace

std::string print(const scenario& s, std::string_view impl_name) {
  const config& cfg = s.cfg;
  std::string out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "scenario for %.*s: %d threads, %d object%s, %d completion%s",
                static_cast<int>(target_name(s.target).size()), target_name(s.target).data(),
                cfg.threads, cfg.objects, cfg.objects == 1 ? "" : "s", cfg.completions,
                cfg.completions == 1 ? "" : "s");
  out += buf;
  out += "\n  memory model: ";
  out += cfg.c11 ? "c11 (loads may read older stores)" : "sc";
  out += "\n  implementations: ";
  out += impl_name;
  if (cfg.note != nullptr) {
    out += " (";
    out += cfg.note;
    out += ")";
  }
  if (cfg.has_module) {
    out += "\n  module: release ";
    out += cfg.release == release_placement::module ? "in module text" : "builtin";
    out += ", unload policy ";
    out += cfg.policy == unload_policy::drain_residency ? "drain residency" : "immediate";
  }
  for (int c = 0; c < cfg.completions; ++c) {
    const auto i = static_cast<size_t>(c);
    if (cfg.on_stack[i] || cfg.single_completer[i] >= 0) {
      std::snprintf(
          buf, sizeof buf, "\n  c%d:%s%s", c,
          cfg.on_stack[i] ? " on-stack (its waiter frees it after its last wait)" : "",
          cfg.single_completer[i] >= 0 ? " single completer (waiter checks payload)" : "");
      out += buf;
    }
  }
  for (int t = 0; t < cfg.threads; ++t) {
    std::snprintf(buf, sizeof buf, "\n  T%d:", t);
    out += buf;
    const auto& prog = s.programs[static_cast<size_t>(t)];
    if (prog.empty()) out += " (no ops)";
    for (size_t i = 0; i < prog.size(); ++i) {
      out += i ? "; " : " ";
      append_op(out, prog[i], cfg);
    }
  }
  std::snprintf(buf, sizeof buf, "\n  schedule: %zu byte%s", s.schedule.size(),
                s.schedule.size() == 1 ? "" : "s");
  out += buf;
  for (size_t i = 0; i < std::min<size_t>(s.schedule.size(), 32); ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : ": ", s.schedule[i]);
    out += buf;
  }
  if (s.schedule.size() > 32) out += " ...";
  out += "\n";
  return out;
}

std::array<int, max_threads> symmetry_classes(const scenario& s) {
  const config& cfg = s.cfg;
  auto candidate = [&](int t) {
    for (int c = 0; c < cfg.completions; ++c) {
      if (cfg.single_completer[static_cast<size_t>(c)] == t) return false;
      if (!cfg.on_stack[static_cast<size_t>(c)]) continue;
      for (const step& o : s.programs[static_cast<size_t>(t)])
        if (!o.skip && o.code == op_code::wait && o.completion(cfg.completions) == c) return false;
    }
    return true;
  };
  auto same = [&](int t, int u) {
    const auto& a = s.programs[static_cast<size_t>(t)];
    const auto& b = s.programs[static_cast<size_t>(u)];
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].code != b[i].code || a[i].arg != b[i].arg || a[i].skip != b[i].skip ||
          a[i].rewritten != b[i].rewritten)
        return false;
    return true;
  };
  std::array<int, max_threads> cls;
  cls.fill(-1);
  for (int t = 0; t < cfg.threads; ++t) {
    if (cls[static_cast<size_t>(t)] >= 0 || !candidate(t)) continue;
    for (int u = t + 1; u < cfg.threads; ++u)
      if (cls[static_cast<size_t>(u)] < 0 && candidate(u) && same(t, u))
        cls[static_cast<size_t>(t)] = cls[static_cast<size_t>(u)] = t;
  }
  return cls;
}

}  // namespace lastref::fuzz
