// List entry records; see record.h.
#include "lists/record.h"

#include <charconv>

namespace backstop::lists {

namespace {

void append_encoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  s = s.substr(0, kMaxRecordField);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && c != '%') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_field(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
    if (h < 0 || l < 0) return false;
    out->push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  return out->size() <= kMaxRecordField;
}

bool parse_int64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::nullopt_t fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::string ListRecord::subject_str() const {
  if (const Cidr* c = std::get_if<Cidr>(&subject)) return c->str();
  return std::get<DomainPattern>(subject).str();
}

std::string encode_record(const ListRecord& r) {
  std::string out = "v=1 ";
  out += std::holds_alternative<Cidr>(r.subject) ? "net=" : "domain=";
  out += r.subject_str();
  out += " reason=";
  append_encoded(out, r.reason);
  out += " node=";
  append_encoded(out, r.node);
  out += " added=" + std::to_string(r.added);
  out += " expires=" + std::to_string(r.expires);
  if (!r.note.empty()) {
    out += " note=";
    append_encoded(out, r.note);
  }
  return out;
}

std::optional<ListRecord> decode_record(std::string_view text, std::string* error) {
  if (text.size() > kMaxRecordText) return fail(error, "record too long");
  ListRecord r;
  enum Field { kV, kNet, kReason, kNode, kAdded, kExpires, kNote, kCount };
  bool seen[kCount] = {};
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view field = text.substr(pos, end - pos);
    pos = end;
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) return fail(error, "field without '='");
    const std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    int f = -1;
    if (key == "v")
      f = kV;
    else if (key == "net" || key == "domain")
      f = kNet;
    else if (key == "reason")
      f = kReason;
    else if (key == "node")
      f = kNode;
    else if (key == "added")
      f = kAdded;
    else if (key == "expires")
      f = kExpires;
    else if (key == "note")
      f = kNote;
    if (f < 0) continue;  // a later version's field
    if (seen[f]) return fail(error, "repeated field '" + std::string(key) + "'");
    seen[f] = true;
    std::string err;
    switch (f) {
      case kV:
        if (value != "1") return fail(error, "unknown record version");
        break;
      case kNet:
        if (key == "net") {
          auto c = parse_cidr(value, &err);
          if (!c) return fail(error, "bad net: " + err);
          r.subject = *c;
        } else {
          auto p = parse_domain_pattern(value, &err);
          if (!p) return fail(error, "bad domain: " + err);
          r.subject = std::move(*p);
        }
        break;
      case kReason:
        if (!decode_field(value, &r.reason) || r.reason.empty()) return fail(error, "bad reason");
        break;
      case kNode:
        if (!decode_field(value, &r.node) || r.node.empty()) return fail(error, "bad node");
        break;
      case kNote:
        if (!decode_field(value, &r.note)) return fail(error, "bad note");
        break;
      case kAdded:
        if (!parse_int64(value, &r.added)) return fail(error, "bad added time");
        break;
      case kExpires:
        if (!parse_int64(value, &r.expires)) return fail(error, "bad expiry time");
        break;
    }
  }
  static constexpr const char* kNames[] = {"v",    "net or domain", "reason",
                                           "node", "added",         "expires"};
  for (int f = kV; f < kNote; ++f)
    if (!seen[f]) return fail(error, std::string("missing field '") + kNames[f] + "'");
  return r;
}

}  // namespace backstop::lists
