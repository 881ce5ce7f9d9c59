// SPDX-License-Identifier: MIT
// lastref-prove --jobs N: the shard processes, their signals and their
// certificates (prove_jobs.h).
#include "prove_jobs.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lastref::fuzz::tools {

namespace {

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream s;
  if (ok) s << in.rdbuf();
  return s.str();
}

std::string signal_text(int sig) {
  const char* d = strsignal(sig);
  return "killed by signal " + std::to_string(sig) + (d ? std::string(" (") + d + ")" : "");
}

// The signals the parent forwards, but not one it ignores (started in the
// background by a shell, under nohup): that one stays ignored, as before
// --jobs. SIGCHLD says a child is done.
sigset_t waited_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGCHLD);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction now {};
    if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler != SIG_IGN) sigaddset(&s, sig);
  }
  return s;
}

struct child {
  pid_t pid = -1;
  bool running = false;
  bool stopped_by_us = false;  // sent SIGTERM because the run was decided
  int status = 0;
};

}  // namespace

jobs_outcome run_jobs(const std::string& argv0, const std::vector<std::string>& args, int jobs) {
  const auto t0 = std::chrono::steady_clock::now();
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/lastref-prove-jobs.XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr)
    throw std::runtime_error("--jobs: cannot make a temporary directory " + dir_template + ": " +
                             std::strerror(errno));
  const std::string dir = dir_template;
  auto remove_dir = [&dir] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  const std::string n = std::to_string(jobs);
  auto name = [&n](int i) { return "shard " + std::to_string(i) + "/" + n; };
  auto json_path = [&dir](int i) { return dir + "/shard-" + std::to_string(i) + ".json"; };
  auto out_path = [&dir](int i) { return dir + "/shard-" + std::to_string(i) + ".out"; };

  // Everything the children need is built before the first fork: between
  // fork and exec a child makes only async-signal-safe calls.
  std::vector<std::vector<std::string>> argvs(static_cast<std::size_t>(jobs));
  std::vector<std::vector<char*>> argps(static_cast<std::size_t>(jobs));
  std::vector<std::string> outs(static_cast<std::size_t>(jobs));
  for (int i = 0; i < jobs; ++i) {
    auto& a = argvs[static_cast<std::size_t>(i)];
    a.push_back(argv0);
    a.insert(a.end(), args.begin(), args.end());
    for (const std::string& x :
         {std::string("--shard"), std::to_string(i) + "/" + n, std::string("--json"), json_path(i)})
      a.push_back(x);
    for (std::string& x : a) argps[static_cast<std::size_t>(i)].push_back(x.data());
    argps[static_cast<std::size_t>(i)].push_back(nullptr);
    outs[static_cast<std::size_t>(i)] = out_path(i);
  }

  const sigset_t waited = waited_signals();
  sigset_t old_mask;
  sigprocmask(SIG_BLOCK, &waited, &old_mask);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = getpid();
  std::vector<child> kids(static_cast<std::size_t>(jobs));
  int live = 0;
  std::string spawn_error;
  for (int i = 0; i < jobs; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      // The child: die with the parent, stdout to its file, the parent's
      // signal mask, then the same binary as a shard.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      const int fd = open(outs[static_cast<std::size_t>(i)].c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(127);
      // SIGTERM stops a shard (stop_others, the parent-death signal) even
      // if the parent was started with it ignored.
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      sigaction(SIGTERM, &dfl, nullptr);
      sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      execv("/proc/self/exe", argps[static_cast<std::size_t>(i)].data());
      static const char msg[] = "lastref-prove: --jobs: cannot execute /proc/self/exe\n";
      (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
      _exit(127);
    }
    if (pid < 0) {
      spawn_error = name(i) + ": fork failed: " + std::strerror(errno);
      break;
    }
    kids[static_cast<std::size_t>(i)] = {pid, true, false, 0};
    ++live;
  }

  jobs_outcome r;
  int interrupted = 0;  // the signal that stops the whole run
  bool decided = !spawn_error.empty();
  auto stop_others = [&kids](int sig) {
    for (child& k : kids)
      if (k.running) {
        k.stopped_by_us = true;
        kill(k.pid, sig);
      }
  };
  if (decided) stop_others(SIGTERM);
  while (live > 0) {
    siginfo_t si;
    const timespec tick{0, 200'000'000};  // reap even if a SIGCHLD were missed
    const int sig = sigtimedwait(&waited, &si, &tick);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
      interrupted = sig;
      stop_others(sig);
    }
    int st = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      for (int i = 0; i < jobs; ++i) {
        child& k = kids[static_cast<std::size_t>(i)];
        if (k.pid != pid || !k.running) continue;
        k.running = false;
        k.status = st;
        --live;
        const bool found = WIFEXITED(st) && WEXITSTATUS(st) == 4;
        const bool fine = WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3);
        if ((found || !fine) && !k.stopped_by_us && !decided) {
          // A counterexample or a failed shard decides the run: stop the rest.
          decided = true;
          stop_others(SIGTERM);
        }
      }
    }
  }
  if (interrupted != 0) {
    // Every child is gone: clean up, then die of the signal as before --jobs.
    remove_dir();
    std::fflush(stdout);
    std::fflush(stderr);
    std::signal(interrupted, SIG_DFL);
    raise(interrupted);  // pending while blocked
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    _exit(128 + interrupted);  // not reached
  }
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (!spawn_error.empty()) r.failed.push_back(spawn_error);

  for (int i = 0; i < jobs; ++i) {
    const child& k = kids[static_cast<std::size_t>(i)];
    if (k.pid < 0) continue;
    const int st = k.status;
    if (k.stopped_by_us && WIFSIGNALED(st)) {
      r.notes.push_back(name(i) + " stopped early (SIGTERM): the run was decided");
      continue;
    }
    if (WIFSIGNALED(st)) {
      r.failed.push_back(name(i) + " " + signal_text(WTERMSIG(st)));
      continue;
    }
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    bool ok = false;
    const std::string text = read_file(json_path(i), ok);
    model::certificate c;
    std::string err;
    if (code != 0 && code != 3 && code != 4) {
      r.failed.push_back(name(i) + " exited " + std::to_string(code) +
                         (code == 2 ? " (bad usage or input: its message is above)" : ""));
      continue;
    }
    if (!ok) {
      r.failed.push_back(name(i) + " exited " + std::to_string(code) + " but wrote no certificate");
      continue;
    }
    if (!model::certificate_from_json(text, c, &err)) {
      r.failed.push_back(name(i) + " wrote a malformed certificate (" + err + ")");
      continue;
    }
    if (c.shard_index != i || c.shard_count != jobs) {
      r.failed.push_back(name(i) + " wrote the certificate of shard " +
                         std::to_string(c.shard_index) + "/" + std::to_string(c.shard_count));
      continue;
    }
    if (c.found && r.found_by < 0) {
      r.found_by = i;
      bool out_ok = false;
      r.found_output = read_file(out_path(i), out_ok);
    }
    r.shards.push_back(c);
  }
  remove_dir();
  r.cert = model::combine(r.shards, &r.combine_error);
  if (r.shards.empty()) r.cert.complete = false;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace lastref::fuzz::tools
