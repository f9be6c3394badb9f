// MessageBuffer; see message_buffer.h.
#include "net/message_buffer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>

namespace backstop::net {

MessageBuffer::~MessageBuffer() {
  if (file_) std::fclose(file_);
}

void MessageBuffer::reset() {
  memory_.clear();
  if (memory_.capacity() > memory_limit_) memory_.shrink_to_fit();
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  size_ = 0;
}

bool MessageBuffer::append(std::string_view bytes) {
  if (!file_ && memory_.size() + bytes.size() > memory_limit_) {
    // Spill: an unnamed file in the spool directory (O_TMPFILE where the filesystem has it,
    // else a named one unlinked at once).
    int fd = ::open(spool_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::string tmpl = spool_dir_ + "/backstop.XXXXXX";
      fd = ::mkstemp(tmpl.data());
      if (fd >= 0) ::unlink(tmpl.c_str());
    }
    if (fd < 0) return false;
    file_ = ::fdopen(fd, "w+b");
    if (!file_) {
      ::close(fd);
      return false;
    }
    if (!memory_.empty() && std::fwrite(memory_.data(), 1, memory_.size(), file_) != memory_.size())
      return false;
    memory_.clear();
    memory_.shrink_to_fit();
  }
  if (file_) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) return false;
  } else {
    memory_.append(bytes);
  }
  size_ += bytes.size();
  return true;
}

std::string MessageBuffer::head(size_t n) const {
  if (!file_) return memory_.substr(0, n);
  std::string out(std::min(n, size_), '\0');
  std::fflush(file_);
  ssize_t got = ::pread(fileno(file_), out.data(), out.size(), 0);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

bool MessageBuffer::for_each_chunk(const std::function<bool(std::string_view)>& fn) const {
  if (!file_) return fn(memory_);
  std::fflush(file_);
  std::string chunk(64 * 1024, '\0');
  off_t offset = 0;
  while (static_cast<size_t>(offset) < size_) {
    ssize_t n = ::pread(fileno(file_), chunk.data(), chunk.size(), offset);
    if (n <= 0) return false;
    if (!fn(std::string_view(chunk.data(), static_cast<size_t>(n)))) return false;
    offset += n;
  }
  return true;
}

}  // namespace backstop::net
