// SPDX-License-Identifier: MIT
// See machine.h.
#include "machine.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "cpu.h"  // allowed_cpus

namespace lastref::bench {

namespace {

std::optional<int> g_held;
int g_fd = -1;  // kept open for the process's life: closing drops the request

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return line;
}

const char* policy_name(int p) {
  switch (p) {
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
    default:
      return "unknown";
  }
}

}  // namespace

bool hold_cpu_dma_latency(int microseconds) {
  const int fd = g_fd >= 0 ? g_fd : ::open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr,
                 "lastref: cannot hold /dev/cpu_dma_latency at %d us (%s); running without it\n",
                 microseconds, std::strerror(errno));
    return false;
  }
  // The device takes a binary 32-bit value (a string would also do).
  const std::int32_t v = microseconds;
  if (::write(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
    std::fprintf(stderr, "lastref: /dev/cpu_dma_latency refused %d us (%s); running without it\n",
                 microseconds, std::strerror(errno));
    if (g_fd < 0) ::close(fd);
    return false;
  }
  g_fd = fd;
  g_held = microseconds;
  std::fprintf(stderr, "lastref: holding /dev/cpu_dma_latency at %d us for this run\n",
               microseconds);
  return true;
}

std::optional<int> held_cpu_dma_latency() noexcept { return g_held; }

std::string cpu_governor() {
  std::string out;
  for (int c : allowed_cpus()) {
    const std::string g =
        first_line("/sys/devices/system/cpu/cpu" + std::to_string(c) + "/cpufreq/scaling_governor");
    if (g.empty()) return "unreadable (no cpufreq: VM or fixed clock)";
    if (out.find(g) == std::string::npos) out += (out.empty() ? "" : ",") + g;
  }
  return out.empty() ? "unreadable" : out;
}

std::string cpuidle_state() {
  const std::string driver = first_line("/sys/devices/system/cpu/cpuidle/current_driver");
  std::string governor = first_line("/sys/devices/system/cpu/cpuidle/current_governor");
  if (governor.empty())
    governor = first_line("/sys/devices/system/cpu/cpuidle/current_governor_ro");
  if (driver.empty() && governor.empty()) return "unreadable";
  return (driver.empty() ? "?" : driver) + "/" + (governor.empty() ? "?" : governor);
}

std::string sched_policy_obtained() {
  const int p = ::sched_getscheduler(0);
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, 0);
  std::string s = policy_name(p);
  if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE)
    s += " nice " + std::to_string(errno == 0 ? nice : 0);
  return s;
}

}  // namespace lastref::bench
