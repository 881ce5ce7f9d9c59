// SPDX-License-Identifier: MIT
#pragma once
// lastref-prove --jobs N: one search as N shard processes on this machine.
//
// Contract: run_jobs() re-executes the running binary (/proc/self/exe) N
// times with `args` plus `--shard i/N --json <tmp>/shard-i.json`, each
// child's stdout going to <tmp>/shard-i.out (its stderr is the parent's, so
// progress lines and errors show as they come), waits for every child and
// returns what their certificates combine to (model::combine, the same as
// --combine). A shard that exits 4 (a counterexample) or fails (killed by a
// signal it was not sent, an exit status other than 0/3/4, no or a
// malformed certificate) stops the others with SIGTERM: the run's result is
// then the counterexample, or an incomplete certificate naming the failed
// shard. <tmp> is a mkdtemp directory under $TMPDIR (else /tmp), removed
// before returning.
//
// Lifetime: no child outlives the parent. Each child asks for SIGTERM when
// its parent dies (prctl PR_SET_PDEATHSIG; so even a SIGKILLed parent
// leaves none); a SIGINT, SIGTERM or SIGHUP to the parent is forwarded to
// every live child, the children are waited for, the directory removed, and
// the parent then dies of the same signal (what the tool did before --jobs:
// it has no handler), so run_jobs() does not return in that case.
//
// Threads: call it from a single-threaded process (it blocks signals with
// sigprocmask and forks); not reentrant. A signal the parent ignores when
// it starts (a shell's background job ignores SIGINT) stays ignored.

#include <string>
#include <vector>

#include <lastref/model/search.h>

namespace lastref::fuzz::tools {

struct jobs_outcome {
  model::certificate cert;                 // the shards' certificates combined
  std::string combine_error;               // model::combine's account of what is missing
  std::vector<std::string> failed;         // "shard i/N ...": why each failed shard failed
  std::vector<std::string> notes;          // "shard i/N stopped ...": shards stopped early
  int found_by = -1;                       // the shard whose counterexample is reported, -1 none
  std::string found_output;                // that shard's stdout
  std::vector<model::certificate> shards;  // the readable ones, in shard order
  double wall_seconds = 0;
};

// `args`: the child's arguments after argv[0], without --jobs and --json.
jobs_outcome run_jobs(const std::string& argv0, const std::vector<std::string>& args, int jobs);

}  // namespace lastref::fuzz::tools
