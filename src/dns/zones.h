// The zones the DNS server is authoritative for and their SOA/NS/TTL settings: ZonesConfig as
// the caller writes it, Zones as the codec uses it (validated, names in lower-case wire form,
// SOA and NS names pre-compressed against each apex). Immutable once made; swap it whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::dns {

struct ZonesConfig {
  // Zone apexes ("bl.example.org", a trailing dot allowed); empty = not served. Zones must be
  // distinct and not nested in one another.
  std::string block_zone;         // DNSBL: IPs, A 127.0.0.N and TXT (RFC 5782)
  std::string allow_zone;         // DNSWL: IPs, A 127.0.0.2
  std::string domain_allow_zone;  // DNSWL: domain names, A 127.0.0.2
  // Name servers of every zone: the NS records; the first is the SOA MNAME. At least one.
  std::vector<std::string> ns_hosts;
  // SOA RNAME: "hostmaster@example.org" or "hostmaster.example.org" (a local part with a dot
  // only in the dotted form's RFC 1035 escaped spelling is not supported).
  std::string hostmaster;
  uint32_t serial = 1;  // e.g. the start or reload time in seconds
  uint32_t refresh = 3600;
  uint32_t retry = 600;
  uint32_t expire = 604800;
  // SOA MINIMUM: how long resolvers cache "not listed" (RFC 2308). A negative answer's SOA
  // carries TTL min(minimum, soa_ttl).
  uint32_t minimum = 60;
  uint32_t ttl = 300;       // TTL of A and TXT answers (never beyond a listing's expiry)
  uint32_t soa_ttl = 3600;  // TTL of the SOA and NS records at the apex
  // The UDP payload size we advertise and accept in EDNS(0) (RFC 6891); 512..4096.
  uint16_t udp_size = 1232;
};

// A name in wire form relative to a zone apex: `head` bytes, then either a compression pointer
// to apex offset `tail` (the part both names share) or, when tail < 0, nothing (head ends with
// the root label).
struct ApexRelativeName {
  std::string head;
  int tail = -1;
};

enum class ZoneKind : uint8_t { kBlock, kAllowIp, kAllowDomain };

struct Zone {
  ZoneKind kind = ZoneKind::kBlock;
  std::string wire;  // lower case, ends with the root label
  int labels = 0;    // not counting the root
  ApexRelativeName mname;
  ApexRelativeName rname;
  std::vector<ApexRelativeName> ns;
};

class Zones {
 public:
  // Validates the config; nullopt and *error (when given) on a bad name or value.
  static std::optional<Zones> make(const ZonesConfig& config, std::string* error);

  const std::vector<Zone>& zones() const { return zones_; }
  const ZonesConfig& config() const { return config_; }

 private:
  ZonesConfig config_;
  std::vector<Zone> zones_;
};

// "Bl.Example.org." to lower-case wire form; nullopt unless every label is 1..63 letters,
// digits, '-' or '_' and the whole is at most 255 octets. "." and "" are the root.
std::optional<std::string> encode_name(std::string_view text);

}  // namespace backstop::dns
