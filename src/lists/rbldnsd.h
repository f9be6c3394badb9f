// rbldnsd's dataset files (rbldnsd(8) "DATASET TYPES AND FORMATS"), read and written: ip4set,
// ip6trie (which also reads ip6tset files) and dnset. The files are data from other hosts or
// other tools, so every line is checked and every bad line is reported as "PATH:LINE: message";
// nothing is silently dropped.
//
// Accepted, per line (leading and trailing blanks ignored):
//   (empty), "# ...", "; ..."   ignored
//   "$..." "#$..." ";$..." ":$..."   special ($SOA, $NS, $TTL, $n, $=, ...): kept in
//                                specials as "$..." text, not interpreted
//   ":A:TXT"                     the default A value and TXT template for the following entries
//                                of this file (initially 127.0.0.2 and no TXT); in ip6trie
//                                files a line starting "::" is an address, not a value
//   [!]SUBJECT [VALUE]           an entry; "!" makes it an exclusion (its value is ignored)
// VALUE is ":A:TXT" (both given; an empty TXT means no TXT record), ":A" (default TXT), TXT alone
// (default A), or a comment starting with '#' or ';' (defaults). A is an IPv4 address; as in
// rbldnsd, one number n means 127.0.0.n, and "a.b", "a.b.c" are inet_aton's short forms
// (a.0.0.b, a.b.0.c).
// SUBJECT:
//   ip4set   "192.0.2.1", "192.0.2.0/24", "192.0.2" (= /24), "192.0" (= /16), "192" (= /8),
//            "192/8", ranges "192.0.2.0-192.0.2.255", "192.0.2.0-255", "10.16-31" (rbldnsd's
//            prefix ranges: the end is completed with 255s; a one-octet end replaces the last
//            octet of the start). Ranges become the minimal list of CIDR networks (same line).
//   ip6trie  "2001:db8::/32", "2001:db8::1", and rbldnsd's short form without "::":
//            "2001:db8:1:2" is 2001:db8:1:2::/64 (16 bits per group), "2001:21ab:c000/36".
//   dnset    a domain pattern (domain_pattern.h).
// Host bits set below a prefix length are an error (rbldnsd 1.0 refuses them too).
// Checked against rbldnsd 1.0 (snapshot 20210120): it loads what the writers produce and
// answers as these readers read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lists/cidr.h"
#include "lists/domain_pattern.h"

namespace backstop::lists {

// The answer rbldnsd gives for an entry: an A record and an optional TXT template ('$' in it
// stands for the listed address or name).
struct RblValue {
  std::array<uint8_t, 4> a{127, 0, 0, 2};
  std::string txt;  // empty: no TXT record
  bool operator==(const RblValue&) const = default;
};

struct IpListEntry {
  Cidr network;
  bool excluded = false;
  RblValue value;  // RblValue{} for exclusions
  int line = 0;    // 1-based line in the file it came from (0 when built in code)
};

struct DomainListEntry {
  DomainPattern pattern;  // pattern.excluded marks an exclusion
  RblValue value;         // RblValue{} for exclusions
  int line = 0;
};

// At most this many error messages are kept; error_count counts them all.
inline constexpr size_t kMaxReportedErrors = 100;
// Lines longer than this are errors.
inline constexpr size_t kMaxListLine = 4096;
// load_*() refuses bigger files.
inline constexpr size_t kMaxListFileBytes = size_t{256} << 20;

template <class Entry>
struct RbldnsdFile {
  std::vector<Entry> entries;         // in file order
  std::vector<std::string> specials;  // "$TTL 3600", ... as written, without the '#'/';'/':'
  std::vector<std::string> errors;    // "PATH:LINE: message", at most kMaxReportedErrors
  size_t error_count = 0;
  bool ok() const { return error_count == 0; }
};
using IpListFile = RbldnsdFile<IpListEntry>;
using DomainListFile = RbldnsdFile<DomainListEntry>;

// path is used only in the error messages.
IpListFile parse_ip4set(std::string_view text, std::string_view path);
IpListFile parse_ip6trie(std::string_view text, std::string_view path);
DomainListFile parse_dnset(std::string_view text, std::string_view path);

// Read and parse a file; a read error (or a file over kMaxListFileBytes) is one error
// "PATH: message".
IpListFile load_ip4set(const std::string& path);
IpListFile load_ip6trie(const std::string& path);
DomainListFile load_dnset(const std::string& path);

struct RbldnsdWriteOptions {
  std::string comment;                    // written first as "# " lines (may hold newlines)
  std::vector<std::string> specials;      // written next, one a line; only text starting "$"
  std::optional<RblValue> default_value;  // written as ":A:TXT"; entries with exactly this
                                          // value are written bare
};

// Write entries in the given order. write_ip4set skips IPv6 networks and write_ip6trie IPv4
// ones. Control characters in TXT and comments become spaces (one entry, one line), and TXT is
// trimmed. Output parses back (parse_*) to the same entries and values.
std::string write_ip4set(const std::vector<IpListEntry>& entries,
                         const RbldnsdWriteOptions& options = {});
std::string write_ip6trie(const std::vector<IpListEntry>& entries,
                          const RbldnsdWriteOptions& options = {});
std::string write_dnset(const std::vector<DomainListEntry>& entries,
                        const RbldnsdWriteOptions& options = {});

// "127.0.0.2".
std::string a_str(const std::array<uint8_t, 4>& a);

}  // namespace backstop::lists
