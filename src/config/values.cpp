// Validation of single config values and reading the files a config names; see values.h.
#include "config/values.h"

#include <sqlite3.h>

#include <pwd.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "batv/key_ring.h"
#include "batv/prvs.h"
#include "core/address.h"
#include "core/text.h"

namespace backstop::config::detail {
namespace {

std::string in_quotes(std::string_view text) {
  return "'" + std::string(text) + "'";
}

void set(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

}  // namespace

std::string Paths::resolve(const std::string& path) const {
  if (path.empty() || base_dir.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::optional<std::string> read_file(const std::string& path, size_t max, std::string& out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return path + ": is a directory, not a file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read it (" + std::strerror(errno) + ")";
  out.clear();
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, size_t(in.gcount()));
    if (out.size() > max)
      return path + ": larger than " + std::to_string(max) + " bytes; not the file expected";
  }
  if (in.bad()) return path + ": read error";
  return std::nullopt;
}

std::optional<std::string> host_name(std::string_view text, std::string* error) {
  std::string_view t = core::trim(text);
  if (t.starts_with("*") || t.starts_with(".")) {
    set(error, in_quotes(text) + " is a pattern; a single host name is needed here");
    return std::nullopt;
  }
  auto p = parse_host_pattern(t, error);
  if (!p) return std::nullopt;
  std::string name = p->pattern;
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

std::optional<std::string> domain_name(std::string_view text, std::string* error) {
  auto name = host_name(text, error);
  if (!name) return std::nullopt;
  if (!core::is_domain_name(*name)) {
    set(error, in_quotes(text) + " is not a domain name (a name with at least one dot)");
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> recipient(std::string_view text, const std::set<std::string>& local,
                                     std::string* error) {
  std::string_view t = core::trim(text);
  std::string domain;
  std::string address;
  if (t.starts_with("@")) {
    auto d = domain_name(t.substr(1), error);
    if (!d) return std::nullopt;
    domain = *d;
    address = "@" + domain;
  } else {
    auto a =
        t.find_first_of("<> ") == std::string_view::npos ? core::parse_address(t) : std::nullopt;
    if (!a || !core::is_domain_name(a->domain)) {
      set(error, in_quotes(text) +
                     " is not a mail address (user@domain, or @domain for all of "
                     "a domain's users)");
      return std::nullopt;
    }
    domain = a->domain;
    address = core::to_lower(a->str());
  }
  if (!local.contains(domain)) {
    set(error, in_quotes(text) +
                   " is not in a local domain ([domains] local): backstop only "
                   "accepts mail for its local domains");
    return std::nullopt;
  }
  return address;
}

std::optional<ListenAddress> listen_address(std::string_view text, std::string* error) {
  auto hp = parse_host_port(text);
  if (!hp) {
    set(error, in_quotes(text) +
                   " is not \"IP:port\" or \"[IPv6]:port\" with a port from 1 to "
                   "65535");
    return std::nullopt;
  }
  auto ip =
      hp->host.find_first_of("[]") == std::string::npos ? core::parse_ip(hp->host) : std::nullopt;
  if (!ip || core::istarts_with(hp->host, "ipv6:")) {
    set(error, in_quotes(text) + ": " + in_quotes(hp->host) +
                   " is not an IP address (listen on 0.0.0.0 or [::] for every address)");
    return std::nullopt;
  }
  ListenAddress l;
  l.ip = *ip;
  l.wildcard = *ip == core::IpAddress{ip->v6, {}};
  l.text = (ip->v6 ? "[" + ip->str() + "]" : ip->str()) + ":" + std::to_string(hp->port);
  return l;
}

std::optional<Downstream> downstream_server(std::string_view text, const Paths& paths,
                                            std::string* error) {
  std::string_view t = core::trim(text);
  Downstream d;
  if (core::istarts_with(t, "maildir:")) {
    std::string path(core::trim(t.substr(8)));
    if (path.empty()) {
      set(error, in_quotes(text) + ": no directory after \"maildir:\"");
      return std::nullopt;
    }
    d.maildir = paths.resolve(path);
    return d;
  }
  auto hp = parse_host_port(t);
  if (!hp) {
    set(error, in_quotes(text) +
                   " is not \"host:port\", \"[IPv6]:port\" or \"maildir:PATH\" "
                   "(ports are 1 to 65535)");
    return std::nullopt;
  }
  if (auto ip = core::parse_ip(hp->host); ip && hp->host.find_first_of("[]") == std::string::npos) {
    d.host = ip->str();
  } else {
    std::string why;
    auto name = host_name(hp->host, &why);
    if (!name) {
      set(error, in_quotes(text) + ": " + in_quotes(hp->host) +
                     " is neither an IP address nor a "
                     "host name");
      return std::nullopt;
    }
    d.host = *name;
  }
  d.port = hp->port;
  return d;
}

std::optional<BackscatterAction> backscatter_action(std::string_view word) {
  using A = BackscatterAction;
  if (word == "reject") return A::kReject;
  if (word == "tempfail") return A::kTempfail;
  if (word == "discard") return A::kDiscard;
  if (word == "tag") return A::kTag;
  return std::nullopt;
}

std::optional<std::string> reply_text_error(std::string_view text) {
  if (core::trim(text).empty()) return "must not be empty";
  // A reply line is at most 512 octets with the code (RFC 5321 4.5.3.1.5).
  if (text.size() > 400) return "is longer than 400 characters (an SMTP reply line is short)";
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return "must be one line of printable ASCII (no line breaks, tabs or non-ASCII)";
  return std::nullopt;
}

std::optional<std::string> header_name_error(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 76) return "is too long for a header field name";
  for (char c : name)
    if (c == ':' || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return in_quotes(name) +
             " is not a header field name (printable ASCII without ':' or "
             "blanks)";
  return std::nullopt;
}

std::optional<std::string> user_error(const std::string& user) {
  struct passwd pw;
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return "no such user " + in_quotes(user) + " on this system";
  return std::nullopt;
}

std::optional<std::string> lifetime_error(int64_t days) {
  if (days < 1 || days > batv::kMaxLifetimeDays) {
    return "lifetime_days must be from 1 to " + std::to_string(batv::kMaxLifetimeDays) +
           " (a tag keeps its expiry day mod 1000), got " + std::to_string(days);
  }
  return std::nullopt;
}

std::string read_key_file(const std::string& path, std::vector<std::string>& errors) {
  std::string text;
  if (auto why = read_file(path, batv::kMaxKeyFileBytes, text)) {
    errors.push_back(*why);
    return "";
  }
  batv::KeyRingResult keys = batv::parse_key_ring(text);
  for (const auto& e : keys.errors) {
    // The parser never puts the secret in its messages.
    errors.push_back(e.line > 0 ? path + ":" + std::to_string(e.line) + ": " + e.message
                                : path + ": " + e.message);
  }
  return keys.ring ? text : "";
}

}  // namespace backstop::config::detail

namespace backstop::config {

RecipientsFile read_recipients_file(const std::string& path,
                                    const std::set<std::string>& local_domains) {
  constexpr size_t kMaxReported = 20;
  RecipientsFile f;
  std::string text;
  if (auto why = detail::read_file(path, detail::kMaxRecipientsFileBytes, text)) {
    f.errors.push_back(*why);
    return f;
  }
  size_t bad = 0;
  int line_no = 0;
  for (std::string_view line : core::split_lines(text)) {
    ++line_no;
    line = core::trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string error;
    if (auto a = detail::recipient(line, local_domains, &error)) {
      f.addresses.insert(*a);
    } else if (++bad <= kMaxReported) {
      f.errors.push_back(path + ":" + std::to_string(line_no) + ": " + error);
    }
  }
  if (bad > kMaxReported)
    f.errors.push_back(path + ": " + std::to_string(bad - kMaxReported) + " more bad lines");
  return f;
}

RecipientsFile read_recipients_db(const std::string& path,
                                  const std::set<std::string>& local_domains) {
  constexpr size_t kMaxReported = 20;
  RecipientsFile f;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    f.errors.push_back("cannot open SQLite database " + path + ": " +
                       (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return f;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT address FROM recipients", -1, &stmt, nullptr) != SQLITE_OK) {
    f.errors.push_back(path + ": expected a table recipients(address): " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return f;
  }
  size_t bad = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (!text) continue;
    std::string error;
    std::string_view value(reinterpret_cast<const char*>(text));
    if (auto a = detail::recipient(core::trim(value), local_domains, &error)) {
      f.addresses.insert(*a);
    } else if (++bad <= kMaxReported) {
      f.errors.push_back(path + ": recipients row '" + std::string(value.substr(0, 100)) +
                         "': " + error);
    }
  }
  if (rc != SQLITE_DONE) f.errors.push_back(path + ": " + sqlite3_errmsg(db));
  if (bad > kMaxReported)
    f.errors.push_back(path + ": " + std::to_string(bad - kMaxReported) + " more bad rows");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return f;
}

std::string format_error(const ConfigError& e, const std::string& source) {
  std::string out = source;
  if (e.line > 0) {
    out += ":" + std::to_string(e.line);
    if (e.column > 0) out += ":" + std::to_string(e.column);
  }
  out += ": ";
  if (!e.key.empty()) out += e.key + ": ";
  out += e.message;
  return out;
}

}  // namespace backstop::config
