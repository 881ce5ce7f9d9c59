// SPDX-License-Identifier: MIT
// expect_child — runs a command in a child process and checks how it ended.
//
// The negative tests need to observe a failure (a ThreadSanitizer report, a
// crash) without failing themselves, and a failure must be *the* failure we
// expect: a negative test that passes on any non-zero exit cannot fail. So
// every mode states exactly what counts:
//
//   --expect tsan-report  pass at the first run that exits non-zero AND whose
//                         output contains "WARNING: ThreadSanitizer"; fail if
//                         none of --runs attempts does.
//   --expect clean        every one of --runs runs exits 0 and prints no
//                         "WARNING: ThreadSanitizer" and no "VIOLATION".
//   --expect crash        every one of --runs runs dies by SIGSEGV, SIGBUS or
//                         SIGILL (not by abort, a timeout or an exit).
//   --expect violation    pass at the first run that exits 1 and prints
//                         "VIOLATION" (a harness oracle, no TSan needed).
//   --require TEXT        additionally, each counted run's output contains TEXT
//                         (e.g. proof that dlclose really unmapped the module).
//   --timeout-ms N        per run; the child's process group is killed after.
//   --runs N              see above (default 1).
//
// usage: expect_child --expect MODE [--runs N] [--timeout-ms N] [--require T]... -- cmd args...
// Exit: 0 pass, 1 fail, 2 usage error.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct result {
  bool timed_out = false;
  int status = 0;  // waitpid status
  std::string output;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "expect_child: %s\n"
               "usage: expect_child --expect tsan-report|clean|crash|violation [--runs N]\n"
               "                    [--timeout-ms N] [--require TEXT]... -- cmd [args...]\n",
               why);
  std::exit(2);
}

result run_once(const std::vector<char*>& argv, std::chrono::milliseconds timeout) {
  result r;
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("expect_child: pipe");
    std::exit(2);
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("expect_child: fork");
    std::exit(2);
  }
  if (pid == 0) {
    setpgid(0, 0);  // own group: a timeout kills the child and anything it started
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "expect_child: exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    r.output.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

std::string describe(const result& r) {
  if (r.timed_out) return "timed out (killed)";
  if (WIFEXITED(r.status)) return "exited " + std::to_string(WEXITSTATUS(r.status));
  if (WIFSIGNALED(r.status)) {
    int s = WTERMSIG(r.status);
    return "killed by signal " + std::to_string(s) + " (" + strsignal(s) + ")";
  }
  return "ended oddly";
}

void dump_tail(const result& r) {
  constexpr size_t tail = 6000;
  std::string_view out = r.output;
  if (out.size() > tail) out = out.substr(out.size() - tail);
  std::fprintf(stderr, "----- child output (tail) -----\n%.*s\n-------------------------------\n",
               static_cast<int>(out.size()), out.data());
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

void print_summary_lines(const result& r) {
  size_t pos = 0;
  while ((pos = r.output.find("SUMMARY harness=", pos)) != std::string::npos) {
    if (pos == 0 || r.output[pos - 1] == '\n') {
      size_t end = r.output.find('\n', pos);
      std::printf("  %s\n", r.output.substr(pos, end - pos).c_str());
    }
    pos += 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode;
  unsigned long runs = 1;
  unsigned long timeout_ms = 60000;
  std::vector<std::string> required;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + std::string(a)).c_str());
      return argv[++i];
    };
    auto number = [&]() {
      std::string v = value();
      char* end = nullptr;
      unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n == 0) usage(("bad number '" + v + "'").c_str());
      return n;
    };
    if (a == "--expect")
      mode = value();
    else if (a == "--runs")
      runs = number();
    else if (a == "--timeout-ms")
      timeout_ms = number();
    else if (a == "--require")
      required.push_back(value());
    else
      usage(("unknown option '" + std::string(a) + "'").c_str());
  }
  if (mode != "tsan-report" && mode != "clean" && mode != "crash" && mode != "violation")
    usage("--expect must be tsan-report, clean, crash or violation");
  if (i >= argc) usage("no command after --");
  std::vector<char*> cmd(argv + i, argv + argc);
  cmd.push_back(nullptr);

  auto has_required = [&](const result& r) {
    for (const auto& t : required)
      if (!contains(r.output, t)) return false;
    return true;
  };
  const bool first_hit_mode = mode == "tsan-report" || mode == "violation";

  for (unsigned long run = 1; run <= runs; ++run) {
    result r = run_once(cmd, std::chrono::milliseconds(timeout_ms));
    bool exited = !r.timed_out && WIFEXITED(r.status);
    int code = exited ? WEXITSTATUS(r.status) : -1;
    bool tsan = contains(r.output, "WARNING: ThreadSanitizer");

    if (mode == "tsan-report" || mode == "violation") {
      bool hit = mode == "tsan-report"
                     ? exited && code != 0 && tsan
                     : exited && code == 1 && contains(r.output, "VIOLATION") && !tsan;
      if (hit && has_required(r)) {
        std::printf("expect_child: PASS: run %lu/%lu %s with the expected report\n", run, runs,
                    describe(r).c_str());
        print_summary_lines(r);
        return 0;
      }
      if (r.timed_out || (!exited) || (code != 0 && !hit)) {
        // Not the failure we are looking for: report it, it may be a real problem.
        std::fprintf(stderr, "expect_child: run %lu: %s without the expected report\n", run,
                     describe(r).c_str());
        dump_tail(r);
      }
      continue;
    }

    bool ok;
    if (mode == "clean") {
      ok = exited && code == 0 && !tsan && !contains(r.output, "VIOLATION");
    } else {  // crash
      int sig = (!r.timed_out && WIFSIGNALED(r.status)) ? WTERMSIG(r.status) : 0;
      ok = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL;
    }
    if (!ok || !has_required(r)) {
      std::fprintf(stderr, "expect_child: FAIL: run %lu/%lu %s%s (expected %s)\n", run, runs,
                   describe(r).c_str(), ok ? " but required text missing" : "", mode.c_str());
      dump_tail(r);
      return 1;
    }
    if (run == runs) {
      std::printf("expect_child: PASS: %lu/%lu runs %s (%s)\n", runs, runs,
                  mode == "clean" ? "clean" : "crashed", describe(r).c_str());
      print_summary_lines(r);
    }
  }
  if (first_hit_mode) {
    std::fprintf(stderr, "expect_child: FAIL: no %s in %lu runs\n", mode.c_str(), runs);
    return 1;
  }
  return 0;
}
