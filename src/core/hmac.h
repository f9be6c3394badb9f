// HMAC (RFC 2104) over OpenSSL: SHA-1 for BATV prvs tags, SHA-256 for signed reports.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace backstop::core {

std::array<uint8_t, 20> hmac_sha1(std::string_view key, std::string_view data);
std::array<uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const uint8_t* data, size_t n);
// Constant-time comparison, for checking signatures.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace backstop::core
