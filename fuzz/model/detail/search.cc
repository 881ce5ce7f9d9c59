// SPDX-License-Identifier: MIT
// The exhaustive search front end and its certificate (search.h).

#include "../search.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "../dpor.h"

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
  return s;
}
}  // namespace

std::string certificate::summary() const {
  std::string s;
  const std::string n = std::to_string(executions) + " executions";
  if (found) {
    s = "FAILED: failure found after " + n + " (" + scope(*this) + ")";
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
  }
  s += ", " + fmt("%.3f", seconds) + " s";
  if (nondeterministic) s += "; NONDETERMINISTIC program: the search is not a proof";
  return s;
}

std::string certificate::json() const {
  char b[512];
  std::snprintf(b, sizeof b,
                "{\"strategy\":\"%s\",\"complete\":%s,\"proof\":%s,\"found\":%s,\"bound\":%d,"
                "\"executions\":%llu,\"blocked\":%llu,\"races\":%llu,\"seconds\":%.6f,"
                "\"stopped_by\":\"%s\",\"max_executions\":%llu,\"max_seconds\":%.3f,"
                "\"nondeterministic\":%s}",
                strategy_name(how), complete ? "true" : "false", proof() ? "true" : "false",
                found ? "true" : "false", bound, static_cast<unsigned long long>(executions),
                static_cast<unsigned long long>(blocked), static_cast<unsigned long long>(races),
                seconds, stopped_by, static_cast<unsigned long long>(max_executions), max_seconds,
                nondeterministic ? "true" : "false");
  return b;
}

search_result search(checker& c, const program_factory& f, const search_limits& l,
                     const run_options& o) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  search_result out;
  certificate& cert = out.cert;
  cert.how = l.how;
  cert.bound = l.how == strategy::dfs ? l.bound : -1;
  cert.max_executions = l.max_executions;
  cert.max_seconds = l.max_seconds;
  dpor_source dpor;
  dfs_source dfs(l.bound < 0 ? 1'000'000 : l.bound);
  schedule_source& src = l.how == strategy::dpor ? static_cast<schedule_source&>(dpor) : dfs;
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  cert.stopped_by = "execution budget";
  while (cert.executions < l.max_executions) {
    const std::uint64_t chunk = std::min<std::uint64_t>(256, l.max_executions - cert.executions);
    explore_result e = c.explore(f, src, chunk, o);
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
    if (l.max_seconds > 0 && elapsed() >= l.max_seconds) {
      cert.stopped_by = "time budget";
      break;
    }
  }
  if (l.how == strategy::dpor) {
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
