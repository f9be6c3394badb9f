// Internal to the config module: validation of single values (names, addresses, listen and
// downstream endpoints, texts), path resolution and reading the files a config names. Each
// returns the normalised value, or nullopt with *error saying why, in words for a postmaster.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace backstop::config::detail {

// A config file bigger than this is not a config file.
inline constexpr size_t kMaxConfigBytes = 4u << 20;
// Recipients files can list a university's users, but not unboundedly many bytes.
inline constexpr size_t kMaxRecipientsFileBytes = 256u << 20;

// Relative paths in a config resolve against base_dir (the config file's directory).
struct Paths {
  std::string base_dir;  // empty: paths stay as written (relative to the working directory)
  std::string resolve(const std::string& path) const;
};

// Reads a whole file of at most max bytes; the reason when that fails.
std::optional<std::string> read_file(const std::string& path, size_t max, std::string& out);

// A host name (no wildcards), lower-cased, a trailing dot removed.
std::optional<std::string> host_name(std::string_view text, std::string* error);
// A domain name with at least one dot, lower-cased.
std::optional<std::string> domain_name(std::string_view text, std::string* error);
// "user@domain" or "@domain", lower-cased; its domain must be one of local.
std::optional<std::string> recipient(std::string_view text, const std::set<std::string>& local,
                                     std::string* error);

struct ListenAddress {
  std::string text;  // normalised: "192.0.2.1:25", "[2001:db8::1]:25"
  core::IpAddress ip;
  bool wildcard = false;  // 0.0.0.0 or ::
};
// "IP:port", "[IPv6]:port", or an IP alone (port 25). Host names are not accepted.
std::optional<ListenAddress> listen_address(std::string_view text, std::string* error);

// "host:port", "[IPv6]:port", "host" (port 25), or "maildir:PATH" (resolved).
std::optional<Downstream> downstream_server(std::string_view text, const Paths& paths,
                                            std::string* error);

std::optional<BackscatterAction> backscatter_action(std::string_view word);

// Why text cannot be an SMTP reply text (RFC 5321 4.2: one line of printable text), if it cannot.
std::optional<std::string> reply_text_error(std::string_view text);
// Why name cannot be a header field name (RFC 5322 2.2: printable ASCII but ':'), if it cannot.
std::optional<std::string> header_name_error(std::string_view name);
// Why the user cannot be switched to (no such user), if it cannot.
std::optional<std::string> user_error(const std::string& user);
// Why lifetime_days is out of range (1 to 998), if it is.
std::optional<std::string> lifetime_error(int64_t days);

// Reads and checks a BATV key file; returns its text (empty on errors, each one in errors as
// "PATH:LINE: message").
std::string read_key_file(const std::string& path, std::vector<std::string>& errors);

}  // namespace backstop::config::detail
