// SPDX-License-Identifier: MIT
// The exhaustive search front end and its certificate (search.h).

#include <lastref/model/search.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include <lastref/model/dpor.h>

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
  if (c.how == strategy::dpor) s += ", " + std::to_string(c.blocked) + " sleep-set blocked";
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
  } else if (complete && shard_count > 1) {
    s = "shard complete: every schedule of shard " + std::to_string(shard_index) + "/" +
        std::to_string(shard_count) + " explored, " + n + " (" + scope(*this) +
        "); a proof only combined with every other shard";
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
  char b[768];
  std::snprintf(b, sizeof b,
                "{\"strategy\":\"%s\",\"complete\":%s,\"proof\":%s,\"found\":%s,\"bound\":%d,"
                "\"executions\":%llu,\"blocked\":%llu,\"races\":%llu,\"seconds\":%.6f,"
                "\"stopped_by\":\"%s\",\"max_executions\":%llu,\"max_seconds\":%.3f,"
                "\"nondeterministic\":%s,\"shard_index\":%d,\"shard_count\":%d,\"owned\":%llu,"
                "\"fraction_done\":%.6f,\"subject\":",
                strategy_name(how), complete ? "true" : "false", proof() ? "true" : "false",
                found ? "true" : "false", bound, static_cast<unsigned long long>(executions),
                static_cast<unsigned long long>(blocked), static_cast<unsigned long long>(races),
                seconds, stopped_by, static_cast<unsigned long long>(max_executions), max_seconds,
                nondeterministic ? "true" : "false", shard_index, shard_count,
                static_cast<unsigned long long>(owned), fraction_done);
  std::string out = b;
  out += '"';
  for (char ch : subject)
    if (ch != '"' && ch != '\\' && static_cast<unsigned char>(ch) >= 0x20) out += ch;
  out += "\"}";
  return out;
}

namespace {
// The flat object json() writes: string, number and boolean values.
bool parse_flat(std::string_view t, std::map<std::string, std::string>& kv, std::string* err) {
  auto fail = [&](const std::string& why) {
    if (err != nullptr) *err = why;
    return false;
  };
  std::size_t i = 0;
  auto ws = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  };
  auto str = [&](std::string& o) {
    if (i >= t.size() || t[i] != '"') return false;
    const std::size_t e = t.find('"', i + 1);
    if (e == std::string_view::npos) return false;
    o = std::string(t.substr(i + 1, e - i - 1));
    i = e + 1;
    return o.find('\\') == std::string::npos;
  };
  ws();
  if (i >= t.size() || t[i++] != '{') return fail("not a JSON object");
  for (;;) {
    ws();
    std::string k, v;
    if (!str(k)) return fail("expected a key");
    ws();
    if (i >= t.size() || t[i++] != ':') return fail("expected ':' after \"" + k + "\"");
    ws();
    if (i < t.size() && t[i] == '"') {
      if (!str(v)) return fail("bad string value of \"" + k + "\"");
    } else {
      const std::size_t s0 = i;
      while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ' ' && t[i] != '\n') ++i;
      v = std::string(t.substr(s0, i - s0));
      if (v.empty()) return fail("empty value of \"" + k + "\"");
    }
    if (!kv.emplace(k, v).second) return fail("duplicate key \"" + k + "\"");
    ws();
    if (i < t.size() && t[i] == ',') {
      ++i;
      continue;
    }
    if (i < t.size() && t[i] == '}') {
      ++i;
      break;
    }
    return fail("expected ',' or '}'");
  }
  ws();
  if (i != t.size()) return fail("text after the object");
  return true;
}
}  // namespace

bool certificate_from_json(std::string_view text, certificate& c, std::string* err) {
  std::map<std::string, std::string> kv;
  if (!parse_flat(text, kv, err)) return false;
  std::string missing;
  auto get = [&](const char* k) -> const std::string* {
    auto it = kv.find(k);
    if (it == kv.end()) {
      missing += missing.empty() ? k : std::string(", ") + k;
      return nullptr;
    }
    return &it->second;
  };
  bool ok = true;
  auto boolean = [&](const char* k, bool& o) {
    if (const std::string* v = get(k)) {
      if (*v == "true" || *v == "false")
        o = *v == "true";
      else
        ok = false;
    }
  };
  auto u64 = [&](const char* k, std::uint64_t& o) {
    if (const std::string* v = get(k)) {
      char* e = nullptr;
      if (v->empty() || (*v)[0] == '-') ok = false;
      o = std::strtoull(v->c_str(), &e, 10);
      if (e == nullptr || *e != '\0') ok = false;
    }
  };
  auto i32 = [&](const char* k, int& o) {
    if (const std::string* v = get(k)) {
      char* e = nullptr;
      const long x = std::strtol(v->c_str(), &e, 10);
      if (v->empty() || e == nullptr || *e != '\0' || x < -1 || x > 1'000'000) ok = false;
      o = static_cast<int>(x);
    }
  };
  auto dbl = [&](const char* k, double& o) {
    if (const std::string* v = get(k)) {
      char* e = nullptr;
      o = std::strtod(v->c_str(), &e);
      if (v->empty() || e == nullptr || *e != '\0' || !(o >= 0)) ok = false;
    }
  };
  if (const std::string* v = get("strategy"))
    if (!strategy_from_name(*v, c.how)) ok = false;
  boolean("complete", c.complete);
  boolean("found", c.found);
  boolean("nondeterministic", c.nondeterministic);
  i32("bound", c.bound);
  u64("executions", c.executions);
  u64("blocked", c.blocked);
  u64("races", c.races);
  u64("max_executions", c.max_executions);
  u64("owned", c.owned);
  dbl("seconds", c.seconds);
  dbl("max_seconds", c.max_seconds);
  dbl("fraction_done", c.fraction_done);
  i32("shard_index", c.shard_index);
  i32("shard_count", c.shard_count);
  if (const std::string* v = get("subject")) c.subject = *v;
  if (const std::string* v = get("stopped_by")) {
    static const char* const known[] = {"exhausted", "failure", "execution budget", "time budget",
                                        ""};
    c.stopped_by = nullptr;
    for (const char* k : known)
      if (*v == k) c.stopped_by = k;
    if (c.stopped_by == nullptr) {
      c.stopped_by = "";
      ok = false;
    }
  }
  if (!missing.empty()) {
    if (err != nullptr) *err = "missing " + missing;
    return false;
  }
  if (!ok || c.shard_count < 1 || c.shard_index < 0 || c.shard_index >= c.shard_count) {
    if (err != nullptr) *err = "a value of the wrong type or out of range";
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
  cert.bound = l.how == strategy::dfs ? l.bound : -1;
  cert.max_executions = l.max_executions;
  cert.max_seconds = l.max_seconds;
  cert.subject = std::move(subject);
  dpor_source dpor;
  if (l.how == strategy::dpor && l.shard_count > 1) {
    dpor.set_shard(l.shard_index, l.shard_count);
    cert.shard_index = dpor.shard_index();
    cert.shard_count = dpor.shard_count();
  }
  dfs_source dfs(l.bound < 0 ? 1'000'000 : l.bound);
  schedule_source& src = l.how == strategy::dpor ? static_cast<schedule_source&>(dpor) : dfs;
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  cert.stopped_by = "execution budget";
  double last_report = 0;
  while (cert.executions < l.max_executions) {
    const std::uint64_t chunk = std::min<std::uint64_t>(256, l.max_executions - cert.executions);
    explore_result e = explore(src, chunk);
    cert.executions += e.executions;
    if (e.found()) {
      cert.found = true;
      cert.stopped_by = "failure";
      out.failure = std::move(e.failure);
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
