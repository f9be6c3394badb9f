// The incremental milter packet decoder; see decoder.h. Framing: a 4-octet big-endian length
// (of the code and the data, so at least 1), the command code, the data. The buffer is
// compacted lazily so that feeding one octet at a time stays linear.
#include "milter/decoder.h"

#include <utility>

#include "milter/wire.h"

namespace backstop::milter {

void Decoder::fail(std::string why) {
  error_ = std::move(why);
  buffer_.clear();
  start_ = 0;
}

bool Decoder::check_length() {
  if (buffered() < 4) return true;
  uint32_t len = 0;
  WireReader r(std::string_view(buffer_).substr(start_, 4));
  r.u32(len);
  if (len == 0) {
    fail("packet length 0");
    return false;
  }
  if (len > max_packet_) {
    fail("packet length " + std::to_string(len) + " over the limit of " +
         std::to_string(max_packet_));
    return false;
  }
  return true;
}

void Decoder::feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  // Drop what next() consumed before growing the buffer.
  if (start_ > 0 && (start_ == buffer_.size() || start_ >= buffer_.size() / 2)) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
  check_length();
}

Decoder::Status Decoder::next(Command& out) {
  if (failed()) return Status::kError;
  if (!check_length()) return Status::kError;
  if (buffered() < 5) return Status::kNeedMore;
  const std::string_view view = std::string_view(buffer_).substr(start_);
  uint32_t len = 0;
  WireReader(view).u32(len);
  if (view.size() - 4 < len) return Status::kNeedMore;
  const char code = view[4];
  ParsedCommand parsed = parse_command(code, view.substr(5, len - 1));
  if (auto* why = std::get_if<std::string>(&parsed)) {
    fail(std::move(*why));
    return Status::kError;
  }
  out = std::move(std::get<Command>(parsed));
  start_ += 4 + size_t{len};
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return Status::kCommand;
}

}  // namespace backstop::milter
