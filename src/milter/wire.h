// Byte-level helpers of the milter wire format, shared by the command and reply codecs:
// big-endian integers, NUL-terminated strings, and packet framing (u32 length covering the
// code and data, then the code, then the data). Reading is bounds-checked; writing appends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace backstop::milter {

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool u8(uint8_t& v) {
    if (data_.size() - pos_ < 1) return false;
    v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool u16(uint16_t& v) {
    if (data_.size() - pos_ < 2) return false;
    v = static_cast<uint16_t>(byte(0) << 8 | byte(1));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (data_.size() - pos_ < 4) return false;
    v = uint32_t{byte(0)} << 24 | uint32_t{byte(1)} << 16 | uint32_t{byte(2)} << 8 | byte(3);
    pos_ += 4;
    return true;
  }
  // A string up to (not including) the next NUL, which is consumed; false without a NUL.
  bool cstring(std::string& v) {
    const size_t nul = data_.find('\0', pos_);
    if (nul == std::string_view::npos) return false;
    v.assign(data_.substr(pos_, nul - pos_));
    pos_ = nul + 1;
    return true;
  }
  bool at_end() const { return pos_ == data_.size(); }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  uint8_t byte(size_t i) const { return static_cast<uint8_t>(data_[pos_ + i]); }
  std::string_view data_;
  size_t pos_ = 0;
};

inline void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
inline void put_u32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}
// The string up to its first NUL (a NUL inside cannot be sent), then NUL.
inline void put_cstring(std::string& out, std::string_view s) {
  out.append(s.substr(0, s.find('\0')));
  out.push_back('\0');
}
inline std::string make_packet(char code, std::string_view data) {
  std::string p;
  p.reserve(5 + data.size());
  put_u32(p, static_cast<uint32_t>(data.size() + 1));
  p.push_back(code);
  p.append(data);
  return p;
}

}  // namespace backstop::milter
