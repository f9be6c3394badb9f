// Reading a small file whole (key files, lists), with a size cap: the one place this is done.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace backstop::core {

// Reads path into out. Returns why not ("No such file or directory", "larger than N bytes"),
// or nullopt when it was read.
std::optional<std::string> read_small_file(const std::string& path, size_t max_bytes,
                                           std::string& out);

}  // namespace backstop::core
