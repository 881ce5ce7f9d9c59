// SPDX-License-Identifier: MIT
// The exhaustive search front end and its certificate (search.h).

#include <lastref/model/search.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <lastref/model/dpor.h>
#include <nlohmann/json.hpp>

namespace lastref::model {

const char* strategy_name(strategy s) noexcept { return s == strategy::dpor ? "dpor" : "dfs"; }

bool strategy_from_name(const std::string& name, strategy& out) noexcept {
  if (name == "dpor") {
    out = strategy::dpor;
    return true;
  }
  if (name == "dfs") {
    out = strategy::dfs;
    return true;
  }
  return false;
}

namespace {
std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string scope(const certificate& c) {
  std::string s = strategy_name(c.how);
  s += c.bound < 0 ? ", no preemption bound" : ", bound " + std::to_string(c.bound);
  if (c.bound_from_estimate && c.bound_fits)
    s += " (the largest bound whose search ended within the " + fmt("%.3g", c.max_seconds) +
         " s budget; the other searches took " + fmt("%.3g", c.estimate_seconds) + " s of it)";
  else if (c.bound_from_estimate)
    s += " (NO search ended within the " + fmt("%.3g", c.max_seconds) +
         " s budget, not even bound 0's; the other searches took " +
         fmt("%.3g", c.estimate_seconds) + " s of it)";
  if (c.how == strategy::dpor) s += ", " + std::to_string(c.blocked) + " sleep-set blocked";
  if (c.pruned > 0)
    s += ", " + std::to_string(c.pruned) + " pruned as redundant (stutters, failed retry CASes)";
  if (c.shard_count > 1)
    s += ", shard " + std::to_string(c.shard_index) + "/" + std::to_string(c.shard_count) + ": " +
         std::to_string(c.owned) + " executions in its own subtrees";
  return s;
}
}  // namespace

std::string certificate::summary() const {
  std::string s;
  const std::string n = std::to_string(executions) + " executions";
  if (found) {
    s = "FAILED: failure found after " + n + " (" + scope(*this) + ")";
  } else if (complete && shard_count > 1 && bound < 0) {
    s = "shard complete: every schedule of shard " + std::to_string(shard_index) + "/" +
        std::to_string(shard_count) + " explored, " + n + " (" + scope(*this) +
        "); a proof only combined with every other shard";
  } else if (complete && shard_count > 1) {
    s = "shard complete within bound " + std::to_string(bound) + ": every schedule with at most " +
        std::to_string(bound) + " preemptions of shard " + std::to_string(shard_index) + "/" +
        std::to_string(shard_count) + " explored, " + n + " (" + scope(*this) +
        "); combined with every other shard, complete within the bound: never a proof";
  } else if (complete && bound < 0) {
    s = "complete: every schedule explored, " + n + " (" + scope(*this) + ")";
  } else if (complete) {
    s = "complete within bound " + std::to_string(bound) + ": every schedule with at most " +
        std::to_string(bound) + " preemptions explored, " + n + " (" + scope(*this) +
        "); schedules with more preemptions NOT explored";
  } else {
    s = "incomplete: " + n + ", ";
    if (std::string(stopped_by) == "time budget")
      s += "time budget of " + fmt("%.3g", max_seconds) + " s reached";
    else if (std::string(stopped_by) == "given up")
      s += "given up: its estimate said it would not end within the time budget";
    else if (std::string(stopped_by) == "nondeterministic program")
      s += "stopped: a replay did not retrace the prefix it was given, so the program is "
           "nondeterministic (it reads the clock, a random number, an address or state left by "
           "an earlier execution) and no search of it can be a proof";
    else
      s += "budget of " + std::to_string(max_executions) + " executions reached";
    s += " (" + scope(*this) + "); nothing proven";
    if (fraction_done > 0) s += " (about " + fmt("%.3g", 100 * fraction_done) + "% explored)";
  }
  s += ", " + fmt("%.3f", seconds) + " s";
  if (nondeterministic) s += "; NONDETERMINISTIC program: the search is not a proof";
  return s;
}

std::string certificate::json() const {
  char b[1024];
  std::snprintf(
      b, sizeof b,
      "{\"strategy\":\"%s\",\"complete\":%s,\"proof\":%s,\"found\":%s,\"bound\":%d,"
      "\"executions\":%llu,\"blocked\":%llu,\"pruned\":%llu,\"races\":%llu,\"seconds\":%.6f,"
      "\"stopped_by\":\"%s\",\"max_executions\":%llu,\"max_seconds\":%.3f,"
      "\"nondeterministic\":%s,\"shard_index\":%d,\"shard_count\":%d,\"owned\":%llu,"
      "\"fraction_done\":%.6f,\"bound_from_estimate\":%s,\"bound_fits\":%s,"
      "\"estimate_seconds\":%.6f,\"subject\":",
      strategy_name(how), complete ? "true" : "false", proof() ? "true" : "false",
      found ? "true" : "false", bound, static_cast<unsigned long long>(executions),
      static_cast<unsigned long long>(blocked), static_cast<unsigned long long>(pruned),
      static_cast<unsigned long long>(races), seconds, stopped_by,
      static_cast<unsigned long long>(max_executions), max_seconds,
      nondeterministic ? "true" : "false", shard_index, shard_count,
      static_cast<unsigned long long>(owned), fraction_done, bound_from_estimate ? "true" : "false",
      bound_fits ? "true" : "false", estimate_seconds);
  std::string out = b;
  out += '"';
  for (char ch : subject)
    if (ch != '"' && ch != '\\' && static_cast<unsigned char>(ch) >= 0x20) out += ch;
  out += "\"}";
  return out;
}

namespace {
using nlohmann::json;

// A parse error's message without the library's "[json.exception.…] " tag.
std::string parse_message(const json::exception& e) {
  std::string m = e.what();
  if (!m.empty() && m[0] == '[') {
    const std::size_t close = m.find("] ");
    if (close != std::string::npos) m.erase(0, close + 2);
  }
  return m;
}

// The top-level object's keys, each at most once (the library itself keeps
// the last of duplicate keys): a certificate with two "complete" values is
// not one the writer made.
bool parse_object(std::string_view text, json& out, std::string& why) {
  std::string duplicate;
  std::vector<std::string> keys;
  const json::parser_callback_t once = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::key && depth == 1) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (std::find(keys.begin(), keys.end(), k) != keys.end() && duplicate.empty()) duplicate = k;
      keys.push_back(k);
    }
    return true;
  };
  try {
    out = json::parse(text.begin(), text.end(), once);
  } catch (const json::parse_error& e) {
    why = text.empty() ? std::string("empty file") : parse_message(e);
    return false;
  }
  if (!out.is_object()) {
    why = std::string("not a JSON object but ") + out.type_name();
    return false;
  }
  if (!duplicate.empty()) {
    why = "duplicate key \"" + duplicate + "\"";
    return false;
  }
  return true;
}
}  // namespace

bool certificate_from_json(std::string_view text, certificate& c, std::string* err) {
  json o;
  std::string why;
  if (!parse_object(text, o, why)) {
    if (err != nullptr) *err = why;
    return false;
  }
  // Every field the writer writes except "proof" (derived, checked below);
  // other keys are ignored. Reports every missing key, then the first bad
  // value, naming the key and what it should be.
  std::string missing, bad;
  auto get = [&](const char* k) -> const json* {
    auto it = o.find(k);
    if (it == o.end()) {
      missing += missing.empty() ? k : std::string(", ") + k;
      return nullptr;
    }
    return &*it;
  };
  auto wrong = [&](const char* k, const json& v, const char* want) {
    if (bad.empty()) bad = std::string("\"") + k + "\" is " + v.dump() + ", not " + want;
  };
  auto boolean = [&](const char* k, bool& out) {
    if (const json* v = get(k)) {
      if (v->is_boolean())
        out = v->get<bool>();
      else
        wrong(k, *v, "true or false");
    }
  };
  auto u64 = [&](const char* k, std::uint64_t& out) {
    if (const json* v = get(k)) {
      if (v->is_number_unsigned())
        out = v->get<std::uint64_t>();
      else
        wrong(k, *v, "a whole number from 0 to 2^64-1");
    }
  };
  auto i32 = [&](const char* k, int& out, int lo, int hi) {
    if (const json* v = get(k)) {
      const bool in =
          v->is_number_integer() &&
          (v->is_number_unsigned() ? v->get<std::uint64_t>() <= std::uint64_t(hi)
                                   : v->get<std::int64_t>() >= lo && v->get<std::int64_t>() <= hi);
      if (in)
        out = static_cast<int>(v->get<std::int64_t>());
      else
        wrong(
            k, *v,
            (std::string("a whole number from ") + std::to_string(lo) + " to " + std::to_string(hi))
                .c_str());
    }
  };
  auto dbl = [&](const char* k, double& out) {
    if (const json* v = get(k)) {
      if (v->is_number() && v->get<double>() >= 0 && std::isfinite(v->get<double>()))
        out = v->get<double>();
      else
        wrong(k, *v, "a finite number >= 0");
    }
  };
  if (const json* v = get("strategy"))
    if (!v->is_string() || !strategy_from_name(v->get<std::string>(), c.how))
      wrong("strategy", *v, "\"dpor\" or \"dfs\"");
  boolean("complete", c.complete);
  boolean("found", c.found);
  boolean("nondeterministic", c.nondeterministic);
  i32("bound", c.bound, -1, 1'000'000);
  u64("executions", c.executions);
  u64("blocked", c.blocked);
  u64("pruned", c.pruned);
  u64("races", c.races);
  u64("max_executions", c.max_executions);
  u64("owned", c.owned);
  dbl("seconds", c.seconds);
  dbl("max_seconds", c.max_seconds);
  dbl("fraction_done", c.fraction_done);
  i32("shard_index", c.shard_index, 0, 1'000'000);
  i32("shard_count", c.shard_count, 1, 1'000'000);
  // Optional (certificates written before it have none).
  if (auto v = o.find("bound_from_estimate"); v != o.end()) {
    if (v->is_boolean())
      c.bound_from_estimate = v->get<bool>();
    else
      wrong("bound_from_estimate", *v, "true or false");
  }
  if (auto v = o.find("bound_fits"); v != o.end()) {
    if (v->is_boolean())
      c.bound_fits = v->get<bool>();
    else
      wrong("bound_fits", *v, "true or false");
  }
  if (o.find("estimate_seconds") != o.end()) dbl("estimate_seconds", c.estimate_seconds);
  if (const json* v = get("subject")) {
    if (v->is_string())
      c.subject = v->get<std::string>();
    else
      wrong("subject", *v, "a string");
  }
  if (const json* v = get("stopped_by")) {
    static const char* const known[] = {"exhausted",
                                        "failure",
                                        "execution budget",
                                        "time budget",
                                        "given up",
                                        "nondeterministic program",
                                        ""};
    c.stopped_by = "";
    const char* match = nullptr;
    if (v->is_string())
      for (const char* k : known)
        if (v->get_ref<const std::string&>() == k) match = k;
    if (match != nullptr)
      c.stopped_by = match;
    else
      wrong("stopped_by", *v,
            "\"exhausted\", \"failure\", \"execution budget\", \"time budget\", \"given "
            "up\", \"nondeterministic program\" or \"\"");
  }
  if (!missing.empty()) {
    if (err != nullptr) *err = "missing " + missing;
    return false;
  }
  if (bad.empty() && c.shard_index >= c.shard_count)
    bad = "\"shard_index\" " + std::to_string(c.shard_index) + " is not below \"shard_count\" " +
          std::to_string(c.shard_count);
  if (auto p = o.find("proof"); bad.empty() && p != o.end() && *p != json(c.proof()))
    bad =
        "\"proof\" is " + p->dump() + " but the other fields say " + (c.proof() ? "true" : "false");
  if (!bad.empty()) {
    if (err != nullptr) *err = bad;
    return false;
  }
  return true;
}

certificate combine(std::span<const certificate> shards, std::string* err) {
  certificate out;
  std::string why;
  auto note = [&](const std::string& w) { why += why.empty() ? w : "; " + w; };
  if (shards.empty()) note("no certificates");
  const int n = shards.empty() ? 1 : shards[0].shard_count;
  std::vector<int> seen(static_cast<std::size_t>(std::max(n, 1)), 0);
  bool all_complete = !shards.empty();
  out.stopped_by = "exhausted";
  for (const certificate& s : shards) {
    const certificate& f = shards[0];
    if (s.shard_count != n || s.subject != f.subject || s.how != f.how || s.bound != f.bound) {
      note("shard " + std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count) +
           " is of another search (subject \"" + s.subject + "\", " + strategy_name(s.how) + ")");
      all_complete = false;
      continue;
    }
    if (s.shard_index >= 0 && s.shard_index < n) ++seen[static_cast<std::size_t>(s.shard_index)];
    out.executions += s.executions;
    out.blocked += s.blocked;
    out.pruned += s.pruned;
    out.races += s.races;
    out.owned += s.owned;
    out.max_executions += s.max_executions;
    out.seconds += s.seconds;
    out.max_seconds = std::max(out.max_seconds, s.max_seconds);
    out.nondeterministic = out.nondeterministic || s.nondeterministic;
    if (s.found) {
      out.found = true;
      out.stopped_by = "failure";
    }
    if (!s.complete) {
      all_complete = false;
      if (!out.found) out.stopped_by = s.stopped_by;
    }
  }
  for (int i = 0; i < n; ++i) {
    const int k = seen[static_cast<std::size_t>(i)];
    if (k == 0) note("shard " + std::to_string(i) + "/" + std::to_string(n) + " missing");
    if (k > 1) note("shard " + std::to_string(i) + "/" + std::to_string(n) + " given twice");
    if (k != 1) all_complete = false;
  }
  if (!shards.empty()) {
    out.how = shards[0].how;
    out.bound = shards[0].bound;
    out.subject = shards[0].subject;
  }
  out.complete = all_complete && why.empty();
  out.fraction_done = out.complete ? 1 : 0;
  if (err != nullptr) *err = why;
  return out;
}

search_result search(checker& c, const program_factory& f, const search_limits& l,
                     const run_options& o) {
  return search([&](schedule_source& src, std::uint64_t n) { return c.explore(f, src, n, o); }, l);
}

search_result search(const explore_fn& explore, const search_limits& l, std::string subject) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  search_result out;
  certificate& cert = out.cert;
  cert.how = l.how;
  cert.bound = l.bound < 0 ? -1 : l.bound;
  cert.max_executions = l.max_executions;
  cert.max_seconds = l.max_seconds;
  cert.subject = std::move(subject);
  dpor_source dpor;
  dpor.set_bound(l.bound);
  if (l.how == strategy::dpor && l.shard_count > 1) {
    dpor.set_shard(l.shard_index, l.shard_count);
    cert.shard_index = dpor.shard_index();
    cert.shard_count = dpor.shard_count();
  }
  dfs_source dfs(l.bound < 0 ? dfs_source::unbounded : l.bound);
  schedule_source& src = l.how == strategy::dpor ? static_cast<schedule_source&>(dpor) : dfs;
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  cert.stopped_by = "execution budget";
  double last_report = 0;
  while (cert.executions < l.max_executions) {
    const std::uint64_t chunk = std::min<std::uint64_t>(256, l.max_executions - cert.executions);
    explore_result e = explore(src, chunk);
    cert.executions += e.executions;
    cert.pruned += e.pruned;
    if (e.found()) {
      cert.found = true;
      cert.stopped_by = "failure";
      out.failure = std::move(e.failure);
      break;
    }
    // A replay that did not retrace its prefix means the tree being walked
    // is not the program's: going on cannot prove anything (and, since
    // every replay may diverge again, may never end), so stop and say so.
    const bool diverged = l.how == strategy::dpor ? dpor.diverged() : dfs.diverged();
    if (diverged) {
      cert.stopped_by = "nondeterministic program";
      break;
    }
    if (e.complete) {
      cert.complete = true;
      cert.stopped_by = "exhausted";
      break;
    }
    const double now = elapsed();
    if (l.on_progress && now - last_report >= l.progress_seconds) {
      last_report = now;
      l.on_progress(cert.executions, l.how == strategy::dpor ? dpor.progress() : 0, now);
    }
    if (l.max_seconds > 0 && now >= l.max_seconds) {
      cert.stopped_by = "time budget";
      break;
    }
    if (l.give_up &&
        l.give_up(cert.executions, l.how == strategy::dpor ? dpor.progress() : 0, now)) {
      cert.stopped_by = "given up";
      break;
    }
  }
  cert.owned = cert.executions;
  if (l.how == strategy::dpor) {
    if (cert.shard_count > 1) cert.owned = dpor.owned_executions();
    cert.fraction_done = dpor.progress();
    cert.blocked = dpor.blocked();
    cert.races = dpor.races();
    cert.nondeterministic = dpor.diverged();
  } else {
    cert.nondeterministic = dfs.diverged();
  }
  cert.seconds = elapsed();
  return out;
}

}  // namespace lastref::model
