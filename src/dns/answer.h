// The DNS answer path: one query message in, one response message out, for the DNSBL/DNSWL
// zones (RFC 1035, RFC 5782, RFC 6891 EDNS(0), RFC 8482 ANY, RFC 2308 negative answers).
// Pure and allocation-free: no I/O, time as an argument. The query is untrusted network input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/zone_data.h"
#include "dns/zones.h"

namespace backstop::dns {

// Response codes, RFC 1035 4.1.1 and RFC 6891 (BADVERS, an extended code carried in the OPT).
enum class Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kBadVers = 16,
};

// Resource record types the codec reads or writes.
namespace rrtype {
constexpr uint16_t kA = 1;
constexpr uint16_t kNs = 2;
constexpr uint16_t kSoa = 6;
constexpr uint16_t kTxt = 16;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kOpt = 41;
constexpr uint16_t kIxfr = 251;
constexpr uint16_t kAxfr = 252;
constexpr uint16_t kAny = 255;
}  // namespace rrtype

constexpr size_t kHeaderSize = 12;
constexpr size_t kPlainUdpSize = 512;  // without EDNS (RFC 1035 4.2.1)
constexpr size_t kMaxMessage = 65535;  // TCP (RFC 1035 4.2.2 length prefix)
constexpr size_t kMaxTxtText = 1024;   // longer listing texts are cut

struct AnswerResult {
  size_t size = 0;  // octets written to out; 0 = send nothing (a response, or under 12 octets)
  Rcode rcode = Rcode::kNoError;
  bool truncated = false;  // TC set: the answer did not fit (UDP) and was left out
  bool nodata = false;     // NOERROR without an answer record
};

// Answers `query`. Over UDP the response fits in 512 octets, or in the smaller of the client's
// and our EDNS UDP size when the query has an OPT record; over TCP in 65535 octets; and always
// in `out` (give it at least Zones' udp_size, or 65535 for TCP).
AnswerResult answer(std::span<const uint8_t> query, std::span<uint8_t> out, bool tcp,
                    const ZoneData& data, const Zones& zones, int64_t now);

}  // namespace backstop::dns
