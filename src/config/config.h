// The daemon's configuration as an immutable, validated snapshot. Parsed once from TOML
// (load.cpp), swapped whole on SIGHUP; nothing else holds configuration. Every key, its
// default and its meaning are documented in etc/backstop.toml and docs/configuration.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/reply.h"

namespace backstop::config {

using Seconds = std::chrono::seconds;

// An IPv4 or IPv6 network (an address is a /32 or /128).
struct Cidr {
  core::IpAddress address;
  int prefix = 32;
  bool contains(const core::IpAddress& ip) const;  // same family and the first prefix bits
  std::string str() const;                         // "192.0.2.0/24"; a lone address bare
};

// "192.0.2.0/24", "2001:db8::/32", or an address alone ("192.0.2.1" is a /32). Host bits set
// below the prefix are an error (a typo more often than not); *error says why.
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

// A host-name pattern: "host.example.com" exactly, "*.example.com" subdomains only,
// ".example.com" the domain and its subdomains; "!" in front excludes what it matches (rbldnsd's
// dnset meaning).
struct HostPattern {
  std::string pattern;                        // lower-case, as written, without the "!"
  bool excluded = false;                      // written with a leading "!"
  bool matches(std::string_view host) const;  // case-insensitive; a trailing dot is ignored
};

// Validates and lower-cases a pattern: letters, digits, '-', '_' in dot-separated labels,
// optionally after "*." or ".", the whole optionally after "!"; *error says why not.
std::optional<HostPattern> parse_host_pattern(std::string_view text, std::string* error = nullptr);

// Clients given as IPs/CIDRs and host-name patterns.
struct ClientList {
  std::vector<Cidr> networks;
  std::vector<HostPattern> hosts;
  bool empty() const { return networks.empty() && hosts.empty(); }
  bool contains_ip(const core::IpAddress& ip) const;
  bool contains_host(std::string_view host) const;  // host: a (forward-confirmed) name
  // Adds an IP, a CIDR or (when hosts_allowed) a host pattern; false and *error otherwise.
  // Text made only of digits and dots, or holding ':' or '/', is taken as an IP or CIDR.
  bool add(std::string_view entry, bool hosts_allowed, std::string* error = nullptr);
};

// What to do with a message that fails a check: each check's answer is configurable.
enum class CheckAction { kOff, kNote, kReject, kTempfail };

// What to do with backscatter (a bounce-class message without evidence of our mail).
enum class BackscatterAction { kReject, kTempfail, kDiscard, kTag };

// The words the config file uses: "off", "note", "reject", "tempfail", "discard", "tag".
const char* to_string(CheckAction a);
const char* to_string(BackscatterAction a);

// "host:port", "[v6]:port", or a host or IP alone (port 25). host is returned without
// brackets. nullopt when the port is not 1-65535 or the form is wrong.
struct HostPort {
  std::string host;
  uint16_t port = 25;
};
std::optional<HostPort> parse_host_port(std::string_view text);

struct Listen {
  std::string address;  // "127.0.0.1:2525", "[::1]:2525"
};

struct SmtpConfig {
  std::vector<std::string> listen{"127.0.0.1:2525"};
  std::string hostname = "localhost";
  std::string tls_cert;  // PEM file; STARTTLS is off when empty
  std::string tls_key;
  uint64_t max_message_bytes = 25u << 20;
  uint32_t max_recipients = 100;
  uint32_t max_sessions = 2000;
  uint32_t max_sessions_per_ip = 20;
  uint32_t max_errors = 10;
  uint64_t memory_per_session = 256u << 10;  // message bytes kept in memory before spilling
  std::string spool_dir = "var/spool";       // where spilled messages go (deleted at once)
  Seconds timeout_command{300};              // RFC 5321 4.5.3.2.7 server timeout
  Seconds timeout_data_block{180};           // RFC 5321 4.5.3.2.5
  Seconds timeout_decision{600};             // waiting for downstream at end of DATA (4.5.3.2.6)
  std::string user;                          // run as this user after binding, when started as root
};

struct Downstream {
  std::string host;  // for host:port
  uint16_t port = 25;
  std::string maildir;  // set for "maildir:PATH"
  bool is_maildir() const { return !maildir.empty(); }
};

struct DownstreamConfig {
  std::vector<Downstream> servers;  // tried in order
  Seconds connect_timeout{10};
  Seconds command_timeout{300};
  uint32_t pool_size = 8;  // idle connections kept per server
  Seconds pool_idle{30};
};

struct DomainsConfig {
  std::set<std::string> local;            // domains we receive for (lower-case)
  std::set<std::string> recipients;       // valid addresses (lower-case); "@domain" = whole domain
  std::string recipients_file;            // one address per line; reloaded when it changes
  std::string recipients_db;              // SQLite file with table recipients(address)
  std::set<std::string> file_recipients;  // its contents as last loaded
  bool any_recipient(std::string_view domain) const;  // "@domain" present
};

struct RelaysConfig {
  ClientList outbound;  // our outbound relays: host patterns and IPs (for quoted-Received checks)
  ClientList networks;  // our own client networks (not "outside")
};

struct BatvConfig {
  std::string key_file;  // lines "K secret"; empty: BATV off
  int lifetime_days = 7;
  std::string key_text;  // contents of key_file as loaded
  // Sender domains whose outbound mail the milter signs (default: [domains] local).
  std::set<std::string> sign_domains;
};

// The milter front end (Postfix smtpd_milters, Sendmail INPUT_MAIL_FILTER).
struct MilterConfig {
  std::vector<std::string> listen;  // "127.0.0.1:8891", "[::1]:8891", "unix:/PATH"; empty: off
  // Values of the {daemon_name} macro that mark mail as outbound (Postfix:
  // -o milter_macro_daemon_name=ORIGINATING on the submission service).
  std::set<std::string> outbound_daemons{"ORIGINATING"};
  Seconds timeout{300};  // idle time between two milter commands before the connection closes
};

// The Postfix policy delegation front end (check_policy_service).
struct PolicyServerConfig {
  std::vector<std::string> listen;  // same forms as [milter] listen; empty: off
  Seconds timeout{300};             // idle time between two requests before closing
};

// A list entry's reason: how long an automatic or reported entry lives and what it answers.
struct ReasonConfig {
  std::string name;    // "virus", "helo-is-us", ...
  Seconds lifetime{86400};
  bool permanent = false;  // answer 550 5.7.1 (true) or 451 4.7.1 (false)
  std::string text;        // the SMTP text and the DNS TXT
  int code = 2;            // N of 127.0.0.N in the DNS blocklist zone (2-254)
};

// When the shield lists the client by itself: the event, and the reason it is listed under.
struct AutolistConfig {
  std::string helo_is_us;           // reason name, or "" (off)
  std::string own_domain_forged;
  std::string unknown_users;        // after unknown_users_count refusals within the window
  uint32_t unknown_users_count = 10;
  Seconds unknown_users_window{600};
  std::string backscatter;          // a client that sent backscatter_count rejected bounces
  uint32_t backscatter_count = 5;
  Seconds backscatter_window{600};
};

struct GreylistConfig {
  bool enabled = false;
  Seconds delay{300};           // a retry earlier than this is deferred again
  Seconds retry_window{172800}; // a retry later than this starts over
  Seconds lifetime{3110400};    // how long a passed triplet stays valid (36 days)
  uint32_t pass_count = 5;      // passes after which the client network skips greylisting
  Seconds pass_lifetime{3110400};
  int ipv4_prefix = 24;
  int ipv6_prefix = 64;
  bool fail_open = true;        // store down: no greylisting (true) or 451 4.3.0 (false)
};

struct DnsConfig {
  std::vector<std::string> listen;  // UDP and TCP; empty: off
  std::string block_zone;           // "bl.example.org"; "" not served
  std::string allow_zone;
  std::string domain_allow_zone;
  std::string ns;                   // the name in NS and SOA (default: [smtp] hostname)
  std::string hostmaster;           // SOA RNAME as an address (default: hostmaster@zone)
  Seconds ttl{60};
};

// How the shield looks up its clients' host names (forward-confirmed reverse DNS).
enum class ClientNames { kAuto, kAlways, kNever };

struct ResolverConfig {
  std::vector<std::string> servers;  // "host:port" name servers; empty: /etc/resolv.conf's
  Seconds timeout{5};                // for one client's whole lookup (PTR and forward)
  // kAuto: only when a host pattern could match ([allow]/[block] clients, or host entries
  // in the store's allowlist); kAlways: every session (named Received headers).
  ClientNames client_names = ClientNames::kAuto;
};

struct ReportConfig {
  std::vector<std::string> listen;  // UDP "host:port"; empty: collect nothing
  std::string key_file;             // lines "id secret"; the first signs, all verify
  std::string key_text;
  std::vector<std::string> peers;   // "host:port" to send reports to
  std::string node;                 // this node's name (default: [smtp] hostname)
  Seconds window{300};              // accepted clock difference
};

struct ChecksConfig {
  CheckAction helo_is_us = CheckAction::kReject;
  CheckAction own_domain_sender = CheckAction::kNote;
  CheckAction null_sender_multi_rcpt = CheckAction::kReject;
  std::vector<std::string> our_hosts;    // names that are ours in HELO (hostname added)
  std::vector<core::IpAddress> our_ips;  // our IPs (listen addresses added)
};

struct BackscatterConfig {
  BackscatterAction action = BackscatterAction::kReject;
  std::map<std::string, BackscatterAction> domains;     // per recipient domain
  std::map<std::string, BackscatterAction> recipients;  // per recipient address
  std::string reject_text =
      "Backscatter refused: this is a bounce or automatic reply to a message that did not "
      "come from us; our address was forged by a spammer";
  std::string tag_header = "X-Backstop-Backscatter";
};

struct StormConfig {
  bool enabled = true;
  Seconds window{60};
  uint32_t domain_backscatter = 30;     // backscatter rejects per domain in window to start
  uint32_t domain_unknown_users = 100;  // unknown-user rejects per domain in window to start
  uint32_t recipient_backscatter = 10;  // per recipient in window to start
  Seconds quiet_period{600};            // storm ends after this long below the thresholds
  bool strict_rcpt = true;              // null-sender RCPT to untagged addresses rejected
  bool strict_at_data = false;          // ... at the DATA command instead (keeps SAV probes)
};

struct AccessConfig {
  ClientList allow;
  ClientList block;
  std::set<std::string> allow_sender_domains;
};

struct StoreConfig {
  std::string backend = "sqlite";  // "sqlite", "redis" or "memory"
  std::string path = "var/backstop.db";
  std::vector<std::string> redis;  // "host:port" servers
  std::string redis_mode = "shard";  // "shard" (consistent hashing) or "replicated"
  std::string redis_prefix = "backstop:";
  Seconds refresh{1};              // how often the cache catches up with the store
  bool fail_open = true;           // store down: lists answer from the cache (true) or 451
};

struct LogConfig {
  std::string format = "text";  // "text" or "json"
  std::string file;             // empty: standard output
};

struct Config {
  std::string source;  // the file it was loaded from
  SmtpConfig smtp;
  DownstreamConfig downstream;
  DomainsConfig domains;
  RelaysConfig relays;
  BatvConfig batv;
  ChecksConfig checks;
  BackscatterConfig backscatter;
  StormConfig storm;
  AccessConfig access;
  MilterConfig milter;
  PolicyServerConfig policy;
  std::vector<ReasonConfig> reasons;
  AutolistConfig autolist;
  GreylistConfig greylist;
  DnsConfig dns;
  ResolverConfig resolver;
  ReportConfig report;
  StoreConfig store;
  LogConfig log;

  BackscatterAction backscatter_action_for(std::string_view recipient) const;
  const ReasonConfig* reason(std::string_view name) const;  // nullptr when not declared
};

// One problem found while loading: where (key path, line, column) and what.
struct ConfigError {
  std::string key;  // e.g. "smtp.max_recipients"
  int line = 0;     // 1-based; 0 when not known
  int column = 0;
  std::string message;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  std::vector<ConfigError> errors;
  std::vector<ConfigError> warnings;  // legal but probably not meant; never block loading
};

// Parses and validates TOML text, and reads the files it names (domains.recipients_file,
// batv.key_file; tls_cert and tls_key must exist). Relative paths in the text resolve against
// base_dir (they are left as written when base_dir is empty); every path in the resulting
// Config has been resolved.
LoadResult parse_config(std::string_view toml, const std::string& source_name,
                        const std::string& base_dir);
// Reads the file and parses it with base_dir = the absolute directory of path: relative paths
// in a config file resolve against the directory that holds it.
LoadResult load_config(const std::string& path);

// "FILE:LINE:COL: key: message" (the parts not known are left out).
std::string format_error(const ConfigError& e, const std::string& source);

// A recipients file: one address (or "@domain") per line, '#' comments and blank lines
// ignored; addresses lower-cased. Every entry must be in one of local_domains. Errors read
// "PATH:LINE: message". For the daemon to reload the file alone when it changes.
struct RecipientsFile {
  std::set<std::string> addresses;
  std::vector<std::string> errors;
};
RecipientsFile read_recipients_file(const std::string& path,
                                    const std::set<std::string>& local_domains);
// The same from an SQLite database: every row of table "recipients", column "address"
// (opened read-only; the addresses are validated like the file's).
RecipientsFile read_recipients_db(const std::string& path,
                                  const std::set<std::string>& local_domains);

}  // namespace backstop::config
