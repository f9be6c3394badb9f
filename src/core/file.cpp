// See file.h.
#include "core/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace backstop::core {

std::optional<std::string> read_small_file(const std::string& path, size_t max_bytes,
                                           std::string& out) {
  out.clear();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string(std::strerror(errno));
  char buf[4096];
  size_t n = 0;
  bool too_big = false;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > max_bytes) {
      too_big = true;
      break;
    }
  }
  const bool read_error = std::ferror(f) != 0;
  const int saved_errno = errno;
  std::fclose(f);
  if (read_error) return std::string(std::strerror(saved_errno));
  if (too_big) return "larger than " + std::to_string(max_bytes) + " bytes";
  return std::nullopt;
}

}  // namespace backstop::core
