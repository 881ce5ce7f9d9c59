// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo operation counts — how often each operation of a user's
// primitive ran, so a run that "found nothing" also says what it never
// tried: an operation no scenario executed can hide any bug.
//
// Contract: counted_<kind>_of<T>::type<P> is the user's T<P> with every
// operation of the kind's concept (lastref/concepts.h; a kref's put_lock
// when it has one) counted and forwarded unchanged; lastref_add_primitive
// registers it in place of T. report_op_counts<Ops>(name, out) prints one
// line per operation and a WARNING line per operation never executed, and,
// when `out` names a file, writes them as JSON:
//   {"primitive": NAME, "kind": KIND, "operations": {"op": count, ...},
//    "never_executed": ["op", ...]}
// (operations the type does not have are left out of both). The generated
// fuzz and stress mains call it at exit; the CTest driver reads the file.
//
// Lifetime rule: the counts are process-wide and live until exit.
//
// Memory ordering: the counters are std::atomic, relaxed: under the model
// they are not the model's atomics, so they add no step, no decision and no
// happens-before; on real threads (the stress job, TSan) they order nothing.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

#include <lastref/concepts.h>

namespace lastref::byo {

// One table per kind: names in the order of the counters.
struct kref_ops {
  static constexpr const char* kind = "kref";
  static constexpr std::array<const char*, 6> names{"read", "get",       "get_unless_zero",
                                                    "put",  "put_mutex", "put_lock"};
  enum : std::size_t { read, get, get_unless_zero, put, put_mutex, put_lock };
};
struct refcount_ops {
  static constexpr const char* kind = "refcount";
  static constexpr std::array<const char*, 5> names{"read", "set", "inc", "inc_not_zero",
                                                    "dec_and_test"};
  enum : std::size_t { read, set, inc, inc_not_zero, dec_and_test };
};
struct completion_ops {
  static constexpr const char* kind = "completion";
  static constexpr std::array<const char*, 7> names{"complete", "complete_all", "wait",  "wait_for",
                                                    "try_wait", "done",         "reinit"};
  enum : std::size_t { complete, complete_all, wait, wait_for, try_wait, done, reinit };
};
struct module_ops {
  static constexpr const char* kind = "module";
  static constexpr std::array<const char*, 9> names{"mark_live", "try_get", "get",
                                                    "put",       "unload",  "state",
                                                    "refcount",  "text",    "residency_scope"};
  enum : std::size_t {
    mark_live,
    try_get,
    get,
    put,
    unload,
    state,
    refcount,
    text,
    residency_scope
  };
};

template <class Ops>
struct op_table {
  static inline std::array<std::atomic<std::uint64_t>, Ops::names.size()> count{};
  // false for an optional operation the type lacks (set by the wrapper).
  static inline std::array<bool, Ops::names.size()> present = [] {
    std::array<bool, Ops::names.size()> p{};
    p.fill(true);
    return p;
  }();
  static void hit(std::size_t op) noexcept { count[op].fetch_add(1, std::memory_order_relaxed); }
};

// ------------------------------------------------------------------ wrappers

template <template <class> class K>
struct counted_kref_of {
  template <class P>
  class type : public K<P> {
    using base = K<P>;
    using t = op_table<kref_ops>;
    // The release callback receives the wrapper, as it would the user's type.
    template <class R>
    static auto as_type(R& release) {
      return [&release](base& b) { release(static_cast<type&>(b)); };
    }

   public:
    type() { t::present[kref_ops::put_lock] = has_put_lock; }
    decltype(auto) read() const {
      t::hit(kref_ops::read);
      return base::read();
    }
    void get() {
      t::hit(kref_ops::get);
      base::get();
    }
    bool get_unless_zero() {
      t::hit(kref_ops::get_unless_zero);
      return base::get_unless_zero();
    }
    template <class R>
    bool put(R&& release) {
      t::hit(kref_ops::put);
      return base::put(as_type(release));
    }
    template <class R, class L>
    bool put_mutex(R&& release, L& lock) {
      t::hit(kref_ops::put_mutex);
      return base::put_mutex(as_type(release), lock);
    }
    template <class R, class L>
    requires requires(base& b, L& l) {
      b.put_lock([](base&) {}, l);
    }
    bool put_lock(R&& release, L& lock) {
      t::hit(kref_ops::put_lock);
      return base::put_lock(as_type(release), lock);
    }

   private:
    static constexpr bool has_put_lock = requires(base & b, std::mutex& m) {
      b.put_lock([](base&) {}, m);
    };
  };
};

template <template <class> class R>
struct counted_refcount_of {
  template <class P>
  class type : public R<P> {
    using base = R<P>;
    using t = op_table<refcount_ops>;

   public:
    type() = default;
    explicit type(int n) : base(n) {}
    decltype(auto) read() const {
      t::hit(refcount_ops::read);
      return base::read();
    }
    void set(int n) {
      t::hit(refcount_ops::set);
      base::set(n);
    }
    void inc() {
      t::hit(refcount_ops::inc);
      base::inc();
    }
    bool inc_not_zero() {
      t::hit(refcount_ops::inc_not_zero);
      return base::inc_not_zero();
    }
    bool dec_and_test() {
      t::hit(refcount_ops::dec_and_test);
      return base::dec_and_test();
    }
  };
};

template <template <class> class C>
struct counted_completion_of {
  template <class P>
  class type : public C<P> {
    using base = C<P>;
    using t = op_table<completion_ops>;

   public:
    type() = default;
    void complete() {
      t::hit(completion_ops::complete);
      base::complete();
    }
    void complete_all() {
      t::hit(completion_ops::complete_all);
      base::complete_all();
    }
    void wait() {
      t::hit(completion_ops::wait);
      base::wait();
    }
    template <class D>
    bool wait_for(D timeout) {
      t::hit(completion_ops::wait_for);
      return base::wait_for(timeout);
    }
    bool try_wait() {
      t::hit(completion_ops::try_wait);
      return base::try_wait();
    }
    bool done() const {
      t::hit(completion_ops::done);
      return base::done();
    }
    void reinit() {
      t::hit(completion_ops::reinit);
      base::reinit();
    }
  };
};

template <template <class> class M>
struct counted_module_of {
  template <class P>
  class type : public M<P> {
    using base = M<P>;
    using t = op_table<module_ops>;

   public:
    using base::base;
    // Entering the module's text: the user's scope, counted.
    class residency_scope : public base::residency_scope {
     public:
      explicit residency_scope(type& m) : base::residency_scope(m) {
        t::hit(module_ops::residency_scope);
      }
    };
    void mark_live() {
      t::hit(module_ops::mark_live);
      base::mark_live();
    }
    bool try_get() {
      t::hit(module_ops::try_get);
      return base::try_get();
    }
    void get() {
      t::hit(module_ops::get);
      base::get();
    }
    void put() {
      t::hit(module_ops::put);
      base::put();
    }
    template <class... A>
    unload_result unload(A&&... a) {
      t::hit(module_ops::unload);
      return base::unload(std::forward<A>(a)...);
    }
    module_state state() const {
      t::hit(module_ops::state);
      return base::state();
    }
    decltype(auto) refcount() const {
      t::hit(module_ops::refcount);
      return base::refcount();
    }
    const void* text() const {
      t::hit(module_ops::text);
      return base::text();
    }
  };
};

// ------------------------------------------------------------------ report

inline std::string op_json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// Prints the counts (stderr) and writes them to `out` when it is not empty.
// Returns how many present operations never ran.
template <class Ops>
int report_op_counts(const std::string& name, const std::string& out) {
  using t = op_table<Ops>;
  std::string line = "lastref: operations of " + name + " executed:";
  std::string ops_json, never_json;
  int never = 0;
  for (std::size_t i = 0; i < Ops::names.size(); ++i) {
    if (!t::present[i]) continue;
    const std::uint64_t n = t::count[i].load(std::memory_order_relaxed);
    line += std::string(" ") + Ops::names[i] + "=" + std::to_string(n);
    ops_json +=
        (ops_json.empty() ? "" : ", ") + op_json_string(Ops::names[i]) + ": " + std::to_string(n);
    if (n == 0) {
      ++never;
      never_json += (never_json.empty() ? "" : ", ") + op_json_string(Ops::names[i]);
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  for (std::size_t i = 0; i < Ops::names.size(); ++i)
    if (t::present[i] && t::count[i].load(std::memory_order_relaxed) == 0)
      std::fprintf(stderr,
                   "lastref: WARNING: %s's %s was never executed: no scenario of this run "
                   "reached it, so a bug in it cannot have been found\n",
                   name.c_str(), Ops::names[i]);
  if (!out.empty()) {
    if (std::FILE* f = std::fopen(out.c_str(), "w")) {
      std::fprintf(f,
                   "{\"primitive\": %s, \"kind\": %s, \"operations\": {%s}, "
                   "\"never_executed\": [%s]}\n",
                   op_json_string(name).c_str(), op_json_string(Ops::kind).c_str(),
                   ops_json.c_str(), never_json.c_str());
      std::fclose(f);
    } else {
      std::fprintf(stderr, "lastref: cannot write the operation counts to %s\n", out.c_str());
    }
  }
  return never;
}

}  // namespace lastref::byo
