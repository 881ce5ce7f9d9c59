// SPDX-License-Identifier: MIT
// The lastref_k_* ABI over the model checker (fuzz/model), plus the hooks
// that instrumented user C calls: ThreadSanitizer's __tsan_read*/__tsan_write*
// (plain accesses) and -finstrument-functions' __cyg_profile_func_enter/exit
// (module code residency).
//
// Contract: inside an execution every ABI call is a model operation on the
// user's own address: a scheduling point, recorded in the trace with the
// user's file:line (passed through the headers), checked for use after free
// (point() sees the address) and, for atomics, run through the runtime's
// happens-before and c11 store-history machinery exactly as
// model::atomic<T> runs it (<lastref/model/platform.h>). The runtime's metadata
// lives beside the user's memory, in a per-execution side table keyed by
// address (a `slot`); the user's memory always holds the location's latest
// value in modification order, so plain C reads of it stay meaningful.
// Outside an execution (static constructors, the real-thread build's code
// paths never reach here) operations act directly on memory.
//
// Plain accesses are no scheduling points: they are checked FastTrack-style
// against the vector clocks (a race is reported in any schedule where both
// accesses occur unordered, whichever runs first) and against freed model
// blocks (use after free), and become a step only when they fail.
//
// Lifetime rule: the side table and the block map are reset by the
// program's setup() at the start of every execution; kmalloc'd memory is the
// model allocator's, reclaimed by the checker at execution end.
//
// Memory ordering: single OS thread (the model's fibers); no synchronisation.

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <lastref/model/check.h>
#include <lastref/model/platform.h>
#include <lastref/model/spin.h>

#include "model_backend.h"
#include "runtime.h"  // the model's private runtime (lastref_model_runtime)

extern "C" {
#include <lastref/linux/lastref_abi.h>
#include <lastref/linux/module.h>

#include "linux_internal.h"
}

namespace lastref::kernel {
namespace {

using model::max_threads;
using model::op;
using model::detail::current_rt;
using model::detail::no_thread;
using model::detail::runtime;

source_loc to_loc(lastref_loc_t l) noexcept {
  if (l == nullptr) return source_loc{"?", 0, "?"};
  return source_loc{l->file, static_cast<unsigned>(l->line), l->func};
}

std::uint64_t mask(std::uint64_t v, int size) noexcept {
  return size >= 8 ? v : (v & ((std::uint64_t{1} << (size * 8)) - 1));
}
// The user's memory as the model's bookkeeping sees it. These run before the
// model has decided whether the access is legal: a block the model heap has
// freed stays mapped but is poisoned under AddressSanitizer, and the model,
// not ASan, must report the use after free (with the freeing step). Hence no
// ASan checks here, and byte copies rather than memcpy (its interceptor
// checks the range).
__attribute__((no_sanitize("address"))) std::uint64_t raw_read(const volatile void* p,
                                                               int size) noexcept {
  const auto* src = static_cast<const volatile unsigned char*>(p);
  unsigned char b[8] = {};
  for (int i = 0; i < size && i < 8; ++i) b[i] = src[i];
  std::uint64_t v = 0;
  std::memcpy(&v, b, sizeof v);
  return v;
}
__attribute__((no_sanitize("address"))) void raw_write(volatile void* p, int size,
                                                       std::uint64_t v) noexcept {
  unsigned char b[8];
  std::memcpy(b, &v, sizeof v);
  auto* dst = static_cast<volatile unsigned char*>(p);
  for (int i = 0; i < size && i < 8; ++i) dst[i] = b[i];
}

// The runtime's metadata for one user address.
struct slot {
  model::detail::atomic_meta am;
  model::detail::cell_meta cm;
  std::uint64_t value = 0;     // latest value in modification order (atomics)
  const void* w_pc = nullptr;  // plain accesses: where the last write / reads were
  const void* r_pc[max_threads] = {};
};

struct block_info {
  std::size_t size;
  bool freed;
  std::uint32_t alloc_step;
  std::uint32_t free_step;
  std::uint8_t free_tid;
};

struct kslot {
  std::uint32_t state;  // 0 idle, 1 started, 2 shut down
  bool claimed;
  void (*entry)(void*);
  void* arg;
};

constexpr std::uint32_t kslot_started = 1;
constexpr std::uint32_t kslot_shutdown = 2;

// Module texts a thread had on its residency stack when it entered builtin
// code (lastref_k_builtin_enter), restored when it leaves.
struct saved_residency {
  std::uint8_t depth;
  const void* texts[model::detail::max_residency];
};
constexpr int max_builtin_nesting = 16;

struct exec_state {
  saved_residency saved[max_threads][max_builtin_nesting] = {};
  int n_saved[max_threads] = {};
  std::unordered_map<const void*, std::unique_ptr<slot>> slots;
  // Replaced slots live until the execution ends: the runtime may still
  // hold their metadata (a futex waiter's word).
  std::vector<std::unique_ptr<slot>> replaced;
  std::map<std::uintptr_t, block_info> blocks;
  void* task[max_threads + 1] = {};
  kslot ks[max_threads] = {};
  int n_user = 0;
  int n_kthreads = 0;
  std::uint32_t live_users = 0;
};

exec_state& st() {
  static exec_state s;
  return s;
}

const lastref_loc harness_loc{"<lastref harness>", 0, "kthread"};

const struct block_info* block_of(const void* a, std::uintptr_t* base);
const char* data_name_of(const void* p);

void install_slot(const volatile void* p, std::unique_ptr<slot> s) {
  auto& cur = st().slots[const_cast<const void*>(p)];
  if (cur) st().replaced.push_back(std::move(cur));
  cur = std::move(s);
}

// A global of the user's C is named in traces by its symbol.
void label_global(const volatile void* p) {
  std::uintptr_t base = 0;
  if (current_rt != nullptr && current_rt->label_of(const_cast<const void*>(p)) == nullptr &&
      block_of(const_cast<const void*>(p), &base) == nullptr) {
    if (const char* name = data_name_of(const_cast<const void*>(p)))
      current_rt->label(const_cast<const void*>(p), name);
  }
}

// Fresh metadata that claims no construction (the memory existed before the
// model first saw it: a global, or a field of a block the allocator made).
slot& fresh_slot(const volatile void* p, int size) {
  auto s = std::make_unique<slot>();
  s->am.init_tid_ = no_thread;
  s->cm.init_tid_ = no_thread;
  s->cm.w_tid = no_thread;
  s->value = raw_read(p, size);
  label_global(p);
  slot& ref = *s;
  install_slot(p, std::move(s));
  return ref;
}

// The user's memory holds the latest value of every location the model
// knows; if it holds something else, plain C wrote it behind the model's back
// (ATOMIC_INIT of a stack variable in a frame reusing the address, a plain
// re-initialisation): a new location, with no history.
slot& slot_for(const volatile void* p, int size) {
  auto& m = st().slots;
  auto it = m.find(const_cast<const void*>(p));
  if (it != m.end() && it->second->value == raw_read(p, size)) return *it->second;
  return fresh_slot(p, size);
}

slot& cell_slot_for(const volatile void* p) {
  auto& m = st().slots;
  auto it = m.find(const_cast<const void*>(p));
  if (it != m.end()) return *it->second;
  return fresh_slot(p, 1);
}

runtime* active() noexcept {
  runtime* r = current_rt;
  return r != nullptr && r->active_checks() ? r : nullptr;
}

// ---------------------------------------------------------------- symbolizer

// "file:line" and function of a code address, from the executable's debug
// info (llvm-symbolizer, else addr2line), cached per address. Only module
// function returns and failing plain accesses are symbolized, so the number
// of queries is the number of distinct such sites.
class symbolizer {
 public:
  source_loc at(const void* pc) {
    auto it = cache_.find(pc);
    if (it != cache_.end()) return it->second;
    source_loc l = lookup(pc);
    cache_.emplace(pc, l);
    return l;
  }

  // The name of a global of the user's C ("registered_ops", "wq+4"), for
  // traces; null if the symbol table does not know the address.
  const char* data_name(const void* p) {
    auto it = data_cache_.find(p);
    if (it != data_cache_.end()) return it->second;
    const char* name = lookup_data(p);
    data_cache_.emplace(p, name);
    return name;
  }

 private:
  const char* lookup_data(const void* p) {
    Dl_info info{};
    if (dladdr(p, &info) == 0 || info.dli_fname == nullptr) return nullptr;
    const char* obj = info.dli_fname[0] != '\0' ? info.dli_fname : "/proc/self/exe";
    auto addr = reinterpret_cast<std::uintptr_t>(p);
    if (is_pie(obj)) addr -= reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    for (const char* tool : {"llvm-symbolizer-14", "llvm-symbolizer"}) {
      char cmd[1200];
      std::snprintf(cmd, sizeof cmd, "echo 'DATA 0x%" PRIxPTR "' | %s --obj='%s' 2>/dev/null", addr,
                    tool, obj);
      FILE* f = ::popen(cmd, "r");
      if (f == nullptr) continue;
      char name[256] = {}, range[128] = {};
      const bool got = std::fgets(name, sizeof name, f) != nullptr &&
                       std::fgets(range, sizeof range, f) != nullptr;
      ::pclose(f);
      if (!got) continue;
      name[std::strcspn(name, "\n")] = '\0';
      if (name[0] == '\0' || std::strcmp(name, "??") == 0) return nullptr;
      const unsigned long long start = std::strtoull(range, nullptr, 10);
      if (start == 0 || addr < start) return keep(name);
      const unsigned long long off = addr - start;
      return off == 0 ? keep(name) : keep(std::string(name) + "+" + std::to_string(off));
    }
    return nullptr;
  }
  std::unordered_map<const void*, const char*> data_cache_;

  static bool is_pie(const char* path) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    Elf64_Ehdr h{};
    const bool ok = ::read(fd, &h, sizeof h) == static_cast<ssize_t>(sizeof h);
    ::close(fd);
    return !ok || h.e_type == ET_DYN;
  }
  const char* keep(std::string s) { return strings_.emplace_back(std::move(s)).c_str(); }

  source_loc lookup(const void* pc) {
    Dl_info info{};
    if (dladdr(pc, &info) == 0 || info.dli_fname == nullptr)
      return source_loc{"<unknown code>", 0, "?"};
    const char* obj = info.dli_fname;
    std::string self;
    if (obj[0] == '\0' || std::strcmp(obj, "") == 0) obj = "/proc/self/exe";
    auto addr = reinterpret_cast<std::uintptr_t>(pc);
    if (is_pie(obj)) addr -= reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    const char* fallback_fn = info.dli_sname != nullptr ? keep(info.dli_sname) : "?";
    const char* tools[] = {"llvm-symbolizer-14 --no-inlines --obj=",
                           "llvm-symbolizer --no-inlines --obj=", "addr2line -f -e "};
    for (const char* tool : tools) {
      char cmd[1200];
      std::snprintf(cmd, sizeof cmd, "%s'%s' 0x%" PRIxPTR " 2>/dev/null", tool, obj, addr);
      FILE* f = ::popen(cmd, "r");
      if (f == nullptr) continue;
      char fn[512] = {}, where[1024] = {};
      const bool got =
          std::fgets(fn, sizeof fn, f) != nullptr && std::fgets(where, sizeof where, f) != nullptr;
      ::pclose(f);
      if (!got) continue;
      fn[std::strcspn(fn, "\n")] = '\0';
      where[std::strcspn(where, "\n")] = '\0';
      // file:line[:col]
      std::string w = where;
      unsigned line = 0;
      std::size_t c1 = w.find(':');
      if (c1 == std::string::npos || w.compare(0, 2, "??") == 0) continue;
      line = static_cast<unsigned>(std::strtoul(w.c_str() + c1 + 1, nullptr, 10));
      return source_loc{keep(w.substr(0, c1)), line, keep(fn)};
    }
    return source_loc{"<no debug info>", 0, fallback_fn};
  }

  std::unordered_map<const void*, source_loc> cache_;
  std::deque<std::string> strings_;
};

symbolizer& symbols() {
  static symbolizer s;
  return s;
}
const char* data_name_of(const void* p) { return symbols().data_name(p); }

// ---------------------------------------------------------------- plain accesses

const struct block_info* block_of(const void* a, std::uintptr_t* base) {
  auto& b = st().blocks;
  const auto x = reinterpret_cast<std::uintptr_t>(a);
  auto it = b.upper_bound(x);
  if (it == b.begin()) return nullptr;
  --it;
  if (x >= it->first + it->second.size) return nullptr;
  *base = it->first;
  return &it->second;
}

[[noreturn]] void fail_at_plain(runtime* r, model::failure_kind k, const void* addr, bool write,
                                const void* pc, const char* what) {
  const source_loc sl = symbols().at(pc);
  const op o = write ? op::cell_write : op::cell_read;
  r->step_without_point(o, addr, sl);
  r->note(o, addr, sl, 0, 0, what);
  char nb[96];
  r->fail(k, "%s: T%d plain %s of %s at %s:%u (%s)", what, r->cur_, write ? "write" : "read",
          r->describe(addr, nb, sizeof nb), sl.file, sl.line, sl.function);
}

void plain_access(const void* addr, bool write, const void* pc) {
  runtime* r = active();
  if (r == nullptr) return;
  std::uintptr_t base = 0;
  const block_info* b = block_of(addr, &base);
  if (b == nullptr) return;  // not model memory: not checked
  if (b->freed) {
    char msg[200];
    std::snprintf(msg, sizeof msg,
                  "use after free (object of %zu bytes allocated at step %u, freed at step %u by "
                  "T%d)",
                  b->size, b->alloc_step, b->free_step, b->free_tid);
    fail_at_plain(r, model::failure_kind::use_after_free, addr, write, pc, msg);
  }
  slot& s = cell_slot_for(addr);
  model::detail::cell_meta& c = s.cm;
  const auto& t = r->clocks();
  const int me = r->cur_;
  char msg[400];
  if (c.w_tid != no_thread && c.w_tid != me && t.clk.c[c.w_tid] < c.w_clk) {
    const source_loc other = symbols().at(s.w_pc);
    std::snprintf(msg, sizeof msg,
                  "data race (unordered with the write by T%d near step %u at %s:%u (%s))", c.w_tid,
                  c.w_step, other.file, other.line, other.function);
    fail_at_plain(r, model::failure_kind::data_race, addr, write, pc, msg);
  }
  if (write) {
    for (int u = 0; u < max_threads; ++u) {
      if (u != me && c.r_clk[u] != 0 && t.clk.c[u] < c.r_clk[u]) {
        const source_loc other = symbols().at(s.r_pc[u]);
        std::snprintf(msg, sizeof msg,
                      "data race (unordered with the read by T%d near step %u at %s:%u (%s))", u,
                      c.r_step[u], other.file, other.line, other.function);
        fail_at_plain(r, model::failure_kind::data_race, addr, write, pc, msg);
      }
    }
    c.w_tid = static_cast<std::uint8_t>(me);
    c.w_clk = t.clk.c[me];
    c.w_step = r->step_now();
    s.w_pc = pc;
    for (auto& x : c.r_clk) x = 0;
  } else {
    // An epoch of 0 means "never read": a thread whose clock entry is still
    // 0 records 1 (clocks start at 1 in the runtime; this keeps it safe).
    c.r_clk[me] = t.clk.c[me] != 0 ? t.clk.c[me] : 1;
    c.r_step[me] = r->step_now();
    s.r_pc[me] = pc;
  }
}

// The free is a write to every location inside the block: unordered earlier
// accesses by other threads are data races (as runtime::destroy_begin does
// for model objects).
void check_free_races(runtime* r, std::uintptr_t lo, std::size_t size, const source_loc& sl) {
  const auto& t = r->clocks();
  const int me = r->cur_;
  for (auto& [addr, sp] : st().slots) {
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (a < lo || a >= lo + size) continue;
    slot& s = *sp;
    char nb[96];
    const char* name = r->describe(addr, nb, sizeof nb);
    auto& c = s.cm;
    if (c.w_tid != no_thread && c.w_tid != me && t.clk.c[c.w_tid] < c.w_clk) {
      const source_loc o = symbols().at(s.w_pc);
      r->fail(model::failure_kind::data_race,
              "data race: kfree by T%d at %s:%u is unordered with the plain write of %s by T%d "
              "at %s:%u (%s)",
              me, sl.file, sl.line, name, c.w_tid, o.file, o.line, o.function);
    }
    for (int u = 0; u < max_threads; ++u) {
      if (u != me && c.r_clk[u] != 0 && t.clk.c[u] < c.r_clk[u]) {
        const source_loc o = symbols().at(s.r_pc[u]);
        r->fail(model::failure_kind::data_race,
                "data race: kfree by T%d at %s:%u is unordered with the plain read of %s by T%d "
                "at %s:%u (%s)",
                me, sl.file, sl.line, name, u, o.file, o.line, o.function);
      }
    }
    auto& m = s.am;
    for (int u = 0; u < max_threads; ++u) {
      if (u != me && m.acc[u] != 0 && t.clk.c[u] < m.acc[u] &&
          !(m.w_idx[u] != 0 && m.seen[me] >= m.w_idx[u]))
        r->fail(model::failure_kind::data_race,
                "data race: kfree by T%d at %s:%u is unordered with the access to atomic %s by "
                "T%d at step %u (a free needs acquire ordering after every other thread's last "
                "access)",
                me, sl.file, sl.line, name, u, m.acc_step[u]);
    }
    c.w_tid = static_cast<std::uint8_t>(me);
    c.w_clk = t.clk.c[me];
    c.w_step = r->step_now();
    for (auto& x : c.r_clk) x = 0;
  }
}

op rmw_op(int o) noexcept {
  switch (o) {
    case LASTREF_K_ADD:
      return op::fetch_add;
    case LASTREF_K_SUB:
      return op::fetch_sub;
    case LASTREF_K_OR:
      return op::fetch_or;
    case LASTREF_K_AND:
      return op::fetch_and;
    default:
      return op::exchange;
  }
}

std::uint64_t apply(int o, std::uint64_t old, std::uint64_t v) noexcept {
  switch (o) {
    case LASTREF_K_ADD:
      return old + v;
    case LASTREF_K_SUB:
      return old - v;
    case LASTREF_K_AND:
      return old & v;
    case LASTREF_K_OR:
      return old | v;
    case LASTREF_K_XOR:
      return old ^ v;
    default:
      return v;
  }
}

std::memory_order mo_of(int mo) noexcept { return static_cast<std::memory_order>(mo); }

void kslot_shutdown_all() {
  exec_state& s = st();
  for (int i = 0; i < s.n_kthreads; ++i) {
    if (s.ks[i].claimed) continue;
    s.ks[i].claimed = true;
    lastref_k_store(&s.ks[i].state, 4, kslot_shutdown, __ATOMIC_RELEASE, &harness_loc);
    lastref_k_futex_wake(&s.ks[i].state, 1, &harness_loc);
  }
}

}  // namespace

// ---------------------------------------------------------------- the program

namespace {
class kernel_program final : public model::program {
 public:
  kernel_program() {
    lastref_test_threads(&n_user_);
    n_k_ = lastref_test_kthread_count();
  }
  [[nodiscard]] int threads() const override { return n_user_ + n_k_; }
  void setup() override {
    exec_state& s = st();
    s.slots.clear();
    s.replaced.clear();
    s.blocks.clear();
    for (auto& t : s.task) t = nullptr;
    for (auto& n : s.n_saved) n = 0;
    for (auto& k : s.ks) k = kslot{};
    s.n_user = n_user_;
    s.n_kthreads = n_k_;
    for (int i = 0; i < n_k_; ++i) {
      lastref_k_label(&s.ks[i].state, "kthread_slot");
      lastref_k_init(&s.ks[i].state, 4, 0, &harness_loc);
    }
    s.live_users = 0;
    lastref_k_label(&s.live_users, "live_test_threads");
    lastref_k_init(&s.live_users, 4, static_cast<std::uint64_t>(n_user_), &harness_loc);
    const int rc = lastref_linux_reset();
    if (rc != 0) model::failf("module_init returned %d", rc);
    lastref_test_run_setup();
  }
  void run(int t) override {
    if (t < n_user_) {
      int n = 0;
      lastref_test_threads(&n)[t].fn();
      if (n_k_ != 0 &&
          lastref_k_rmw(&st().live_users, 4, LASTREF_K_SUB, 1, __ATOMIC_ACQ_REL, &harness_loc) == 1)
        kslot_shutdown_all();
      return;
    }
    kslot& k = st().ks[t - n_user_];
    for (;;) {
      const auto v =
          static_cast<std::uint32_t>(lastref_k_load(&k.state, 4, __ATOMIC_ACQUIRE, &harness_loc));
      if (v == kslot_started) {
        k.entry(k.arg);
        return;
      }
      if (v == kslot_shutdown) return;
      lastref_k_futex_wait(&k.state, 0, &harness_loc);
    }
  }
  void check() override { lastref_test_run_check(); }

 private:
  int n_user_ = 0;
  int n_k_ = 0;
};
}  // namespace

model::program_factory program_factory() { return model::factory<kernel_program>(); }

int test_thread_count() {
  int n = 0;
  lastref_test_threads(&n);
  return n;
}

}  // namespace lastref::kernel

// ---------------------------------------------------------------- the ABI

using lastref::source_loc;
using lastref::kernel::active;
using lastref::kernel::mask;
using lastref::kernel::raw_read;
using lastref::kernel::raw_write;
using lastref::kernel::slot_for;
using lastref::kernel::st;
using lastref::kernel::to_loc;
using lastref::model::op;
using lastref::model::detail::current_rt;
namespace lk = lastref::kernel;

extern "C" {

uint64_t lastref_k_load(const volatile void* p, int size, int mo, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return raw_read(p, size);
  const void* a = const_cast<const void*>(p);
  lk::slot& s = slot_for(p, size);
  const source_loc sl = to_loc(loc);
  r->point(op::load, a, sl);
  std::uint64_t v = s.value;
  if (r->weak()) {
    v = r->c11_load(s.am, s.value, lk::mo_of(mo));
  } else {
    r->access_atomic(s.am, false);
    r->acquire_from(s.am, lk::mo_of(mo));
  }
  r->note(op::load, a, sl, v, 0, lk::mo_of(mo));
  r->note_read(a, v, lk::mo_of(mo));
  return v;
}

void lastref_k_store(volatile void* p, int size, uint64_t v, int mo, lastref_loc_t loc) {
  v = mask(v, size);
  auto* r = active();
  if (r == nullptr) {
    raw_write(p, size, v);
    return;
  }
  const void* a = const_cast<const void*>(p);
  lk::slot& s = slot_for(p, size);
  const source_loc sl = to_loc(loc);
  r->point(op::store, a, sl);
  const std::uint64_t old = s.value;
  if (r->weak()) {
    if (r->c11_store(s.am, old, v, lk::mo_of(mo))) {
      s.value = v;
      raw_write(p, size, v);
    }
  } else {
    r->access_atomic(s.am, true);
    r->release_store(s.am, lk::mo_of(mo));
    s.value = v;
    raw_write(p, size, v);
  }
  r->note(op::store, a, sl, old, v, lk::mo_of(mo));
}

uint64_t lastref_k_rmw(volatile void* p, int size, int o, uint64_t v, int mo, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) {
    const std::uint64_t old = raw_read(p, size);
    raw_write(p, size, mask(lk::apply(o, old, v), size));
    return old;
  }
  const void* a = const_cast<const void*>(p);
  lk::slot& s = slot_for(p, size);
  const source_loc sl = to_loc(loc);
  const op kind = lk::rmw_op(o);
  r->point(kind, a, sl);
  const std::uint64_t old = s.value;
  const std::uint64_t nv = mask(lk::apply(o, old, v), size);
  if (r->weak()) {
    r->c11_rmw(s.am, old, nv, lk::mo_of(mo));
  } else {
    r->access_atomic(s.am, true);
    r->acquire_from(s.am, lk::mo_of(mo));
    r->release_rmw(s.am, lk::mo_of(mo));
  }
  s.value = nv;
  raw_write(p, size, nv);
  r->note(kind, a, sl, old, nv, lk::mo_of(mo));
  return old;
}

uint64_t lastref_k_cmpxchg(volatile void* p, int size, uint64_t expected, uint64_t desired,
                           int success_mo, int failure_mo, lastref_loc_t loc) {
  expected = mask(expected, size);
  desired = mask(desired, size);
  auto* r = active();
  if (r == nullptr) {
    const std::uint64_t old = raw_read(p, size);
    if (old == expected) raw_write(p, size, desired);
    return old;
  }
  const void* a = const_cast<const void*>(p);
  lk::slot& s = slot_for(p, size);
  const source_loc sl = to_loc(loc);
  // A retry CAS (lastref_k_retry_hint) that confirms the thread's last read
  // runs right after it in a search (fuzz/model/README.md, "Retry loops").
  const auto retry = r->retry_check(a, expected, lk::mo_of(failure_mo));
  r->point(op::cas_ok, a, sl, retry.confirms);
  const bool equal = s.value == expected;
  if (r->weak()) {
    std::uint64_t seen = 0;
    if (r->c11_cas(s.am, s.value, equal, expected, desired, lk::mo_of(success_mo),
                   lk::mo_of(failure_mo), false, seen)) {
      const std::uint64_t old = s.value;
      s.value = desired;
      raw_write(p, size, desired);
      r->note(op::cas_ok, a, sl, old, desired, lk::mo_of(success_mo));
      return expected;
    }
    r->note(op::cas_fail, a, sl, seen, expected, lk::mo_of(failure_mo));
    r->retry_failed(retry, a, seen, expected, lk::mo_of(failure_mo));
    return seen;
  }
  if (equal) {
    const std::uint64_t old = s.value;
    s.value = desired;
    raw_write(p, size, desired);
    r->access_atomic(s.am, true);
    r->acquire_from(s.am, lk::mo_of(success_mo));
    r->release_rmw(s.am, lk::mo_of(success_mo));
    r->note(op::cas_ok, a, sl, old, desired, lk::mo_of(success_mo));
    return expected;
  }
  const std::uint64_t seen = s.value;
  r->access_atomic(s.am, false);
  r->acquire_from(s.am, lk::mo_of(failure_mo));
  r->note(op::cas_fail, a, sl, seen, expected, lk::mo_of(failure_mo));
  r->retry_failed(retry, a, seen, expected, lk::mo_of(failure_mo));
  return seen;
}

void lastref_k_retry_hint(const volatile void* p) {
  if (auto* r = active()) r->hint_retry(const_cast<const void*>(p));
}

void lastref_k_init(volatile void* p, int size, uint64_t v, lastref_loc_t) {
  v = mask(v, size);
  raw_write(p, size, v);
  if (active() == nullptr) return;
  // A fresh location whose construction is this thread's write: another
  // thread's access not ordered after it is an unsafe publication.
  auto s = std::make_unique<lk::slot>();
  s->value = v;
  s->cm.w_tid = lastref::model::detail::no_thread;
  lk::install_slot(p, std::move(s));
  lk::label_global(p);
}

void lastref_k_fence(int mo, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return;
  const source_loc sl = to_loc(loc);
  r->point(op::fence, nullptr, sl);
  r->fence(lk::mo_of(mo));
  r->note(op::fence, nullptr, sl, 0, 0, lk::mo_of(mo));
}

void lastref_k_acquire_after_rmw(const volatile void*, int, lastref_loc_t loc) {
  lastref_k_fence(__ATOMIC_ACQUIRE, loc);
}

void lastref_k_await_iteration(lastref_loc_t loc) {
  if (active() == nullptr) return;
  lastref::model::await_iteration(to_loc(loc));
}

void lastref_k_futex_wait(volatile void* word, uint32_t expected, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return;
  const void* a = const_cast<const void*>(word);
  lk::slot& s = slot_for(word, 4);
  const source_loc sl = to_loc(loc);
  r->rewait_check(a, expected, static_cast<std::uint32_t>(s.value), false, 0, sl);
  r->point(op::futex_wait, a, sl);
  const auto v = static_cast<std::uint32_t>(s.value);
  if (r->weak()) r->c11_observe_latest(s.am, v);
  if (v != expected) {
    r->note(op::futex_wait, a, sl, v, expected, "returns: value changed");
    return;
  }
  r->note(op::futex_wait, a, sl, v, expected, "sleeps");
  r->futex_sleep(a, expected, false, 0, sl, &s.am);
}

int lastref_k_futex_wait_timeout(volatile void* word, uint32_t expected, uint64_t timeout_ns,
                                 lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return 1;
  const void* a = const_cast<const void*>(word);
  lk::slot& s = slot_for(word, 4);
  const source_loc sl = to_loc(loc);
  // With the deadline it would sleep until if it slept now (virtual time
  // moves only at a timeout, so a re-wait right after a spurious wake-up
  // computes the one it slept until).
  r->rewait_check(a, expected, static_cast<std::uint32_t>(s.value), true,
                  r->now() + static_cast<std::int64_t>(timeout_ns), sl);
  r->point(op::futex_wait, a, sl);
  const auto v = static_cast<std::uint32_t>(s.value);
  if (r->weak()) r->c11_observe_latest(s.am, v);
  if (v != expected) {
    r->note(op::futex_wait, a, sl, v, expected, "returns: value changed");
    return 1;
  }
  r->note(op::futex_wait, a, sl, v, expected, "sleeps with timeout");
  const std::int64_t deadline = r->now() + static_cast<std::int64_t>(timeout_ns);
  return r->futex_sleep(a, expected, true, deadline, sl, &s.am) ==
                 lastref::model::detail::wake_reason::timeout
             ? 0
             : 1;
}

void lastref_k_futex_wake(volatile void* word, int all, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return;
  const void* a = const_cast<const void*>(word);
  const source_loc sl = to_loc(loc);
  const op o = all != 0 ? op::futex_wake_all : op::futex_wake_one;
  r->point(o, a, sl);
  r->note(o, a, sl, 0, 0);
  r->wake(a, all != 0, sl, o);
}

void* lastref_k_malloc(size_t size, int zero, lastref_loc_t loc) {
  auto* r = active();
  if (r == nullptr) return zero != 0 ? std::calloc(1, size) : std::malloc(size);
  const source_loc sl = to_loc(loc);
  r->point(op::make, nullptr, sl);
  void* mem = r->allocate(size, 16, [](void*) {});
  // Fresh memory: zeroed for kzalloc, and for kmalloc too (a deterministic
  // model: uninitialised reads are not what it checks).
  std::memset(mem, 0, size);
  (void)zero;
  st().blocks[reinterpret_cast<std::uintptr_t>(mem)] =
      lk::block_info{size, false, r->step_now(), 0, lastref::model::detail::no_thread};
  r->note(op::make, mem, sl, size, 0);
  return mem;
}

void lastref_k_free(const void* p, lastref_loc_t loc) {
  if (p == nullptr) return;
  auto* r = active();
  if (r == nullptr) {
    std::free(const_cast<void*>(p));
    return;
  }
  const source_loc sl = to_loc(loc);
  r->point(op::destroy, p, sl);
  if (!r->destroy_begin(p, sl)) return;
  auto& blocks = st().blocks;
  auto it = blocks.find(reinterpret_cast<std::uintptr_t>(p));
  const std::size_t size = it != blocks.end() ? it->second.size : 0;
  lk::check_free_races(r, reinterpret_cast<std::uintptr_t>(p), size, sl);
  r->note(op::destroy, p, sl, size, 0);
  r->destroy_end(p, sl);
  if (it != blocks.end()) {
    it->second.freed = true;
    it->second.free_step = r->step_now();
    it->second.free_tid = r->cur_;
  }
}

void lastref_k_warn(int kind, const char* what, lastref_loc_t loc) {
  auto* r = active();
  const source_loc sl = to_loc(loc);
  if (r == nullptr) {
    std::fprintf(stderr, "lastref: %s at %s:%u (%s), outside a model execution\n", what, sl.file,
                 sl.line, sl.function);
    std::abort();
  }
  r->step_without_point(op::check, nullptr, sl);
  r->note(op::check, nullptr, sl, 0, 0, what);
  r->fail(
      kind == 1 ? lastref::model::failure_kind::refcount : lastref::model::failure_kind::invariant,
      "%s at %s:%u (%s)", what, sl.file, sl.line, sl.function);
}

int lastref_k_spawn(void (*entry)(void*), void* arg, lastref_loc_t loc) {
  auto& s = st();
  for (int i = 0; i < s.n_kthreads; ++i) {
    lk::kslot& k = s.ks[i];
    if (k.claimed) continue;
    k.claimed = true;
    k.entry = entry;
    k.arg = arg;
    lastref_k_store(&k.state, 4, lk::kslot_started, __ATOMIC_RELEASE, loc);
    lastref_k_futex_wake(&k.state, 1, loc);
    return 0;
  }
  return -EAGAIN;
}

void lastref_k_thread_exit(lastref_loc_t loc) {
  lastref::model::platform::exit_thread({}, to_loc(loc));
}

void** lastref_k_current_task(void) {
  auto* r = active();
  if (r == nullptr || r->mode_ != lastref::model::detail::mode::threads)
    return &st().task[lastref::model::max_threads];
  return &st().task[r->cur_];
}

void lastref_k_builtin_enter(void) {
  auto* r = active();
  if (r == nullptr || r->mode_ != lastref::model::detail::mode::threads) return;
  auto& s = st();
  const int me = r->cur_;
  auto& res = r->texts();
  if (s.n_saved[me] == lk::max_builtin_nesting)
    r->fail(lastref::model::failure_kind::invariant, "builtin calls nested too deep");
  lk::saved_residency& sv = s.saved[me][s.n_saved[me]++];
  sv.depth = static_cast<std::uint8_t>(res.depth(me));
  for (int i = sv.depth - 1; i >= 0; --i) {
    sv.texts[i] = res.innermost(me);
    res.pop(me, sv.texts[i]);
  }
}

void lastref_k_builtin_leave(void) {
  auto* r = active();
  if (r == nullptr || r->mode_ != lastref::model::detail::mode::threads) return;
  auto& s = st();
  const int me = r->cur_;
  if (s.n_saved[me] == 0) return;
  const lk::saved_residency& sv = s.saved[me][--s.n_saved[me]];
  // Back in the caller: its module texts are resident again (an unmapped
  // one is reported at the thread's next step, still inside the caller).
  // Builtin code pushes no text, so the stack is empty here and every push
  // fits (the texts came off it).
  auto& res = r->texts();
  res.drop(me);
  for (int i = 0; i < sv.depth; ++i) res.push(me, sv.texts[i]);
}

void lastref_k_text_unmap(const void* text, lastref_loc_t loc) {
  lastref::model::platform::text_unmap(text, to_loc(loc));
}

void lastref_k_label(const void* p, const char* name) {
  if (current_rt != nullptr) current_rt->label(p, name);
}

// ---------------------------------------------------------------- -finstrument-functions
// Compiled into module source files only: every function of a module file
// is module text. Entry pushes residency (a step, so partial-order
// reduction sees it); the return is a scheduling point at which a thread
// whose module text was unmapped meanwhile is reported.

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void* fn, void*) {
  auto* r = current_rt;
  if (r == nullptr || r->mode_ != lastref::model::detail::mode::threads) return;
  lastref::model::platform::text_enter(&lastref_this_module, lk::symbols().at(fn));
}

__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void*, void*) {
  auto* r = current_rt;
  if (r == nullptr || r->mode_ != lastref::model::detail::mode::threads) return;
  // The code address the function returns from: its epilogue's line.
  const source_loc sl = lk::symbols().at(__builtin_return_address(0));
  lastref::model::platform::text_leave(&lastref_this_module, sl);
}

// ---------------------------------------------------------------- ThreadSanitizer hooks
// The user's C is compiled with -fsanitize=thread but linked without the
// TSan runtime: these are the callbacks its instrumentation emits.

#define LASTREF_TSAN_RW(n)                                                                  \
  void __tsan_read##n(void* a) { lk::plain_access(a, false, __builtin_return_address(0)); } \
  void __tsan_write##n(void* a) { lk::plain_access(a, true, __builtin_return_address(0)); } \
  void __tsan_unaligned_read##n(void* a) {                                                  \
    lk::plain_access(a, false, __builtin_return_address(0));                                \
  }                                                                                         \
  void __tsan_unaligned_write##n(void* a) {                                                 \
    lk::plain_access(a, true, __builtin_return_address(0));                                 \
  }                                                                                         \
  void __tsan_volatile_read##n(void* a) {                                                   \
    lk::plain_access(a, false, __builtin_return_address(0));                                \
  }                                                                                         \
  void __tsan_volatile_write##n(void* a) { lk::plain_access(a, true, __builtin_return_address(0)); }
LASTREF_TSAN_RW(1)
LASTREF_TSAN_RW(2)
LASTREF_TSAN_RW(4)
LASTREF_TSAN_RW(8)
LASTREF_TSAN_RW(16)
#undef LASTREF_TSAN_RW

void __tsan_read_range(void* a, unsigned long) {
  lk::plain_access(a, false, __builtin_return_address(0));
}
void __tsan_write_range(void* a, unsigned long) {
  lk::plain_access(a, true, __builtin_return_address(0));
}
void __tsan_init(void) {}
void __tsan_func_entry(void*) {}
void __tsan_func_exit(void) {}
void __tsan_vptr_update(void**, void*) {}
void __tsan_vptr_read(void**) {}
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

}  // extern "C"
