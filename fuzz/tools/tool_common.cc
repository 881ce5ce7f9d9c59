// SPDX-License-Identifier: MIT
// Shared plumbing of the fuzz tools (tool_common.h).
#include "tool_common.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "../registry.h"

namespace lastref::fuzz::tools {

namespace fs = std::filesystem;

std::vector<uint8_t> read_input(const fs::path& path) {
  if (path.empty()) throw usage_error("FILE is an empty path: give the fuzz input to read");
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw usage_error(path.string() + ": no such file");
  if (fs::is_directory(st))
    throw usage_error(path.string() +
                      " is a directory: give one input file (to run a whole corpus, run the "
                      "fuzz target on the directory)");
  if (!fs::is_regular_file(st)) throw usage_error(path.string() + ": not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw usage_error(path.string() + ": cannot read its size: " + ec.message());
  if (size > max_input_size)
    throw usage_error(path.string() + ": " + std::to_string(size) +
                      " bytes is too large for a fuzz input (at most 1 MiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path.string() + ": cannot open for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw usage_error(path.string() + ": read error");
  return bytes;
}

std::string target_list() {
  std::string out;
  for (int i = 0; i < target_count; ++i) {
    if (i) out += ", ";
    out += target_name(static_cast<target_kind>(i));
  }
  return out;
}

target_kind resolve_target(const std::optional<std::string>& name, const fs::path& path) {
  if (name) {
    if (auto t = target_from_name(*name)) return *t;
    throw usage_error("unknown target '" + *name + "' (targets: " + target_list() + ")");
  }
  if (path.empty()) throw usage_error("FILE is an empty path: give the fuzz input to read");
  std::error_code ec;
  // Non-throwing: with a deleted working directory, absolute() of a
  // relative path fails (it used to escape as filesystem_error: SIGABRT).
  const fs::path abs = fs::absolute(path, ec);
  if (ec)
    throw usage_error("cannot resolve " + path.string() + " (" + ec.message() +
                      "; has the current directory been deleted?): give an absolute path");
  for (const auto& part : abs.parent_path())
    if (auto t = target_from_name(part.string()); t && part.string().ends_with("_fuzzer"))
      return *t;
  throw usage_error("cannot tell which target " + path.string() +
                    " belongs to: pass --target NAME (" + target_list() + ")");
}

void init_runtime(const std::optional<std::string>& zoo) {
  if (zoo) ::setenv("LASTREF_ZOO", zoo->c_str(), 1);
  select_from_environment();
}

scenario decode_checked(target_kind t, const std::vector<uint8_t>& bytes, bool pad,
                        const std::string& what) {
  if (bytes.empty() && !pad)
    throw usage_error(what +
                      " is empty: a scenario starts with its configuration bytes "
                      "(--pad replays it as the fuzzer does, all zeros)");
  scenario s = decode(t, bytes);
  if (s.header_missing != 0 && !pad)
    throw usage_error(what + " is truncated: it ends inside the scenario header, which needs " +
                      std::to_string(s.header_bytes + s.header_missing) + " bytes; it has " +
                      std::to_string(bytes.size()) +
                      ". The fuzzer reads missing bytes as 0; --pad replays it that way.");
  return s;
}

void add_input_options(CLI::App& app, input_options& o) {
  app.add_option_function<std::string>(
         "--target",
         [&o](const std::string& v) {
           if (v.empty()) throw CLI::ValidationError("--target", "needs a target name");
           o.target = v;
         },
         "kref_fuzzer, completion_fuzzer, module_unload_fuzzer or mixed_fuzzer; default: a "
         "directory of that name in FILE's path")
      ->type_name("NAME");
  app.add_option_function<std::string>(
         "--zoo",
         [&o](const std::string& v) {
           if (v.empty()) throw CLI::ValidationError("--zoo", "needs a zoo variant name");
           o.zoo = v;
         },
         "run the zoo implementation set NAME (as LASTREF_ZOO=NAME)")
      ->type_name("NAME");
  app.add_flag("--pad", o.pad,
               "accept a file that ends inside the scenario header, reading the missing bytes as "
               "0 as the fuzzer does");
  app.add_option("FILE", o.files, "the fuzz input (corpus or crash file), at most 1 MiB");
}

const std::string& checked_file(const input_options& o) {
  if (o.files.empty()) throw usage_error("no FILE given");
  if (o.files.size() > 1)
    throw usage_error("one FILE at a time (got " + o.files[0] + " and " + o.files[1] + ")");
  return o.files.front();
}

void write_atomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw usage_error(path.string() + " is a directory: give a file name to write");
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    o.close();
    if (!o) {
      fs::remove(tmp, ec);
      throw usage_error("cannot write " + path.string());
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw usage_error("cannot write " + path.string() + ": " + ec.message());
  }
}

}  // namespace lastref::fuzz::tools
