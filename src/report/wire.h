// The signed UDP report packet (docs/report-protocol.md has the byte layout): a node tells the
// others which addresses it saw doing what. Encoding signs with HMAC-SHA256; decoding only
// parses, trusting no length, and leaves the checks of key, MAC, time and nonce to Verifier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "report/keys.h"

namespace backstop::report {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kMaxPacket = 1232;  // fits any IPv6 path without fragments (RFC 8200)
inline constexpr size_t kMaxNode = 64;
inline constexpr size_t kMaxReason = 32;
inline constexpr size_t kMaxEntries = 255;
inline constexpr size_t kMacSize = 32;

using Nonce = std::array<uint8_t, 16>;

struct ReportEntry {
  core::IpAddress address;  // bits below prefix are zero on the wire
  int prefix = 32;          // 0-32 for IPv4, 0-128 for IPv6
  std::string reason;       // a token of at most kMaxReason bytes, e.g. "backscatter"
  bool operator==(const ReportEntry&) const = default;
};

struct Report {
  std::string key_id;                // which key signs it (a token, at most kMaxKeyId bytes)
  std::string node;                  // the sending node (a token, at most kMaxNode bytes)
  int64_t timestamp = 0;             // Unix seconds when sent
  Nonce nonce{};                     // 16 random bytes, unique per packet
  std::vector<ReportEntry> entries;  // 1-kMaxEntries
  bool operator==(const Report&) const = default;
};

// Bytes one entry takes on the wire.
size_t entry_size(const ReportEntry& e);
// Bytes of a packet for this report (header, entries and MAC), whether or not it is valid.
size_t packet_size(const Report& r);

// Encodes and signs one packet with secret. nullopt (and *error) when a field is invalid
// (tokens, prefix, host bits set, no entries or more than kMaxEntries) or the packet would be
// larger than kMaxPacket.
std::optional<std::string> encode_report(const Report& report, std::string_view secret,
                                         std::string* error = nullptr);

// A source of nonces; nullopt when it cannot give an unpredictable one.
using NonceSource = std::function<std::optional<Nonce>()>;
// 16 bytes from OpenSSL's RAND_bytes (a CSPRNG); nullopt if it fails.
std::optional<Nonce> random_nonce();

// Encodes entries as as many packets as needed, each signed with key, carrying node and
// timestamp and its own nonce from nonces (random_nonce when empty). Empty result (and *error)
// when an entry is invalid, the nonce source fails, or entries is empty.
std::vector<std::string> encode_reports(const ReportKey& key, std::string_view node,
                                        int64_t timestamp, const std::vector<ReportEntry>& entries,
                                        const NonceSource& nonces = {},
                                        std::string* error = nullptr);

// A packet taken apart, not yet verified.
struct DecodedPacket {
  Report report;
  std::string_view signed_bytes;  // everything before the MAC (views into the packet)
  std::string_view mac;           // the last kMacSize bytes
};

// Parses a packet. nullopt (and *error) when anything is out of place: wrong magic or version,
// a length running past the end, a bad token, a prefix out of range, host bits set, bytes
// between the last entry and the MAC, or a packet over kMaxPacket.
std::optional<DecodedPacket> decode_report(std::string_view packet, std::string* error = nullptr);

}  // namespace backstop::report
