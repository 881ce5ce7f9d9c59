// SPDX-License-Identifier: MIT
// lastref-gen-corpus: writes the checked-in seed corpora and dictionaries.
//
//   lastref-gen-corpus FUZZ_DIR
//
// writes FUZZ_DIR/corpus/<target>/<seed> (hand-written protocol scenarios,
// each with a few schedules), FUZZ_DIR/dicts/<target>.dict (the op bytes
// and common op pairs of the target) and FUZZ_DIR/regressions/
// module_release_immediate (DESIGN.md's two-thread program with the first
// schedule, in a fixed enumeration, on which zoo set module_release_immediate
// fails; the correct set passes it). Deterministic: re-running it on an
// unchanged decoder rewrites identical files. Every seed is checked to run
// clean with the correct implementations before it is written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../registry.h"
#include "tool_common.h"

namespace {

using namespace lastref::fuzz;
using lastref::release_placement;
using lastref::unload_policy;
namespace fs = std::filesystem;
using enum op_code;

struct seed {
  std::string name;
  program_spec spec;
};

using prog = std::vector<std::pair<op_code, uint8_t>>;

program_spec make(int threads, std::initializer_list<prog> progs) {
  program_spec s;
  s.threads = threads;
  size_t t = 0;
  for (const auto& p : progs) s.programs[t++] = p;
  return s;
}

std::vector<seed> seeds_for(target_kind t) {
  std::vector<seed> out;
  auto add = [&](std::string name, program_spec s) { out.push_back({std::move(name), s}); };
  const bool objects = t != target_kind::completion;
  const bool module = t == target_kind::module_unload || t == target_kind::mixed;
  const bool completions = t == target_kind::completion || t == target_kind::mixed;
  if (objects) {
    add("lookup-put-vs-release", make(2, {{{lookup, 0}, {put, 0}}, {{release_object, 0}}}));
    add("get-put-mutex-three", make(3, {{{lookup, 0}, {get, 0}, {put, 0}, {put, 0}},
                                        {{lookup, 0}, {put_mutex, 0}},
                                        {{release_object, 4}}}));
    auto two = make(2, {{{lookup, 0}, {lookup, 1}, {put, 0}, {put_mutex, 1}},
                        {{release_object, 0}, {release_object, 5}}});
    two.two_objects = true;
    add("two-objects", two);
    add("get-unless-zero-held",
        make(2, {{{lookup, 0}, {get_unless_zero, 0}, {put, 0}, {put_mutex, 0}},
                 {{lookup, 0}, {release_object, 0}}}));
  }
  if (module) {
    for (int pl = 0; pl < 2; ++pl)
      for (int po = 0; po < 2; ++po) {
        auto s = make(2, {{{lookup, 0}, {put, 0}}, {{unload, 0}}});
        s.release = pl ? release_placement::module : release_placement::builtin;
        s.policy = po ? unload_policy::drain_residency : unload_policy::immediate;
        if (s.release == release_placement::module && s.policy == unload_policy::immediate)
          continue;
        add(std::string("unload-vs-last-put-") + (pl ? "module" : "builtin") + "-" +
                (po ? "drain" : "immediate"),
            s);
      }
    add("kthread-put-and-exit", make(3, {{{module_try_get, 0}, {exit_thread_safely, 0}},
                                         {{unload, 0}, {unload, 0}},
                                         {{lookup, 0}, {put, 0}}}));
    auto k = make(2, {{{module_try_get, 0}, {lookup, 0}, {exit_thread_safely, 4}},
                      {{unload, 0}, {module_try_get, 0}, {unload, 0}}});
    k.release = release_placement::module;
    k.policy = unload_policy::drain_residency;
    add("kthread-complete-and-exit", k);
    add("pinned-unload",
        make(2, {{{module_try_get, 0}, {lookup, 0}, {module_put, 0}, {put_mutex, 0}},
                 {{unload, 0}, {release_object, 0}, {unload, 0}}}));
  }
  if (completions) {
    auto os = make(2, {{{complete, 0}}, {{wait, 0}}});
    os.on_stack = true;
    add("on-stack-complete-wait", os);
    add("complete-all-two-waiters",
        make(3, {{{complete_all, 0}}, {{wait, 0}}, {{wait, 0}, {try_wait, 0}}}));
    auto pp = make(2, {{{complete, 0}, {wait, 1}}, {{wait, 0}, {complete, 1}}});
    pp.two_completions = true;
    add("ping-pong", pp);
    auto mix = make(3, {{{try_wait, 0}, {reinit, 0}, {complete, 0}, {wait, 0}},
                        {{wait_for, 1}, {wait, 1}},
                        {{complete, 1}, {complete, 1}}});
    mix.two_completions = true;
    add("private-reinit-and-timeouts", mix);
  }
  if (t == target_kind::mixed) {
    auto m = make(3, {{{lookup, 0}, {complete, 0}, {put, 0}},
                      {{wait, 0}, {unload, 0}},
                      {{module_try_get, 0}, {lookup, 0}, {module_put, 0}}});
    m.release = release_placement::module;
    m.policy = unload_policy::drain_residency;
    add("object-signals-unloader", m);
  }
  return out;
}

// A few schedules per seed: bytes_source (run-length, choice) pairs.
const std::vector<std::vector<uint8_t>> k_schedules = {
    {}, {0, 1}, {3, 1, 2, 1}, {1, 1, 1, 1, 1, 1, 1, 1}, {6, 1, 4, 2, 9, 1}};

void write_file(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream o(p, std::ios::binary);
  o.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!o) throw tools::usage_error("cannot write " + p.string());
}

void write_dict(const fs::path& p, target_kind t) {
  std::ofstream o(p);
  o << "# " << target_name(t) << ": op bytes (bits 0-4 op, 5-7 argument) and common pairs.\n"
    << "# Generated by lastref-gen-corpus; see fuzz/README.md \"Scenario format\".\n";
  const auto table = target_ops(t);
  char buf[64];
  for (size_t i = 0; i < table.size(); ++i) {
    for (int arg : {0, 1, 4}) {
      std::snprintf(buf, sizeof buf, "op_%s_%d=\"\\x%02x\"\n",
                    std::string(op_name(table[i])).c_str(), arg,
                    static_cast<unsigned>(i | (static_cast<unsigned>(arg) << 5)));
      o << buf;
    }
  }
  auto index = [&](op_code c) -> int {
    for (size_t i = 0; i < table.size(); ++i)
      if (table[i] == c) return static_cast<int>(i);
    return -1;
  };
  const std::pair<op_code, op_code> pairs[] = {{lookup, put},
                                               {lookup, put_mutex},
                                               {complete, wait},
                                               {module_try_get, module_put},
                                               {module_try_get, exit_thread_safely},
                                               {get, put},
                                               {wait, complete}};
  for (const auto& [a, b] : pairs) {
    if (index(a) < 0 || index(b) < 0) continue;
    // A one-op program then a two-op program: length bytes included.
    std::snprintf(buf, sizeof buf, "pair_%s_%s=\"\\x02\\x%02x\\x%02x\"\n",
                  std::string(op_name(a)).c_str(), std::string(op_name(b)).c_str(), index(a),
                  index(b));
    o << buf;
  }
  o << "preempt_now=\"\\x00\\x01\"\npreempt_later=\"\\x04\\x01\"\n";
  if (!o) throw tools::usage_error("cannot write " + p.string());
}

// Enumerates short schedules (run-length, choice) pairs in a fixed order.
// `c11`: the input's memory-model bit. The sc file stands for every crash
// file made before the c11 model (bit 7 clear): it must keep replaying.
void write_reference_regression(const fs::path& dir, bool c11, const char* name) {
  program_spec spec;
  spec.c11 = c11;
  spec.threads = 2;
  spec.release = release_placement::module;
  spec.programs[0] = {{lookup, 0}, {put, 0}};
  spec.programs[1] = {{unload, 0}};
  const impl_entry* zoo = find_impl("module_release_immediate");
  if (zoo == nullptr) throw tools::usage_error("zoo set module_release_immediate not registered");
  for (unsigned a = 0; a < 64; ++a)
    for (unsigned b = 0; b < 64; ++b)
      for (unsigned c = 0; c < 64; ++c) {
        const std::vector<uint8_t> sched = {static_cast<uint8_t>(a), 1, static_cast<uint8_t>(b), 1,
                                            static_cast<uint8_t>(c), 1};
        const auto bytes = encode(target_kind::module_unload, spec, sched);
        scenario s = decode(target_kind::module_unload, bytes);
        adapt_to_impl(s, *zoo);
        if (zoo->run(s, run_request{}).kind != lastref::model::failure_kind::unloaded_text)
          continue;
        fs::create_directories(dir);
        write_file(dir / name, bytes);
        std::printf("regressions/%s: schedule %u 1 %u 1 %u 1\n", name, a, b, c);
        return;
      }
  throw tools::usage_error("no schedule reproduces the reference bug: the zoo set is broken");
}

int run(int argc, char** argv) {
  CLI::App app{
      "Regenerates the seed corpora, dictionaries and reference-bug regression inputs "
      "of lastref's fuzz folder (FUZZ_DIR/corpus, dicts, regressions).",
      "lastref-gen-corpus"};
  std::string fuzz_dir;
  lastref::cli::add_text(app, "fuzz_dir", fuzz_dir, "the project's fuzz/ folder", "FUZZ_DIR")
      ->required();
  lastref::cli::parse(app, argc, argv);
  const fs::path root = fuzz_dir;
  // It deletes and rewrites corpus/<target> folders: refuse anything that is
  // not lastref's fuzz folder (it holds kref_fuzzer.cc), so a
  // stray argument cannot become a folder full of seeds or wipe one.
  std::error_code ec;
  if (!fs::is_directory(root, ec) || !fs::exists(root / "kref_fuzzer.cc", ec))
    lastref::cli::usage_error(app, "'" + fuzz_dir +
                                       "' is not lastref's fuzz folder (no kref_fuzzer.cc in it); "
                                       "give the path of fuzz/");
  tools::init_runtime(std::nullopt);
  for (int i = 0; i < target_count; ++i) {
    const auto t = static_cast<target_kind>(i);
    const fs::path dir = root / "corpus" / std::string(target_name(t));
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::create_directories(root / "dicts");
    size_t n = 0;
    for (const auto& sd : seeds_for(t)) {
      for (size_t k = 0; k < k_schedules.size(); ++k) {
        const auto bytes = encode(t, sd.spec, k_schedules[k]);
        scenario s = decode(t, bytes);
        const impl_entry& impl = impl_for(s);
        adapt_to_impl(s, impl);
        const auto r = impl.run(s, run_request{});
        if (r.failed())
          throw tools::usage_error("seed " + sd.name + " fails with correct primitives:\n" +
                                   print(s, impl.name) + r.report());
        write_file(dir / (sd.name + "-s" + std::to_string(k)), bytes);
        ++n;
      }
    }
    write_dict(root / "dicts" / (std::string(target_name(t)) + ".dict"), t);
    std::printf("%s: %zu seeds\n", std::string(target_name(t)).c_str(), n);
  }
  write_reference_regression(root / "regressions", true, "module_release_immediate");
  write_reference_regression(root / "regressions", false, "module_release_immediate_sc");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const tools::usage_error& e) {
    std::fprintf(stderr, "lastref-gen-corpus: %s\n", e.what());
    return 2;
  }
}
