// Loads the messages the classifier benchmarks run over into memory, so that timing sees no
// file I/O. Input is a directory (read recursively) or a file list (one path per line).
// Files are trusted to exist and be readable; ones that are not are reported and skipped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace backstop::bench {

struct MessageSet {
  std::vector<std::string> paths;
  std::vector<std::string> raw;  // raw[i] holds the bytes of paths[i]
  size_t bytes = 0;
  std::string source;  // what was loaded, for the report
  size_t size() const { return raw.size(); }
};

// One path per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> read_file_list(const std::string& list_file, std::string* error);

// Every regular file under dir (sorted, so runs are comparable), except hidden files and ones
// whose extension says they are not a message (expected outputs, label tables, docs, scripts).
std::vector<std::string> list_tree(const std::string& dir);

MessageSet load_paths(const std::vector<std::string>& paths, const std::string& source);

// A directory, or else a file list.
MessageSet load_dir_or_list(const std::string& path);

}  // namespace backstop::bench
