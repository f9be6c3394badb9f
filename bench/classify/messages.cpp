// The benchmarks' message loader; see messages.h. Reads everything up front with plain
// streams: loading is outside every timed region, so its speed does not matter.
#include "messages.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>

namespace backstop::bench {
namespace fs = std::filesystem;

namespace {

bool read_whole(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool skipped_extension(const fs::path& p) {
  static constexpr std::array<std::string_view, 12> kSkip = {".json", ".tsv", ".md",   ".expected",
                                                             ".yaml", ".yml", ".toml", ".py",
                                                             ".sh",   ".pl",  ".cpp",  ".h"};
  std::string ext = p.extension().string();
  return std::find(kSkip.begin(), kSkip.end(), ext) != kSkip.end();
}

}  // namespace

std::vector<std::string> read_file_list(const std::string& list_file, std::string* error) {
  std::vector<std::string> paths;
  std::ifstream in(list_file);
  if (!in) {
    if (error) *error = "cannot read file list " + list_file;
    return paths;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    paths.push_back(line);
  }
  return paths;
}

std::vector<std::string> list_tree(const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || skipped_extension(p)) continue;
    paths.push_back(p.string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

MessageSet load_paths(const std::vector<std::string>& paths, const std::string& source) {
  MessageSet set;
  set.source = source;
  set.paths.reserve(paths.size());
  set.raw.reserve(paths.size());
  std::string data;
  for (const auto& path : paths) {
    if (!read_whole(path, data)) {
      std::cerr << "bench: skipping unreadable " << path << "\n";
      continue;
    }
    set.bytes += data.size();
    set.paths.push_back(path);
    set.raw.push_back(std::move(data));
    data.clear();
  }
  return set;
}

MessageSet load_dir_or_list(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return load_paths(list_tree(path), path);
  std::string error;
  std::vector<std::string> paths = read_file_list(path, &error);
  if (!error.empty()) std::cerr << "bench: " << error << "\n";
  return load_paths(paths, path);
}

}  // namespace backstop::bench
