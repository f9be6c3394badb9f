// Test helper: builds DNS response messages by hand (answers and an authority SOA), with an
// optional compression pointer back to the question name, for the response parser's tests and
// the fake name server of the resolver's tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/dns_test_util.h"

namespace backstop::dns::testing {

struct Record {
  std::string owner;  // "" : a pointer to the question name
  uint16_t type = 1;
  uint32_t ttl = 300;
  std::vector<uint8_t> rdata;
  uint16_t rclass = 1;
};

inline void put16(std::vector<uint8_t>& m, uint16_t v) {
  m.push_back(static_cast<uint8_t>(v >> 8));
  m.push_back(static_cast<uint8_t>(v));
}
inline void put32(std::vector<uint8_t>& m, uint32_t v) {
  put16(m, static_cast<uint16_t>(v >> 16));
  put16(m, static_cast<uint16_t>(v));
}

inline Record a_rr(const std::string& owner, std::vector<uint8_t> addr, uint32_t ttl = 300) {
  return Record{owner, static_cast<uint16_t>(addr.size() == 16 ? 28 : 1), ttl, std::move(addr)};
}
inline Record ptr_rr(const std::string& owner, const std::string& target, uint32_t ttl = 300) {
  return Record{owner, 12, ttl, wire_name(target)};
}
inline Record soa_rr(const std::string& owner, uint32_t ttl, uint32_t minimum) {
  Record r{owner, 6, ttl, wire_name("ns." + owner)};
  auto mbox = wire_name("hostmaster." + owner);
  r.rdata.insert(r.rdata.end(), mbox.begin(), mbox.end());
  for (uint32_t v : {2026112501u, 7200u, 900u, 1209600u, minimum}) put32(r.rdata, v);
  return r;
}

// A response with id, rcode, one question (qname, qtype), the answers and the authority.
inline std::vector<uint8_t> build_response(uint16_t id, const std::string& qname, uint16_t qtype,
                                           int rcode, const std::vector<Record>& answers,
                                           const std::vector<Record>& authority = {}) {
  std::vector<uint8_t> m;
  put16(m, id);
  m.push_back(0x81);                                // QR, RD
  m.push_back(static_cast<uint8_t>(0x80 | rcode));  // RA
  put16(m, 1);
  put16(m, static_cast<uint16_t>(answers.size()));
  put16(m, static_cast<uint16_t>(authority.size()));
  put16(m, 0);
  auto q = wire_name(qname);
  m.insert(m.end(), q.begin(), q.end());
  put16(m, qtype);
  put16(m, 1);
  for (const auto* section : {&answers, &authority})
    for (const Record& r : *section) {
      if (r.owner.empty()) {
        m.push_back(0xC0);
        m.push_back(12);
      } else {
        auto o = wire_name(r.owner);
        m.insert(m.end(), o.begin(), o.end());
      }
      put16(m, r.type);
      put16(m, r.rclass);
      put32(m, r.ttl);
      put16(m, static_cast<uint16_t>(r.rdata.size()));
      m.insert(m.end(), r.rdata.begin(), r.rdata.end());
    }
  return m;
}

}  // namespace backstop::dns::testing
