// JSON serialisation of Classification; see json.h. Keys are documented in docs/classify.md.
#include "classify/json.h"

namespace backstop::classify {

namespace {

// Messages are untrusted bytes; JSON must be valid UTF-8, so invalid sequences become U+FFFD.
std::string utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // RFC 3629 4: no overlong forms (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF),
    // nothing above U+10FFFF (F4 90-, F5-FF).
    size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >> 4) == 14 ? 3
                 : (c >= 0xF0 && c <= 0xF4)              ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len >= 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
          (c == 0xF4 && c1 >= 0x90))
        ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

nlohmann::json strings(const std::vector<std::string>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : v) a.push_back(utf8(s));
  return a;
}

}  // namespace

nlohmann::json to_json(const Classification& c, std::string_view file) {
  nlohmann::json j;
  j["file"] = utf8(file);
  j["class"] = std::string(to_string(c.cls));
  if (c.cls == Class::kBounce) {
    j["kind"] = c.kind;
    j["action"] = c.action;
    j["status"] = c.status;
    j["diagnostic"] = utf8(c.diagnostic);
    j["reporting_mta"] = utf8(c.reporting_mta);
    j["recipients"] = strings(c.recipients);
    j["reason"] = c.reason;
  }
  if (c.cls != Class::kNone) {
    const Original& o = c.original;
    nlohmann::json oj;
    oj["found"] = o.found;
    oj["message_id"] = utf8(o.message_id);
    oj["from"] = utf8(o.from);
    oj["to"] = utf8(o.to);
    oj["subject"] = utf8(o.subject);
    oj["date"] = utf8(o.date);
    nlohmann::json hops = nlohmann::json::array();
    for (const auto& hop : o.received)
      hops.push_back({{"from_host", utf8(hop.from_host)},
                      {"from_ip", hop.from_ip},
                      {"by_host", utf8(hop.by_host)}});
    oj["received"] = std::move(hops);
    oj["origin_ip"] = o.origin_ip;
    oj["urls"] = strings(o.urls);
    oj["headers_only"] = o.headers_only;
    j["original"] = std::move(oj);
  }
  j["evidence"] = strings(c.evidence);
  return j;
}

}  // namespace backstop::classify
