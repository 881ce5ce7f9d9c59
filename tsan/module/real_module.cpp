// SPDX-License-Identifier: MIT
// real_module — DESIGN.md's reference bug on a real dlopen()ed library.
//
// One round:
//   1. dlopen(M, RTLD_NOW | RTLD_LOCAL). Flags: no RTLD_NODELETE (which would
//      keep M mapped after dlclose and hide the bug), no RTLD_GLOBAL (nothing
//      may bind to M's symbols and pin it). M is built with -fno-gnu-unique
//      for the same reason: a STB_GNU_UNIQUE symbol silently makes a library
//      NODELETE in glibc.
//   2. An m_object with two references — the unloader's and thread A's —
//      whose release function depends on --variant:
//        module     M's lastref_m_release (returns into M after complete())
//        builtin    the same function compiled into this program (the
//                   dm-builtin.c fix)
//        safe_exit  M's lastref_m_release_and_exit, which ends the thread via
//                   lastref::complete_and_exit in builtin code: the thread is
//                   unwound out of M while M is still pinned, and complete()
//                   runs last, from the top of the thread (run_thread_body)
//        drain      M's lastref_m_release, called from builtin code inside
//                   module::call_in_text, with unload_policy::drain_residency
//   3. Unloader thread U: lastref::module::unload(); its exit callback drops
//      U's reference and waits on the completion the release signals. Then
//      dlclose(M), and proof that M is gone: dlopen(RTLD_NOLOAD) returns null
//      and /proc/self/maps no longer names the file.
//   4. Thread A waits until U dropped its reference, then drops the last one.
//      Right after complete(), A is "preempted" (--inject): with `handshake`
//      (default) it resumes only once U has verified that M is unmapped (or,
//      for `drain`, once U is blocked draining residency, since U cannot
//      unmap before A leaves); `sleep` sleeps --inject-us instead; `none`
//      does not inject. Every variant is held at that same point.
// With --variant module, A then returns into unmapped text and the process
// dies by SIGSEGV; a handler first prints whether the faulting address lies
// in M's former text. The other variants survive any number of rounds.
//
// Prints one SUMMARY line (operations = rounds, unloads = verified unmaps);
// exit 1 on a violation (M not unmapped, a handshake that timed out, an
// unexpected unload result), 2 on a usage or dlopen error.

#include <dlfcn.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include <lastref/thread.h>

#include "../harness/options.h"
#include "../harness/report.h"
#include "../harness/run.h"
#include "m_abi.h"

namespace real = lastref::tsan::real;
namespace tsan = lastref::tsan;
namespace report = lastref::tsan::report;

namespace {

enum class injection { handshake, sleep, none };

struct config {
  std::string variant;
  injection inject = injection::handshake;
  uint64_t inject_us = 20000;
  std::string path;      // as given to dlopen
  std::string realpath;  // as /proc/self/maps names it
  bool verbose = false;
};
config g_cfg;  // written before any thread starts

constexpr auto handshake_timeout = std::chrono::seconds(10);

// Handshake between U and A (and the injection); reset by each round before
// its threads start. seq_cst: they are flags polled by another thread, with
// no data published through them besides what thread start/join order.
std::atomic<bool> g_unmapped{false};             // U: dlclose returned and M is verified gone
std::atomic<bool> g_parked{false};               // A: reached the injected preemption
std::atomic<bool> g_exit_done{false};            // U: exit callback returned (drain next)
std::atomic<const void*> g_blocked_on{nullptr};  // a thread is in m_platform::futex_wait
std::atomic<uint64_t> g_handshake_timeouts{0};

// --- M's former text, for the fault handler -------------------------------
struct range {
  uintptr_t lo, hi;
};
constexpr int max_ranges = 16;
range g_m_text[max_ranges];
volatile sig_atomic_t g_m_text_n = 0;

bool parse_maps_line(const std::string& line, uintptr_t& lo, uintptr_t& hi, std::string& perms,
                     std::string& file) {
  char p[8] = {};
  unsigned long a = 0, b = 0;
  int consumed = 0;
  if (std::sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s%n", &a, &b, p, &consumed) < 3)
    return false;
  lo = a;
  hi = b;
  perms = p;
  file = line.substr(static_cast<size_t>(consumed));
  auto s = file.find_first_not_of(' ');
  file = s == std::string::npos ? std::string() : file.substr(s);
  return true;
}

// Records M's executable mappings; returns how many mappings name M at all.
int scan_m_mappings(bool record) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int n = 0, x = 0;
  while (std::getline(maps, line)) {
    uintptr_t lo, hi;
    std::string perms, file;
    if (!parse_maps_line(line, lo, hi, perms, file) || file != g_cfg.realpath) continue;
    ++n;
    if (record && perms.size() >= 3 && perms[2] == 'x' && x < max_ranges) g_m_text[x++] = {lo, hi};
  }
  if (record) g_m_text_n = x;
  return n;
}

void put_str(const char* s) {
  ssize_t r = write(2, s, std::strlen(s));
  (void)r;
}

void put_hex(uintptr_t v) {
  char buf[2 + 16 + 1];
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 16; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
  buf[18] = '\0';
  put_str(buf);
}

bool in_m_text(uintptr_t a) {
  bool in = false;
  for (int i = 0; i < g_m_text_n; ++i) in = in || (a >= g_m_text[i].lo && a < g_m_text[i].hi);
  return in;
}

// Async-signal-safe. SA_RESETHAND restored the default action, so returning
// re-executes the faulting instruction and the process dies by this signal.
// An instruction fetch from M's unmapped text (faulting address == pc) is
// the reference bug; anything else (e.g. an unwinder reading M's unmapped
// text or unwind tables) is reported as what it is.
void on_fault(int sig, siginfo_t* si, void* ctx) {
  auto addr = reinterpret_cast<uintptr_t>(si->si_addr);
  uintptr_t pc = 0;
#if defined(__x86_64__)
  pc = static_cast<uintptr_t>(static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_RIP]);
#else
  (void)ctx;
#endif
  put_str(sig == SIGSEGV  ? "real_module: SIGSEGV at "
          : sig == SIGBUS ? "real_module: SIGBUS at "
                          : "real_module: SIGILL at ");
  put_hex(addr);
  put_str(" pc ");
  put_hex(pc);
  if (addr == pc && in_m_text(addr))
    put_str(": executing M's unmapped text: the releasing thread returned into M\n");
  else if (in_m_text(addr))
    put_str(": a read of M's unmapped text by code outside it (e.g. the unwinder)\n");
  else
    put_str(": outside M's former text\n");
}

void install_fault_handlers() {
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGSEGV, SIGBUS, SIGILL}) sigaction(s, &sa, nullptr);
}

// --- builtin code -----------------------------------------------------------
void preempt_after_complete() {
  switch (g_cfg.inject) {
    case injection::none:
      return;
    case injection::sleep:
      std::this_thread::sleep_for(std::chrono::microseconds(g_cfg.inject_us));
      return;
    case injection::handshake: {
      g_parked.store(true);
      bool drain = g_cfg.variant == "drain";
      bool ok = tsan::wait_until(
          [drain] {
            return g_unmapped.load() ||
                   (drain && g_exit_done.load() && g_blocked_on.load() != nullptr);
          },
          handshake_timeout);
      if (!ok) g_handshake_timeouts.fetch_add(1);
      return;
    }
  }
}

[[noreturn]] void builtin_complete_and_exit(real::m_completion* done, real::m_scope* scope) {
  lastref::complete_and_exit(*done, *scope);
}

const real::builtin_services g_builtin{&preempt_after_complete, &builtin_complete_and_exit};

volatile unsigned long g_builtin_releases = 0;

// The dm-builtin.c fix: the same release, in code that is never unloaded.
__attribute__((noinline)) void builtin_release(real::m_kref& ref) {
  real::m_object* obj = real::object_of(ref);
  real::m_completion* done = obj->released;
  const real::builtin_services* builtin = obj->builtin;
  delete obj;
  done->complete();
  builtin->preempt_after_complete();
  g_builtin_releases = g_builtin_releases + 1;
}

// --- one round --------------------------------------------------------------
void* open_m() {
  if (void* stale = dlopen(g_cfg.path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
    report::violation("M is already loaded before dlopen");
    dlclose(stale);
  }
  void* h = dlopen(g_cfg.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    std::fprintf(stderr, "real_module: dlopen(%s): %s\n", g_cfg.path.c_str(), dlerror());
    std::exit(2);
  }
  return h;
}

template <class F>
F resolve(void* h, const char* name) {
  void* sym = dlsym(h, name);
  if (sym == nullptr) {
    std::fprintf(stderr, "real_module: dlsym(%s): %s\n", name, dlerror());
    std::exit(2);
  }
  return reinterpret_cast<F>(sym);
}

void round() {
  g_unmapped.store(false);
  g_parked.store(false);
  g_exit_done.store(false);
  const std::string& v = g_cfg.variant;

  void* handle = open_m();
  auto m_release = resolve<real::m_release_fn>(handle, real::m_release_symbol);
  auto m_release_and_exit = resolve<real::m_release_fn>(handle, real::m_release_and_exit_symbol);
  if (scan_m_mappings(/*record=*/true) == 0) {
    std::fprintf(stderr, "real_module: %s not found in /proc/self/maps\n", g_cfg.realpath.c_str());
    std::exit(2);
  }
  real::m_release_fn release = v == "builtin"     ? &builtin_release
                               : v == "safe_exit" ? m_release_and_exit
                                                  : m_release;

  real::m_completion released;
  auto* obj = new real::m_object;
  obj->released = &released;
  obj->builtin = &g_builtin;
  obj->ref.get();  // U's reference and A's

  real::m_module mod(
      "M",
      [&] {
        obj->ref.put(release);  // kobject_put: not the last, A still holds one
        released.wait();        // wait_for_completion
        g_exit_done.store(true);
      },
      v == "drain" ? lastref::unload_policy::drain_residency : lastref::unload_policy::immediate);
  mod.mark_live();

  std::thread unloader([&] {
    if (auto r = mod.unload(); r != lastref::unload_result::ok)
      report::violation("unload() returned %d", static_cast<int>(r));
    // With the handshake, A is parked at the injection point (builtin code)
    // before M goes: without this, a natural preemption between complete()
    // and the injection call lets A fault in M before the unmap is proven.
    if (g_cfg.inject == injection::handshake &&
        !tsan::wait_until([] { return g_parked.load(); }, handshake_timeout))
      g_handshake_timeouts.fetch_add(1);
    if (dlclose(handle) != 0) report::violation("dlclose: %s", dlerror());
    bool still_loaded = false;
    if (void* again = dlopen(g_cfg.path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      still_loaded = true;
      dlclose(again);
    }
    int still_mapped = scan_m_mappings(/*record=*/false);
    if (still_loaded || still_mapped != 0) {
      report::violation("dlclose did not unmap M (RTLD_NOLOAD %s, %d mappings left)",
                        still_loaded ? "found it" : "null", still_mapped);
    } else {
      report::add(report::stats().unloads);
      if (g_cfg.verbose || v == "module") {
        std::printf(
            "real_module: dlclose unmapped M (dlopen RTLD_NOLOAD: null, /proc/self/maps: gone)\n");
        std::fflush(stdout);
      }
    }
    g_unmapped.store(true);
  });

  std::thread releaser = lastref::run_thread([&] {
    if (!tsan::wait_until([&] { return obj->ref.read() == 1; }, handshake_timeout))
      report::violation("the unloader never dropped its reference");
    if (v == "builtin") {
      obj->ref.put(release);
    } else if (v == "drain") {
      mod.call_in_text([&] { obj->ref.put(release); });
    } else {
      // module, safe_exit: builtin code enters M's text for the call.
      real::m_scope scope(mod);
      obj->scope = &scope;
      obj->ref.put(release);
    }
  });

  releaser.join();
  unloader.join();
  report::add(report::stats().operations);
  report::add(report::stats().releases);
}

}  // namespace

// --- m_platform hooks (builtin code) ------------------------------------------
void real::m_platform::futex_wait(atomic<uint32_t>& word, uint32_t expected) noexcept {
  g_blocked_on.store(&word);
  std_platform::futex_wait(word, expected);
  g_blocked_on.store(nullptr);
}

namespace {
thread_local lastref::thread_exit t_exit_action;

// The thread's last action (complete() or put()), then the injection: the
// same point as every other variant, right after complete().
void last_action_then_preempt(void*) {
  t_exit_action.run_last_action();
  preempt_after_complete();
}
}  // namespace

[[noreturn]] void real::m_platform::exit_thread(thread_exit how) {
  t_exit_action = how;
  std_platform::exit_thread(thread_exit{&last_action_then_preempt, nullptr});
}

int main(int argc, char** argv) {
  tsan::harness_info info{
      "real_module",
      "DESIGN.md's reference bug on a real dlopen'd module M (see the source's header)",
      {"module", "builtin", "safe_exit", "drain"},
      /*default_threads=*/1,
      /*default_iterations=*/1,
      /*min_threads=*/1,
      // One releaser against the unloader: the protocol under test has no
      // other worker, so --threads other than 1 is refused, not ignored.
      /*max_threads=*/1};
  std::string inject = "handshake";
  uint64_t inject_us = g_cfg.inject_us;
  bool verbose = false;
#ifdef LASTREF_MODULE_M_PATH
  g_cfg.path = LASTREF_MODULE_M_PATH;
#endif
  std::vector<tsan::extra_option> extra{
      tsan::choice_option("inject", "preemption right after complete()",
                          {"handshake", "sleep", "none"}, &inject),
      tsan::number_option("inject-us", "length of --inject sleep", 0, 5'000'000, &inject_us),
      tsan::extra_option{"module-path", "path of M (default: the one built with this program)",
                         [](std::string_view p) {
                           g_cfg.path = std::string(p);
                           return !p.empty();
                         }},
      tsan::extra_option{"verbose", "print every round's unmap proof",
                         [&verbose](std::string_view) { return verbose = true; }, true},
  };
  tsan::options opt = tsan::parse_options(argc, argv, info, extra);
  g_cfg.variant = opt.variant;
  g_cfg.inject = inject == "sleep"  ? injection::sleep
                 : inject == "none" ? injection::none
                                    : injection::handshake;
  g_cfg.inject_us = inject_us;
  g_cfg.verbose = verbose;
  if (opt.duration_ms != 0 && opt.iterations == 0) opt.iterations = UINT64_MAX;
  char resolved[PATH_MAX];
  if (g_cfg.path.empty() || ::realpath(g_cfg.path.c_str(), resolved) == nullptr) {
    std::fprintf(stderr, "real_module: module not found: '%s'\n", g_cfg.path.c_str());
    return 2;
  }
  g_cfg.realpath = resolved;
  // An absolute path, so dlopen never searches and RTLD_NOLOAD finds the same object.
  g_cfg.path = resolved;

  install_fault_handlers();
  report::start();
  tsan::bound b(opt);
  for (uint64_t i = 0; b.more(i); ++i) round();
  if (uint64_t t = g_handshake_timeouts.load())
    report::violation("%llu injected preemptions timed out", static_cast<unsigned long long>(t));
  return report::finish(info, opt);
}
