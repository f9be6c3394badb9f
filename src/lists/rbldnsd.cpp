// rbldnsd dataset files; see rbldnsd.h for the accepted syntax.
#include "lists/rbldnsd.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <type_traits>

#include "core/text.h"

namespace backstop::lists {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// 1-4 dot-separated decimal octets; returns how many, or 0 on a syntax error.
int parse_octets(std::string_view s, uint8_t out[4]) {
  int n = 0;
  size_t i = 0;
  while (true) {
    if (n == 4) return 0;
    size_t digits = 0;
    unsigned v = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (++digits > 3) return 0;
      v = v * 10 + unsigned(s[i] - '0');
      ++i;
    }
    if (digits == 0 || v > 255) return 0;
    out[n++] = static_cast<uint8_t>(v);
    if (i == s.size()) return n;
    if (s[i] != '.') return 0;
    ++i;
  }
}

// As rbldnsd reads an A value (checked against rbldnsd 1.0): one number n is 127.0.0.n; more
// are inet_aton's short forms with the last number the last octet ("1.2" is 1.0.0.2, "1.2.3"
// is 1.2.0.3); every number 0-255.
std::optional<std::array<uint8_t, 4>> parse_a(std::string_view s) {
  uint8_t o[4];
  const int n = parse_octets(s, o);
  if (n == 0) return std::nullopt;
  if (n == 1) return std::array<uint8_t, 4>{127, 0, 0, o[0]};
  std::array<uint8_t, 4> a{o[0], 0, 0, o[n - 1]};
  if (n >= 3) a[1] = o[1];
  if (n == 4) a[2] = o[2];
  return a;
}

uint32_t to_u32(const uint8_t o[4]) {
  return (uint32_t{o[0]} << 24) | (uint32_t{o[1]} << 16) | (uint32_t{o[2]} << 8) | o[3];
}

Cidr cidr4(uint32_t addr, int prefix) {
  core::IpAddress ip;
  ip.bytes[0] = uint8_t(addr >> 24);
  ip.bytes[1] = uint8_t(addr >> 16);
  ip.bytes[2] = uint8_t(addr >> 8);
  ip.bytes[3] = uint8_t(addr);
  return Cidr{ip, prefix};
}

// The minimal CIDR cover of [first, last].
void split_range(uint64_t first, uint64_t last, std::vector<Cidr>* out) {
  while (first <= last) {
    int bits = 0;  // block of 2^bits addresses aligned at first
    while (bits < 32 && (first & ((uint64_t{2} << bits) - 1)) == 0 &&
           first + (uint64_t{2} << bits) - 1 <= last)
      ++bits;
    out->push_back(cidr4(static_cast<uint32_t>(first), 32 - bits));
    first += uint64_t{1} << bits;
  }
}

bool parse_ip4_subject(std::string_view s, std::vector<Cidr>* out, std::string* error) {
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    const size_t slash = s.find('/');
    uint8_t o[4] = {0, 0, 0, 0};
    const int n = parse_octets(s.substr(0, slash), o);
    if (n == 0) return *error = "not an IPv4 address, prefix or range", false;
    int prefix = 8 * n;
    if (slash != std::string_view::npos) {
      std::string_view p = s.substr(slash + 1);
      if (p.empty() || p.size() > 2) return *error = "bad prefix length", false;
      prefix = 0;
      for (char c : p) {
        if (!is_digit(c)) return *error = "bad prefix length", false;
        prefix = prefix * 10 + (c - '0');
      }
      if (prefix > 32) return *error = "prefix length out of range", false;
    }
    const Cidr c = cidr4(to_u32(o), prefix);
    if (network_of(c.address, prefix).address != c.address)
      return *error = "host bits set below the prefix length", false;
    out->push_back(c);
    return true;
  }
  if (s.find('/') != std::string_view::npos)
    return *error = "a range cannot have a prefix length", false;
  uint8_t lo[4] = {0, 0, 0, 0}, hi[4] = {255, 255, 255, 255};
  const int n1 = parse_octets(s.substr(0, dash), lo);
  uint8_t tail[4];
  const int n2 = parse_octets(s.substr(dash + 1), tail);
  if (n1 == 0 || n2 == 0) return *error = "not an IPv4 range", false;
  if (n2 == 1) {  // a suffix: replaces the start's last given octet
    for (int i = 0; i < n1 - 1; ++i) hi[i] = lo[i];
    hi[n1 - 1] = tail[0];
  } else {
    for (int i = 0; i < n2; ++i) hi[i] = tail[i];
  }
  const uint32_t first = to_u32(lo), last = to_u32(hi);
  if (last < first) return *error = "range ends before it starts", false;
  split_range(first, last, out);
  return true;
}

bool is_ip6_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

bool parse_ip6_subject(std::string_view s, std::vector<Cidr>* out, std::string* error) {
  const size_t slash = s.find('/');
  const std::string_view addr = s.substr(0, slash);
  if (addr.empty() || addr.size() > 45) return *error = "not an IPv6 address or network", false;
  for (char c : addr)
    if (!is_ip6_char(c)) return *error = "not an IPv6 address or network", false;
  std::string text(addr);
  int prefix = 128;
  if (addr.find("::") == std::string_view::npos && addr.find('.') == std::string_view::npos) {
    size_t groups = 1;
    for (char c : addr) groups += c == ':';
    if (groups > 8) return *error = "too many groups in IPv6 address", false;
    if (groups < 8) {
      text += "::";
      prefix = int(16 * groups);
    }
  }
  auto ip = core::parse_ip(text);
  if (!ip) return *error = "not an IPv6 address or network", false;
  if (!ip->v6) return *error = "IPv4 (or IPv4-mapped) address in an IPv6 list", false;
  if (slash != std::string_view::npos) {
    std::string_view p = s.substr(slash + 1);
    if (p.empty() || p.size() > 3) return *error = "bad prefix length", false;
    prefix = 0;
    for (char c : p) {
      if (!is_digit(c)) return *error = "bad prefix length", false;
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > 128) return *error = "prefix length out of range", false;
  }
  const Cidr c = network_of(*ip, prefix);
  if (c.address != *ip) return *error = "host bits set below the prefix length", false;
  out->push_back(c);
  return true;
}

enum class Kind { kIp4, kIp6, kDomain };

// Parses an entry's value (what follows the subject) against the scope's default.
bool parse_value(std::string_view rest, const RblValue& dflt, RblValue* v, std::string* error) {
  rest = core::trim(rest);
  *v = dflt;
  if (rest.empty() || rest.front() == '#' || rest.front() == ';') return true;
  if (rest.front() != ':') {
    v->txt = std::string(rest);
    return true;
  }
  rest.remove_prefix(1);
  const size_t colon = rest.find(':');
  const std::string_view a_text = core::trim(rest.substr(0, colon));
  if (!a_text.empty()) {
    auto a = parse_a(a_text);
    if (!a) return *error = "bad A value (expected e.g. 127.0.0.2, or 2 for 127.0.0.2)", false;
    v->a = *a;
  }
  if (colon != std::string_view::npos) v->txt = std::string(core::trim(rest.substr(colon + 1)));
  return true;
}

bool parse_value_checked(std::string_view rest, const RblValue& dflt, RblValue* v,
                         std::string* error) {
  if (!parse_value(rest, dflt, v, error)) return false;
  for (char c : v->txt)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
      return *error = "control character in TXT", false;
  return true;
}

template <class Entry>
RbldnsdFile<Entry> parse_file(std::string_view text, std::string_view path, Kind kind) {
  RbldnsdFile<Entry> file;
  RblValue dflt;
  int line_no = 0;
  std::vector<Cidr> nets;
  auto report = [&](std::string message) {
    ++file.error_count;
    if (file.errors.size() < kMaxReportedErrors)
      file.errors.push_back(std::string(path) + ":" + std::to_string(line_no) + ": " +
                            std::move(message));
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (raw.size() > kMaxListLine) {
      report(std::string("line longer than ") + std::to_string(kMaxListLine) + " characters");
      continue;
    }
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = core::trim(raw);
    if (line.empty()) continue;
    if (line.front() == '$' || (line.size() > 1 && line[1] == '$' &&
                                (line[0] == '#' || line[0] == ';' || line[0] == ':'))) {
      file.specials.emplace_back(line.substr(line.front() == '$' ? 0 : 1));
      continue;
    }
    if (line.front() == '#' || line.front() == ';') continue;
    std::string error;
    // In an IPv6 list "::1" is an address, not a default value with an empty A.
    if (line.front() == ':' && !(kind == Kind::kIp6 && line.starts_with("::"))) {
      RblValue v;
      if (!parse_value_checked(line, RblValue{}, &v, &error)) {
        report(error);
        continue;
      }
      if (line.substr(1).find(':') == std::string_view::npos) v.txt.clear();
      dflt = v;
      continue;
    }
    const bool excluded = line.front() == '!';
    if (excluded) line.remove_prefix(1);
    size_t tok = 0;
    while (tok < line.size() && !is_blank(line[tok]) && line[tok] != '#' && line[tok] != ';' &&
           (kind == Kind::kIp6 || line[tok] != ':'))
      ++tok;
    const std::string_view subject = line.substr(0, tok);
    if (subject.empty()) {
      report(excluded ? "'!' without an entry" : "expected an entry");
      continue;
    }
    RblValue value;
    if (!excluded && !parse_value_checked(line.substr(tok), dflt, &value, &error)) {
      report(error);
      continue;
    }
    if constexpr (std::is_same_v<Entry, DomainListEntry>) {
      auto p = parse_domain_pattern(subject, &error);
      if (!p || p->excluded) {  // "!!x" is not a pattern
        report(p ? "bad domain pattern" : error);
        continue;
      }
      p->excluded = excluded;
      file.entries.push_back(DomainListEntry{std::move(*p), std::move(value), line_no});
    } else {
      nets.clear();
      const bool ok = kind == Kind::kIp4 ? parse_ip4_subject(subject, &nets, &error)
                                         : parse_ip6_subject(subject, &nets, &error);
      if (!ok) {
        report(error);
        continue;
      }
      for (const Cidr& c : nets) file.entries.push_back(IpListEntry{c, excluded, value, line_no});
    }
  }
  return file;
}

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  size_t n = 0;
  bool too_big = false;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxListFileBytes) {
      too_big = true;
      break;
    }
  }
  const bool read_error = std::ferror(f) != 0;
  const int saved_errno = errno;
  std::fclose(f);
  if (read_error) *error = std::strerror(saved_errno);
  if (too_big) *error = std::string("larger than ") + std::to_string(kMaxListFileBytes) + " bytes";
  if (read_error || too_big) return std::nullopt;
  return text;
}

template <class Entry>
RbldnsdFile<Entry> load(const std::string& path,
                        RbldnsdFile<Entry> (*parse)(std::string_view, std::string_view)) {
  std::string error;
  auto text = read_file(path, &error);
  if (!text) {
    RbldnsdFile<Entry> file;
    file.errors.push_back(path + ": " + error);
    file.error_count = 1;
    return file;
  }
  return parse(*text, path);
}

std::string clean_text(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = ' ';
  return std::string(core::trim(out));
}

void write_header(std::string& out, const RbldnsdWriteOptions& o) {
  if (!o.comment.empty())
    for (std::string_view l : core::split_lines(o.comment)) {
      out += "# ";
      out += clean_text(l);
      out += '\n';
    }
  for (const std::string& s : o.specials)
    if (!s.empty() && s.front() == '$') out += clean_text(s) + "\n";
  if (o.default_value) {
    out += ':';
    out += a_str(o.default_value->a);
    out += ':';
    out += clean_text(o.default_value->txt);
    out += '\n';
  }
}

void write_value(std::string& out, bool excluded, const RblValue& v, const RbldnsdWriteOptions& o) {
  if (excluded) return;
  const RblValue dflt = o.default_value.value_or(RblValue{});
  RblValue clean{v.a, clean_text(v.txt)};
  if (clean == RblValue{dflt.a, clean_text(dflt.txt)}) return;
  out += " :";
  out += a_str(clean.a);
  out += ':';
  out += clean.txt;
}

std::string write_ip(const std::vector<IpListEntry>& entries, const RbldnsdWriteOptions& o,
                     bool v6) {
  std::string out;
  write_header(out, o);
  for (const IpListEntry& e : entries) {
    if (e.network.v6() != v6) continue;
    if (e.excluded) out += '!';
    // A bare IPv4 address is a host route; an IPv6 one must say /128 to avoid the short form.
    out += e.network.address.str();
    if (v6 || e.network.prefix != 32) {
      out += '/';
      out += std::to_string(e.network.prefix);
    }
    write_value(out, e.excluded, e.value, o);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string a_str(const std::array<uint8_t, 4>& a) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    if (i) s += '.';
    s += std::to_string(a[i]);
  }
  return s;
}

IpListFile parse_ip4set(std::string_view text, std::string_view path) {
  return parse_file<IpListEntry>(text, path, Kind::kIp4);
}
IpListFile parse_ip6trie(std::string_view text, std::string_view path) {
  return parse_file<IpListEntry>(text, path, Kind::kIp6);
}
DomainListFile parse_dnset(std::string_view text, std::string_view path) {
  return parse_file<DomainListEntry>(text, path, Kind::kDomain);
}

IpListFile load_ip4set(const std::string& path) {
  return load(path, &parse_ip4set);
}
IpListFile load_ip6trie(const std::string& path) {
  return load(path, &parse_ip6trie);
}
DomainListFile load_dnset(const std::string& path) {
  return load(path, &parse_dnset);
}

std::string write_ip4set(const std::vector<IpListEntry>& entries,
                         const RbldnsdWriteOptions& options) {
  return write_ip(entries, options, false);
}
std::string write_ip6trie(const std::vector<IpListEntry>& entries,
                          const RbldnsdWriteOptions& options) {
  return write_ip(entries, options, true);
}
std::string write_dnset(const std::vector<DomainListEntry>& entries,
                        const RbldnsdWriteOptions& options) {
  std::string out;
  write_header(out, options);
  for (const DomainListEntry& e : entries) {
    out += e.pattern.str();
    write_value(out, e.pattern.excluded, e.value, options);
    out += '\n';
  }
  return out;
}

}  // namespace backstop::lists
