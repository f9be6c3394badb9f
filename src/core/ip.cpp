// IP address values; see ip.h. inet_pton/inet_ntop are libc's pure converters.
#include "core/ip.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

#include "core/text.h"

namespace backstop::core {

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (istarts_with(text, "ipv6:")) text.remove_prefix(5);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(ip.bytes.data(), kMapped, 12) == 0) {
      std::memmove(ip.bytes.data(), ip.bytes.data() + 12, 4);
      std::memset(ip.bytes.data() + 4, 0, 12);
      return ip;
    }
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

bool is_special_purpose(const IpAddress& ip) {
  const auto& b = ip.bytes;
  if (!ip.v6) {
    if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224) return true;
    if (b[0] == 100 && (b[1] & 0xc0) == 64) return true;   // 100.64/10 shared
    if (b[0] == 169 && b[1] == 254) return true;           // link local
    if (b[0] == 172 && (b[1] & 0xf0) == 16) return true;   // 172.16/12
    if (b[0] == 192 && b[1] == 168) return true;
    if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2)) return true;
    if (b[0] == 198 && (b[1] == 18 || b[1] == 19)) return true;  // benchmarking
    if (b[0] == 198 && b[1] == 51 && b[2] == 100) return true;   // TEST-NET-2
    if (b[0] == 203 && b[1] == 0 && b[2] == 113) return true;    // TEST-NET-3
    return false;
  }
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(b.data(), kZero, 15) == 0) return true;  // :: and ::1
  if ((b[0] & 0xfe) == 0xfc) return true;                   // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;   // fe80::/10 link local
  if (b[0] == 0xff) return true;                            // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // doc
  return false;
}

std::optional<IpAddress> find_ip(std::string_view text) {
  auto is_ip_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == '.' || c == ':';
  };
  size_t i = 0;
  while (i < text.size()) {
    if (!is_ip_char(text[i]) || (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) ||
                                           text[i - 1] == '-' || text[i - 1] == '_'))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_ip_char(text[j])) ++j;
    bool boundary = j == text.size() || !(std::isalnum(static_cast<unsigned char>(text[j])) ||
                                          text[j] == '-' || text[j] == '_');
    std::string_view token = text.substr(i, j - i);
    while (!token.empty() && (token.back() == '.' || token.back() == ':')) token.remove_suffix(1);
    if (boundary && token.size() >= 3 &&
        (token.find('.') != std::string_view::npos || token.find(':') != std::string_view::npos)) {
      if (auto ip = parse_ip(token)) return ip;
    }
    i = j;
  }
  return std::nullopt;
}

}  // namespace backstop::core
