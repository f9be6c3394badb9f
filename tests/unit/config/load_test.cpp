// Unit tests for loading the configuration: the example etc/backstop.toml itself, defaults,
// normalisation (addresses, names, listen addresses, paths), the files a config names, and
// every validation error with its key and line.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"

#ifndef BACKSTOP_EXAMPLE_CONFIG
#error "BACKSTOP_EXAMPLE_CONFIG must name etc/backstop.toml"
#endif

namespace backstop::config {
namespace {

namespace fs = std::filesystem;

// The smallest valid config: the two keys without defaults, and a recipient. 5 lines.
constexpr const char* kMinimal =
    "[downstream]\n"
    "servers = [\"127.0.0.1:10025\"]\n"
    "[domains]\n"
    "local = [\"example.org\"]\n"
    "recipients = [\"@example.org\"]\n";

LoadResult parse(const std::string& toml, const std::string& base_dir = "") {
  return parse_config(toml, "test.toml", base_dir);
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format_error(e, "test.toml") + "\n";
  return out;
}

// The one error for key; fails the test when there is none or more than one.
ConfigError error_for(const LoadResult& r, const std::string& key) {
  std::vector<ConfigError> found;
  for (const auto& e : r.errors)
    if (e.key == key) found.push_back(e);
  EXPECT_EQ(found.size(), 1u) << "errors for " << key << ":\n" << all_errors(r);
  EXPECT_EQ(r.config, nullptr);
  return found.empty() ? ConfigError{} : found[0];
}

// Expects exactly one error for key, on line, whose message contains text.
void expect_error(const std::string& toml, const std::string& key, int line,
                  const std::string& text) {
  LoadResult r = parse(toml);
  ConfigError e = error_for(r, key);
  EXPECT_EQ(e.line, line) << format_error(e, "test.toml");
  EXPECT_GT(e.column, 0) << format_error(e, "test.toml");
  EXPECT_NE(e.message.find(text), std::string::npos) << format_error(e, "test.toml");
}

// A scratch directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::path(::testing::TempDir()) / "backstop-config-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path p = fs::path(path_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- the example configuration ----

TEST(Example, LoadsWithoutErrorsOrWarnings) {
  LoadResult r = load_config(BACKSTOP_EXAMPLE_CONFIG);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_TRUE(r.warnings.empty()) << format_error(r.warnings[0], "example");
  const Config& c = *r.config;
  fs::path etc = fs::path(BACKSTOP_EXAMPLE_CONFIG).parent_path();
  fs::path root = fs::absolute(etc).parent_path().lexically_normal();
  EXPECT_EQ(c.source, BACKSTOP_EXAMPLE_CONFIG);
  EXPECT_EQ(c.smtp.listen, std::vector<std::string>{"127.0.0.1:2525"});
  EXPECT_EQ(c.smtp.hostname, "mx.example.org");
  ASSERT_EQ(c.downstream.servers.size(), 1u);
  EXPECT_TRUE(c.downstream.servers[0].is_maildir());
  EXPECT_EQ(c.downstream.servers[0].maildir, (root / "var/mail").string());
  EXPECT_EQ(c.smtp.spool_dir, (root / "var/spool").string());
  EXPECT_EQ(c.store.path, (root / "var/backstop.db").string());
  EXPECT_EQ(c.domains.local, std::set<std::string>{"example.org"});
  EXPECT_EQ(c.domains.recipients,
            (std::set<std::string>{"postmaster@example.org", "info@example.org",
                                   "alice@example.org", "bob@example.org"}));
  EXPECT_EQ(c.batv.key_file, (root / "etc/batv.keys").string());
  EXPECT_FALSE(c.batv.key_text.empty());
  EXPECT_TRUE(c.relays.outbound.contains_host("out.example.org"));
  EXPECT_TRUE(c.relays.outbound.contains_ip(*core::parse_ip("192.0.2.10")));
  EXPECT_EQ(c.backscatter_action_for("postmaster@example.org"), BackscatterAction::kTag);
  EXPECT_EQ(c.backscatter_action_for("info@example.org"), BackscatterAction::kReject);
  EXPECT_NE(std::find(c.checks.our_hosts.begin(), c.checks.our_hosts.end(), "mx.example.org"),
            c.checks.our_hosts.end());
  EXPECT_NE(
      std::find(c.checks.our_ips.begin(), c.checks.our_ips.end(), *core::parse_ip("127.0.0.1")),
      c.checks.our_ips.end());
}

// The example says "Default: ..." for every key; for the keys it sets to their defaults,
// loading it must give exactly what a Config holds by default.
TEST(Example, StatedDefaultsAreTheDefaults) {
  LoadResult r = load_config(BACKSTOP_EXAMPLE_CONFIG);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  const Config& c = *r.config;
  const Config d;
  EXPECT_EQ(c.smtp.tls_cert, d.smtp.tls_cert);
  EXPECT_EQ(c.smtp.tls_key, d.smtp.tls_key);
  EXPECT_EQ(c.smtp.max_message_bytes, d.smtp.max_message_bytes);
  EXPECT_EQ(c.smtp.max_recipients, d.smtp.max_recipients);
  EXPECT_EQ(c.smtp.max_sessions, d.smtp.max_sessions);
  EXPECT_EQ(c.smtp.max_sessions_per_ip, d.smtp.max_sessions_per_ip);
  EXPECT_EQ(c.smtp.max_errors, d.smtp.max_errors);
  EXPECT_EQ(c.smtp.memory_per_session, d.smtp.memory_per_session);
  EXPECT_EQ(c.smtp.timeout_command, d.smtp.timeout_command);
  EXPECT_EQ(c.smtp.timeout_data_block, d.smtp.timeout_data_block);
  EXPECT_EQ(c.smtp.timeout_decision, d.smtp.timeout_decision);
  EXPECT_EQ(c.smtp.user, d.smtp.user);
  EXPECT_EQ(c.downstream.connect_timeout, d.downstream.connect_timeout);
  EXPECT_EQ(c.downstream.command_timeout, d.downstream.command_timeout);
  EXPECT_EQ(c.downstream.pool_size, d.downstream.pool_size);
  EXPECT_EQ(c.downstream.pool_idle, d.downstream.pool_idle);
  EXPECT_EQ(c.domains.recipients_file, d.domains.recipients_file);
  EXPECT_TRUE(c.relays.networks.empty());
  EXPECT_EQ(c.batv.lifetime_days, d.batv.lifetime_days);
  EXPECT_EQ(c.checks.helo_is_us, d.checks.helo_is_us);
  EXPECT_EQ(c.checks.own_domain_sender, d.checks.own_domain_sender);
  EXPECT_EQ(c.checks.null_sender_multi_rcpt, d.checks.null_sender_multi_rcpt);
  EXPECT_EQ(c.backscatter.action, d.backscatter.action);
  EXPECT_EQ(c.backscatter.reject_text, d.backscatter.reject_text);
  EXPECT_EQ(c.backscatter.tag_header, d.backscatter.tag_header);
  EXPECT_TRUE(c.backscatter.domains.empty());
  EXPECT_EQ(c.storm.enabled, d.storm.enabled);
  EXPECT_EQ(c.storm.window, d.storm.window);
  EXPECT_EQ(c.storm.domain_backscatter, d.storm.domain_backscatter);
  EXPECT_EQ(c.storm.domain_unknown_users, d.storm.domain_unknown_users);
  EXPECT_EQ(c.storm.recipient_backscatter, d.storm.recipient_backscatter);
  EXPECT_EQ(c.storm.quiet_period, d.storm.quiet_period);
  EXPECT_EQ(c.storm.strict_rcpt, d.storm.strict_rcpt);
  EXPECT_EQ(c.storm.strict_at_data, d.storm.strict_at_data);
  EXPECT_TRUE(c.access.allow.empty());
  EXPECT_TRUE(c.access.block.empty());
  EXPECT_TRUE(c.access.allow_sender_domains.empty());
  EXPECT_EQ(c.milter.listen, d.milter.listen);
  EXPECT_EQ(c.milter.outbound_daemons, d.milter.outbound_daemons);
  EXPECT_EQ(c.milter.timeout, d.milter.timeout);
  EXPECT_EQ(c.policy.listen, d.policy.listen);
  EXPECT_EQ(c.policy.timeout, d.policy.timeout);
  EXPECT_EQ(c.batv.sign_domains, c.domains.local);
  EXPECT_EQ(c.autolist.helo_is_us, d.autolist.helo_is_us);
  EXPECT_EQ(c.autolist.unknown_users_count, d.autolist.unknown_users_count);
  EXPECT_EQ(c.autolist.unknown_users_window, d.autolist.unknown_users_window);
  EXPECT_EQ(c.autolist.backscatter_count, d.autolist.backscatter_count);
  EXPECT_EQ(c.autolist.backscatter_window, d.autolist.backscatter_window);
  EXPECT_EQ(c.greylist.enabled, d.greylist.enabled);
  EXPECT_EQ(c.greylist.delay, d.greylist.delay);
  EXPECT_EQ(c.greylist.retry_window, d.greylist.retry_window);
  EXPECT_EQ(c.greylist.lifetime, d.greylist.lifetime);
  EXPECT_EQ(c.greylist.pass_count, d.greylist.pass_count);
  EXPECT_EQ(c.greylist.pass_lifetime, d.greylist.pass_lifetime);
  EXPECT_EQ(c.greylist.ipv4_prefix, d.greylist.ipv4_prefix);
  EXPECT_EQ(c.greylist.ipv6_prefix, d.greylist.ipv6_prefix);
  EXPECT_EQ(c.greylist.fail_open, d.greylist.fail_open);
  EXPECT_EQ(c.dns.listen, d.dns.listen);
  EXPECT_EQ(c.dns.ttl, d.dns.ttl);
  EXPECT_EQ(c.report.listen, d.report.listen);
  EXPECT_EQ(c.report.window, d.report.window);
  EXPECT_EQ(c.store.backend, d.store.backend);
  EXPECT_EQ(c.store.redis_mode, d.store.redis_mode);
  EXPECT_EQ(c.store.redis_prefix, d.store.redis_prefix);
  EXPECT_EQ(c.store.refresh, d.store.refresh);
  EXPECT_EQ(c.store.fail_open, d.store.fail_open);
  ASSERT_NE(c.reason("dictionary"), nullptr);
  EXPECT_EQ(c.reason("dictionary")->code, 9);
  EXPECT_EQ(c.log.format, d.log.format);
  EXPECT_EQ(c.log.file, d.log.file);
}

TEST(Example, DocumentsEveryKey) {
  std::ifstream in(BACKSTOP_EXAMPLE_CONFIG);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* section :
       {"[smtp]", "[downstream]", "[domains]", "[relays]", "[batv]", "[checks]", "[backscatter]",
        "[backscatter.domains]", "[backscatter.recipients]", "[storm]", "[allow]", "[block]",
        "[milter]", "[policy]", "[[reasons]]", "[autolist]", "[greylist]", "[dns]", "[report]",
        "[store]", "[log]"})
    EXPECT_NE(text.find(std::string("\n") + section + "\n"), std::string::npos) << section;
  for (const char* key : {"listen",
                          "hostname",
                          "tls_cert",
                          "tls_key",
                          "max_message_bytes",
                          "max_recipients",
                          "max_sessions",
                          "max_sessions_per_ip",
                          "max_errors",
                          "memory_per_session",
                          "spool_dir",
                          "timeout_command",
                          "timeout_data_block",
                          "timeout_decision",
                          "user",
                          "servers",
                          "connect_timeout",
                          "command_timeout",
                          "pool_size",
                          "pool_idle",
                          "local",
                          "recipients",
                          "recipients_file",
                          "recipients_db",
                          "outbound",
                          "networks",
                          "key_file",
                          "lifetime_days",
                          "helo_is_us",
                          "own_domain_sender",
                          "null_sender_multi_rcpt",
                          "our_hosts",
                          "our_ips",
                          "action",
                          "reject_text",
                          "tag_header",
                          "enabled",
                          "window",
                          "domain_backscatter",
                          "domain_unknown_users",
                          "recipient_backscatter",
                          "quiet_period",
                          "strict_rcpt",
                          "strict_stage",
                          "clients",
                          "sender_domains",
                          "path",
                          "format",
                          "file",
                          "sign_domains",
                          "outbound_daemons",
                          "timeout",
                          "name",
                          "lifetime",
                          "answer",
                          "text",
                          "code",
                          "helo_is_us",
                          "own_domain_forged",
                          "unknown_users",
                          "unknown_users_count",
                          "unknown_users_window",
                          "backscatter",
                          "backscatter_count",
                          "backscatter_window",
                          "delay",
                          "retry_window",
                          "pass_count",
                          "pass_lifetime",
                          "ipv4_prefix",
                          "ipv6_prefix",
                          "fail",
                          "block_zone",
                          "allow_zone",
                          "domain_allow_zone",
                          "ns",
                          "hostmaster",
                          "ttl",
                          "key_file",
                          "peers",
                          "node",
                          "backend",
                          "redis",
                          "redis_mode",
                          "redis_prefix",
                          "refresh"})
    EXPECT_NE(text.find(std::string("\n") + key + " = "), std::string::npos) << key;
}

// ---- defaults and normalisation ----

TEST(Load, MinimalConfigHasTheDefaults) {
  LoadResult r = parse(kMinimal);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_TRUE(r.warnings.empty());
  const Config& c = *r.config;
  EXPECT_EQ(c.source, "test.toml");
  EXPECT_EQ(c.smtp.listen, std::vector<std::string>{"127.0.0.1:2525"});
  EXPECT_EQ(c.smtp.hostname, "localhost");
  EXPECT_EQ(c.smtp.max_message_bytes, 25u << 20);
  EXPECT_EQ(c.smtp.max_recipients, 100u);
  EXPECT_EQ(c.smtp.spool_dir, "var/spool");  // no base_dir: as written
  EXPECT_EQ(c.smtp.timeout_command, Seconds(300));
  ASSERT_EQ(c.downstream.servers.size(), 1u);
  EXPECT_EQ(c.downstream.servers[0].host, "127.0.0.1");
  EXPECT_EQ(c.downstream.servers[0].port, 10025);
  EXPECT_FALSE(c.downstream.servers[0].is_maildir());
  EXPECT_TRUE(c.domains.any_recipient("example.org"));
  EXPECT_TRUE(c.batv.key_text.empty());
  EXPECT_EQ(c.batv.lifetime_days, 7);
  EXPECT_EQ(c.backscatter.action, BackscatterAction::kReject);
  EXPECT_EQ(c.checks.our_hosts, std::vector<std::string>{"localhost"});
  EXPECT_EQ(c.checks.our_ips, std::vector<core::IpAddress>{*core::parse_ip("127.0.0.1")});
  EXPECT_EQ(c.store.path, "var/backstop.db");
  EXPECT_EQ(c.log.format, "text");
}

TEST(Load, AddressesAndNamesAreLowerCased) {
  LoadResult r = parse(
      "[smtp]\nhostname = \"MX.Example.ORG.\"\n"
      "[downstream]\nservers = \"MTA.internal:25\"\n"
      "[domains]\nlocal = [\"Example.ORG\"]\n"
      "recipients = [\"Alice@Example.org\", \"BOB@EXAMPLE.ORG\"]\n"
      "[checks]\nour_hosts = [\"MX2.Example.org\"]\n"
      "[backscatter.domains]\n\"EXAMPLE.org\" = \"tag\"\n"
      "[backscatter.recipients]\n\"Alice@EXAMPLE.org\" = \"discard\"\n"
      "[allow]\nclients = \"*.Partner.Example\"\nsender_domains = \"Partner.Example\"\n");
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.smtp.hostname, "mx.example.org");
  EXPECT_EQ(c.downstream.servers[0].host, "mta.internal");
  EXPECT_EQ(c.domains.local, std::set<std::string>{"example.org"});
  EXPECT_EQ(c.domains.recipients, (std::set<std::string>{"alice@example.org", "bob@example.org"}));
  EXPECT_EQ(c.checks.our_hosts, (std::vector<std::string>{"mx2.example.org", "mx.example.org"}));
  EXPECT_EQ(c.backscatter.domains.at("example.org"), BackscatterAction::kTag);
  EXPECT_EQ(c.backscatter.recipients.at("alice@example.org"), BackscatterAction::kDiscard);
  EXPECT_EQ(c.access.allow.hosts[0].pattern, "*.partner.example");
  EXPECT_EQ(c.access.allow_sender_domains, std::set<std::string>{"partner.example"});
}

TEST(Load, ListenAddressesAreNormalisedAndOurs) {
  LoadResult r = parse(std::string("[smtp]\nlisten = [\"192.0.2.25\", \"[2001:DB8::25]:2525\", "
                                   "\"0.0.0.0:25\", \"[::]:25\"]\n"
                                   "[checks]\nour_ips = [\"198.51.100.1\", \"192.0.2.25\"]\n") +
                       kMinimal);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.smtp.listen, (std::vector<std::string>{"192.0.2.25:25", "[2001:db8::25]:2525",
                                                     "0.0.0.0:25", "[::]:25"}));
  // The wildcards are not ours to see in a HELO; the others are, once each.
  EXPECT_EQ(c.checks.our_ips, (std::vector<core::IpAddress>{*core::parse_ip("198.51.100.1"),
                                                            *core::parse_ip("192.0.2.25"),
                                                            *core::parse_ip("2001:db8::25")}));
}

TEST(Load, ListenMayBeOneString) {
  LoadResult r = parse(std::string("[smtp]\nlisten = \"[::1]:25\"\n") + kMinimal);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_EQ(r.config->smtp.listen, std::vector<std::string>{"[::1]:25"});
}

TEST(Load, DownstreamForms) {
  LoadResult r = parse(
      "[downstream]\nservers = [\"mta1.internal:10025\", \"[2001:db8::2]:25\", \"10.0.0.3\", "
      "\"maildir:var/mail\", \"maildir:/srv/mail\"]\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n",
      "/etc/backstop");
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  const auto& s = r.config->downstream.servers;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].host, "mta1.internal");
  EXPECT_EQ(s[0].port, 10025);
  EXPECT_EQ(s[1].host, "2001:db8::2");
  EXPECT_EQ(s[1].port, 25);
  EXPECT_EQ(s[2].host, "10.0.0.3");
  EXPECT_EQ(s[2].port, 25);
  EXPECT_EQ(s[3].maildir, "/etc/backstop/var/mail");
  EXPECT_EQ(s[4].maildir, "/srv/mail");
}

TEST(Load, DurationsAndSizesTakeBothForms) {
  LoadResult r = parse(std::string("[smtp]\ntimeout_command = \"2m\"\ntimeout_data_block = 90\n"
                                   "max_message_bytes = 1000000\nmemory_per_session = \"1M\"\n"
                                   "[storm]\nwindow = \"1h\"\nquiet_period = 0\n") +
                       kMinimal);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_EQ(r.config->smtp.timeout_command, Seconds(120));
  EXPECT_EQ(r.config->smtp.timeout_data_block, Seconds(90));
  EXPECT_EQ(r.config->smtp.max_message_bytes, 1000000u);
  EXPECT_EQ(r.config->smtp.memory_per_session, 1u << 20);
  EXPECT_EQ(r.config->storm.window, Seconds(3600));
  EXPECT_EQ(r.config->storm.quiet_period, Seconds(0));
}

TEST(Load, RelativePathsResolveAgainstBaseDir) {
  LoadResult r = parse(std::string("[smtp]\nspool_dir = \"../var/spool\"\n"
                                   "[store]\npath = \"/var/lib/backstop/db\"\n"
                                   "[log]\nfile = \"log/decisions.log\"\n") +
                           kMinimal,
                       "/opt/backstop/etc");
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_EQ(r.config->smtp.spool_dir, "/opt/backstop/var/spool");
  EXPECT_EQ(r.config->store.path, "/var/lib/backstop/db");
  EXPECT_EQ(r.config->log.file, "/opt/backstop/etc/log/decisions.log");
  LoadResult defaults = parse(kMinimal, "/opt/backstop/etc");
  ASSERT_NE(defaults.config, nullptr);
  EXPECT_EQ(defaults.config->smtp.spool_dir, "/opt/backstop/etc/var/spool");
  EXPECT_EQ(defaults.config->store.path, "/opt/backstop/etc/var/backstop.db");
}

TEST(Load, LoadConfigResolvesAgainstTheFilesDirectory) {
  TempDir dir;
  dir.write("conf/keys", "# demo\n3 s3cret\n");
  dir.write("conf/users", "# our users\n\nCarol@Example.org\n  dave@example.org  \n@example.net\n");
  std::string path = dir.write(
      "conf/backstop.toml",
      "[downstream]\nservers = \"maildir:../mail\"\n"
      "[domains]\nlocal = [\"example.org\", \"example.net\"]\nrecipients_file = \"users\"\n"
      "[batv]\nkey_file = \"keys\"\nlifetime_days = 3\n");
  LoadResult r = load_config(path);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  const Config& c = *r.config;
  fs::path conf = fs::path(dir.path()) / "conf";
  EXPECT_EQ(c.downstream.servers[0].maildir, (fs::path(dir.path()) / "mail").string());
  EXPECT_EQ(c.domains.recipients_file, (conf / "users").string());
  EXPECT_EQ(c.domains.file_recipients,
            (std::set<std::string>{"carol@example.org", "dave@example.org", "@example.net"}));
  EXPECT_TRUE(c.domains.any_recipient("example.net"));
  EXPECT_EQ(c.batv.key_file, (conf / "keys").string());
  EXPECT_EQ(c.batv.key_text, "# demo\n3 s3cret\n");
  EXPECT_EQ(c.batv.lifetime_days, 3);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Load, RecipientsFromAnSqliteTable) {
  TempDir dir;
  std::string db = (fs::path(dir.path()) / "users.db").string();
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h,
                         "CREATE TABLE recipients(address TEXT PRIMARY KEY);"
                         "INSERT INTO recipients VALUES ('Erin@Example.org'), ('@example.net');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(h);
  std::string path = dir.write(
      "backstop.toml",
      "[downstream]\nservers = \"maildir:mail\"\n"
      "[domains]\nlocal = [\"example.org\", \"example.net\"]\nrecipients_db = \"users.db\"\n");
  LoadResult r = load_config(path);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  EXPECT_EQ(r.config->domains.file_recipients,
            (std::set<std::string>{"erin@example.org", "@example.net"}));
  // A database without the table is an error naming the key.
  std::string bad = (fs::path(dir.path()) / "empty.db").string();
  ASSERT_EQ(sqlite3_open(bad.c_str(), &h), SQLITE_OK);
  sqlite3_close(h);
  LoadResult e = parse(
      "[downstream]\nservers = \"maildir:mail\"\n"
      "[domains]\nlocal = [\"example.org\"]\nrecipients = [\"a@example.org\"]\n"
      "recipients_db = \"" + bad + "\"\n");
  EXPECT_EQ(e.config, nullptr);
  EXPECT_NE(all_errors(e).find("recipients_db"), std::string::npos) << all_errors(e);
}

TEST(Load, UnreadableConfigFile) {
  LoadResult r = load_config("/nonexistent/backstop.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.config, nullptr);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos);
}

TEST(Load, WarnsAboutLocalDomainWithoutRecipients) {
  LoadResult r = parse(
      "[downstream]\nservers = \"127.0.0.1:10025\"\n"
      "[domains]\nlocal = [\"example.org\", \"example.net\"]\nrecipients = \"a@example.org\"\n");
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].key, "domains.local");
  EXPECT_EQ(r.warnings[0].line, 4);
  EXPECT_NE(r.warnings[0].message.find("example.net has no recipients"), std::string::npos);
}

TEST(Load, WarnsAboutPerIpLimitAboveTotal) {
  LoadResult r =
      parse(std::string("[smtp]\nmax_sessions = 10\nmax_sessions_per_ip = 20\n") + kMinimal);
  ASSERT_NE(r.config, nullptr) << all_errors(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].key, "smtp.max_sessions_per_ip");
}

TEST(Load, FormatError) {
  EXPECT_EQ(format_error({"smtp.listen", 3, 12, "bad"}, "f.toml"), "f.toml:3:12: smtp.listen: bad");
  EXPECT_EQ(format_error({"smtp.listen", 3, 0, "bad"}, "f.toml"), "f.toml:3: smtp.listen: bad");
  EXPECT_EQ(format_error({"domains.local", 0, 0, "bad"}, "f.toml"), "f.toml: domains.local: bad");
  EXPECT_EQ(format_error({"", 7, 2, "syntax"}, "f.toml"), "f.toml:7:2: syntax");
}

TEST(Load, ErrorsComeInFileOrder) {
  LoadResult r = parse(
      "[storm]\nwindow = \"soon\"\n"
      "[smtp]\nmax_errors = 0\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n");
  ASSERT_EQ(r.errors.size(), 3u) << all_errors(r);
  EXPECT_EQ(r.errors[0].key, "storm.window");
  EXPECT_EQ(r.errors[1].key, "smtp.max_errors");
  EXPECT_EQ(r.errors[2].key, "downstream.servers");  // no place in the file: last
  EXPECT_EQ(r.errors[2].line, 0);
}

// ---- every validation error, with its key and line ----

TEST(Errors, TomlSyntaxWithLineAndColumn) {
  LoadResult r = parse("[smtp]\nhostname = \"mx.example.org\"\nmax_errors = = 3\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.config, nullptr);
  EXPECT_EQ(r.errors[0].key, "");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_GT(r.errors[0].column, 1);
  LoadResult dup = parse("[smtp]\nhostname = \"a.example\"\nhostname = \"b.example\"\n");
  ASSERT_EQ(dup.errors.size(), 1u);
  EXPECT_EQ(dup.errors[0].line, 3);
}

TEST(Errors, UnknownKeySuggestsTheNearest) {
  expect_error(std::string("[smtp]\nhostnme = \"mx.example.org\"\n") + kMinimal, "smtp.hostnme", 2,
               "did you mean 'hostname'?");
  expect_error(std::string(kMinimal) + "recipient_file = \"x\"\n", "domains.recipient_file", 6,
               "did you mean 'recipients_file'?");
  expect_error(std::string("[storm]\nenabeld = true\n") + kMinimal, "storm.enabeld", 2,
               "did you mean 'enabled'?");
  expect_error(std::string("[smtp]\ncolour = \"blue\"\n") + kMinimal, "smtp.colour", 2,
               "unknown key 'colour' in [smtp]");
}

TEST(Errors, UnknownSectionSuggestsTheNearest) {
  expect_error(std::string("[strom]\nenabled = true\n") + kMinimal, "strom", 1,
               "did you mean [storm]?");
  expect_error(std::string("[greylisting]\nenabled = true\n") + kMinimal, "greylisting", 1,
               "did you mean [greylist]?");
  expect_error(std::string("[bogus]\nenabled = true\n") + kMinimal, "bogus", 1,
               "unknown section [bogus]");
}

TEST(Errors, KeyInTheWrongSection) {
  expect_error(std::string(kMinimal) + "hostname = \"mx.example.org\"\n", "domains.hostname", 6,
               "it belongs in [smtp]");
  expect_error(std::string("hostname = \"mx.example.org\"\n") + kMinimal, "hostname", 1,
               "it belongs in [smtp]");
}

TEST(Errors, SectionThatIsNotATable) {
  expect_error(std::string("smtp = 5\n") + kMinimal, "smtp", 1, "expected a table");
}

TEST(Errors, WrongTypes) {
  expect_error(std::string("[smtp]\nmax_recipients = \"100\"\n") + kMinimal, "smtp.max_recipients",
               2, "expected an integer, got a string");
  expect_error(std::string("[smtp]\nhostname = 5\n") + kMinimal, "smtp.hostname", 2,
               "expected a string, got an integer");
  expect_error(std::string("[storm]\nenabled = \"yes\"\n") + kMinimal, "storm.enabled", 2,
               "expected true or false");
  expect_error(std::string("[smtp]\nlisten = [\"127.0.0.1:25\", 25]\n") + kMinimal, "smtp.listen",
               2, "expected a string, got an integer");
  expect_error(std::string("[relays]\noutbound = { host = \"x\" }\n") + kMinimal, "relays.outbound",
               2, "expected a string or an array of strings");
  expect_error(std::string("[smtp]\ntimeout_command = 2.5\n") + kMinimal, "smtp.timeout_command", 2,
               "got a floating-point number");
  expect_error(std::string("[backscatter]\ndomains = \"example.org\"\n") + kMinimal,
               "backscatter.domains", 2, "expected a table");
}

TEST(Errors, BadDurationsAndSizes) {
  expect_error(std::string("[smtp]\ntimeout_command = \"5 minutes\"\n") + kMinimal,
               "smtp.timeout_command", 2, "not a duration");
  expect_error(std::string("[smtp]\ntimeout_decision = 0\n") + kMinimal, "smtp.timeout_decision", 2,
               "more than zero");
  expect_error(std::string("[storm]\nwindow = -5\n") + kMinimal, "storm.window", 2,
               "not a duration");
  expect_error(std::string("[smtp]\nmax_message_bytes = \"25 MB\"\n") + kMinimal,
               "smtp.max_message_bytes", 2, "not a size");
  expect_error(std::string("[smtp]\nmemory_per_session = 0\n") + kMinimal,
               "smtp.memory_per_session", 2, "more than zero");
}

TEST(Errors, MaxValuesZero) {
  for (const char* key : {"max_recipients", "max_sessions", "max_sessions_per_ip", "max_errors"})
    expect_error(std::string("[smtp]\n") + key + " = 0\n" + kMinimal, std::string("smtp.") + key, 2,
                 "out of range");
  expect_error(std::string("[smtp]\nmax_message_bytes = 0\n") + kMinimal, "smtp.max_message_bytes",
               2, "more than zero");
  expect_error(std::string("[storm]\ndomain_backscatter = 0\n") + kMinimal,
               "storm.domain_backscatter", 2, "out of range");
  expect_error(std::string("[smtp]\nmax_recipients = -3\n") + kMinimal, "smtp.max_recipients", 2,
               "out of range");
}

TEST(Errors, BadIpsAndCidrs) {
  expect_error(std::string("[relays]\nnetworks = [\"10.0.0.0/8\", \"10.1.2.3/8\"]\n") + kMinimal,
               "relays.networks", 2, "did you mean '10.0.0.0/8'?");
  expect_error(std::string("[relays]\nnetworks = \"192.0.2.0/33\"\n") + kMinimal, "relays.networks",
               2, "more than 32");
  expect_error(std::string("[block]\nclients = \"2001:db8::/129\"\n") + kMinimal, "block.clients",
               2, "more than 128");
  expect_error(std::string("[allow]\nclients = \"300.1.2.3\"\n") + kMinimal, "allow.clients", 2,
               "not an IPv4 or IPv6 address");
  expect_error(std::string("[relays]\nnetworks = \"mail.example.org\"\n") + kMinimal,
               "relays.networks", 2, "host names are not allowed here");
  expect_error(std::string("[checks]\nour_ips = \"192.0.2.0/24\"\n") + kMinimal, "checks.our_ips",
               2, "not an IPv4 or IPv6 address");
}

TEST(Errors, BadHostPatterns) {
  expect_error(std::string("[allow]\nclients = \"ex*ample.com\"\n") + kMinimal, "allow.clients", 2,
               "'*' is only allowed as a whole first label");
  expect_error(std::string("[relays]\noutbound = \"out..example.org\"\n") + kMinimal,
               "relays.outbound", 2, "empty label");
  expect_error(std::string("[checks]\nour_hosts = \"*.example.org\"\n") + kMinimal,
               "checks.our_hosts", 2, "a single host name is needed here");
  expect_error(std::string("[smtp]\nhostname = \"mx example.org\"\n") + kMinimal, "smtp.hostname",
               2, "cannot appear in a host name");
}

TEST(Errors, PortsAndListenAddresses) {
  expect_error(std::string("[smtp]\nlisten = \"127.0.0.1:65536\"\n") + kMinimal, "smtp.listen", 2,
               "port from 1 to 65535");
  expect_error(std::string("[smtp]\nlisten = \"127.0.0.1:0\"\n") + kMinimal, "smtp.listen", 2,
               "port from 1 to 65535");
  expect_error(std::string("[smtp]\nlisten = \"localhost:25\"\n") + kMinimal, "smtp.listen", 2,
               "not an IP address");
  expect_error(std::string("[smtp]\nlisten = [\"127.0.0.1:25\", \"127.0.0.1\"]\n") + kMinimal,
               "smtp.listen", 2, "listed twice");
  expect_error(std::string("[smtp]\nlisten = []\n") + kMinimal, "smtp.listen", 2,
               "nothing to serve");
  expect_error(
      "[downstream]\nservers = [\"127.0.0.1:10025\", \"mta:70000\"]\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n",
      "downstream.servers", 2, "ports are 1 to 65535");
  expect_error(
      "[downstream]\nservers = \"maildir:\"\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n",
      "downstream.servers", 2, "no directory");
  expect_error(
      "[downstream]\nservers = \"bad_host!:25\"\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n",
      "downstream.servers", 2, "neither an IP address nor a host name");
}

TEST(Errors, DownstreamMissingOrEmpty) {
  LoadResult missing = parse("[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n");
  ConfigError e = error_for(missing, "downstream.servers");
  EXPECT_EQ(e.line, 0);
  EXPECT_NE(e.message.find("is missing"), std::string::npos);
  LoadResult empty_section = parse(
      "[downstream]\nconnect_timeout = \"5s\"\n[domains]\n"
      "local = \"example.org\"\nrecipients = \"@example.org\"\n");
  EXPECT_EQ(error_for(empty_section, "downstream.servers").line, 1);  // at [downstream]
  expect_error(
      "[downstream]\nservers = []\n[domains]\nlocal = \"example.org\"\n"
      "recipients = \"@example.org\"\n",
      "downstream.servers", 2, "is empty");
}

TEST(Errors, LocalDomainsMissingEmptyOrBad) {
  LoadResult missing = parse("[downstream]\nservers = \"127.0.0.1:10025\"\n");
  EXPECT_NE(error_for(missing, "domains.local").message.find("is missing"), std::string::npos);
  expect_error("[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = []\n",
               "domains.local", 4, "is empty");
  expect_error("[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = \"localhost\"\n",
               "domains.local", 4, "not a domain name");
}

TEST(Errors, HostnameEmpty) {
  expect_error(std::string("[smtp]\nhostname = \"\"\n") + kMinimal, "smtp.hostname", 2,
               "must not be empty");
}

TEST(Errors, TlsCertAndKeyGoTogether) {
  TempDir dir;
  std::string cert = dir.write("cert.pem", "x");
  expect_error(std::string("[smtp]\ntls_cert = \"") + cert + "\"\n" + kMinimal, "smtp.tls_cert", 2,
               "tls_key is not");
  LoadResult key_only = parse(std::string("[smtp]\n\ntls_key = \"") + cert + "\"\n" + kMinimal);
  EXPECT_EQ(error_for(key_only, "smtp.tls_key").line, 3);
  LoadResult both =
      parse(std::string("[smtp]\ntls_cert = \"cert.pem\"\ntls_key = \"cert.pem\"\n") + kMinimal,
            dir.path());
  EXPECT_NE(both.config, nullptr) << all_errors(both);
  LoadResult missing =
      parse(std::string("[smtp]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n") + kMinimal,
            dir.path());
  EXPECT_NE(error_for(missing, "smtp.tls_key").message.find("not a file"), std::string::npos);
}

TEST(Errors, LifetimeOutOfRange) {
  expect_error(std::string("[batv]\nlifetime_days = 0\n") + kMinimal, "batv.lifetime_days", 2,
               "from 1 to 998");
  expect_error(std::string("[batv]\nlifetime_days = 999\n") + kMinimal, "batv.lifetime_days", 2,
               "from 1 to 998");
  LoadResult ok = parse(std::string("[batv]\nlifetime_days = 998\n") + kMinimal);
  EXPECT_NE(ok.config, nullptr) << all_errors(ok);
}

TEST(Errors, MissingFiles) {
  TempDir dir;
  expect_error(std::string("[batv]\nkey_file = \"/nonexistent/keys\"\n") + kMinimal,
               "batv.key_file", 2, "cannot read");
  expect_error(std::string(kMinimal) + "recipients_file = \"/nonexistent/users\"\n",
               "domains.recipients_file", 6, "cannot read");
  expect_error(
      std::string("[smtp]\ntls_cert = \"/nonexistent/c\"\ntls_key = \"/nonexistent/k\"\n") +
          kMinimal,
      "smtp.tls_cert", 2, "not a file");
  expect_error(std::string("[batv]\nkey_file = \"") + dir.path() + "\"\n" + kMinimal,
               "batv.key_file", 2, "is a directory");
}

TEST(Errors, BadKeyFileNamesItsLine) {
  TempDir dir;
  std::string keys = dir.write("keys", "# keys\n1 good secret\nx bad\n");
  LoadResult r = parse(std::string("[batv]\nkey_file = \"") + keys + "\"\n" + kMinimal);
  ConfigError e = error_for(r, "batv.key_file");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find(keys + ":3: "), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("good secret"), std::string::npos) << "never print a secret";
  std::string empty = dir.write("empty", "# no keys yet\n");
  LoadResult none = parse(std::string("[batv]\nkey_file = \"") + empty + "\"\n" + kMinimal);
  EXPECT_EQ(error_for(none, "batv.key_file").line, 2);
}

TEST(Errors, RecipientsOutsideLocalDomains) {
  expect_error(
      "[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = \"example.org\"\n"
      "recipients = [\"a@example.org\", \"b@example.net\"]\n",
      "domains.recipients", 5, "'b@example.net' is not in a local domain");
  expect_error(
      "[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = \"example.org\"\n"
      "recipients = [\"@example.com\"]\n",
      "domains.recipients", 5, "not in a local domain");
  expect_error(
      "[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = \"example.org\"\n"
      "recipients = [\"Alice <alice@example.org>\"]\n",
      "domains.recipients", 5, "not a mail address");
  TempDir dir;
  std::string users = dir.write("users", "a@example.org\n# ok\nb@example.net\nnonsense\n");
  LoadResult r = parse(
      "[downstream]\nservers = \"127.0.0.1:10025\"\n[domains]\nlocal = \"example.org\"\n"
      "recipients_file = \"" +
      users + "\"\n");
  int found = 0;
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.key, "domains.recipients_file");
    EXPECT_EQ(e.line, 5);
    if (e.message.find(users + ":3: 'b@example.net' is not in a local domain") == 0) ++found;
    if (e.message.find(users + ":4: 'nonsense' is not a mail address") == 0) ++found;
  }
  EXPECT_EQ(found, 2) << all_errors(r);
  EXPECT_EQ(r.errors.size(), 2u);
}

TEST(Errors, WrongWords) {
  expect_error(std::string("[checks]\nhelo_is_us = \"note\"\n") + kMinimal, "checks.helo_is_us", 2,
               "'note' is not one of \"reject\", \"tempfail\", \"off\"");
  expect_error(std::string("[checks]\nown_domain_sender = \"warn\"\n") + kMinimal,
               "checks.own_domain_sender", 2, "\"note\", \"reject\"");
  expect_error(std::string("[checks]\nnull_sender_multi_rcpt = \"Reject\"\n") + kMinimal,
               "checks.null_sender_multi_rcpt", 2, "is not one of");
  expect_error(std::string("[backscatter]\naction = \"bounce\"\n") + kMinimal, "backscatter.action",
               2, "\"discard\", \"tag\"");
  expect_error(std::string("[log]\nformat = \"xml\"\n") + kMinimal, "log.format", 2,
               "not \"text\" or \"json\"");
}

TEST(Errors, BackscatterOverrides) {
  expect_error(std::string(kMinimal) + "[backscatter.domains]\n\"example.net\" = \"tag\"\n",
               "backscatter.domains.\"example.net\"", 7, "not one of the local domains");
  expect_error(std::string(kMinimal) + "[backscatter.recipients]\n\"a@example.org\" = \"drop\"\n",
               "backscatter.recipients.\"a@example.org\"", 7, "is not one of");
  expect_error(std::string(kMinimal) + "[backscatter.recipients]\n\"@example.org\" = \"tag\"\n",
               "backscatter.recipients.\"@example.org\"", 7, "put it in [backscatter.domains]");
  expect_error(std::string(kMinimal) + "[backscatter.recipients]\n\"a@example.com\" = \"tag\"\n",
               "backscatter.recipients.\"a@example.com\"", 7, "not in a local domain");
  expect_error(std::string(kMinimal) + "[backscatter.domains]\n\"example.org\" = 1\n",
               "backscatter.domains.\"example.org\"", 7, "expected an action");
  expect_error(std::string(kMinimal) + "[backscatter.domains]\nexample.org = \"tag\"\n",
               "backscatter.domains.\"example\"", 7, "put names with dots in quotes");
}

TEST(Errors, ReplyTextAndHeaderName) {
  expect_error(std::string("[backscatter]\nreject_text = \"two\\nlines\"\n") + kMinimal,
               "backscatter.reject_text", 2, "one line of printable ASCII");
  expect_error(std::string("[backscatter]\nreject_text = \"\"\n") + kMinimal,
               "backscatter.reject_text", 2, "must not be empty");
  expect_error(
      std::string("[backscatter]\nreject_text = \"") + std::string(401, 'x') + "\"\n" + kMinimal,
      "backscatter.reject_text", 2, "longer than 400");
  expect_error(std::string("[backscatter]\ntag_header = \"X-Spam: yes\"\n") + kMinimal,
               "backscatter.tag_header", 2, "not a header field name");
}

TEST(Errors, UnknownUser) {
  expect_error(std::string("[smtp]\nuser = \"no-such-user-backstop-test\"\n") + kMinimal,
               "smtp.user", 2, "no such user");
  LoadResult root = parse(std::string("[smtp]\nuser = \"root\"\n") + kMinimal);
  EXPECT_NE(root.config, nullptr) << all_errors(root);
}

TEST(Errors, EmptyPaths) {
  expect_error(std::string("[smtp]\nspool_dir = \"\"\n") + kMinimal, "smtp.spool_dir", 2,
               "must not be empty");
  expect_error(std::string("[store]\npath = \"\"\n") + kMinimal, "store.path", 2,
               "must not be empty");
}

TEST(Errors, EveryErrorIsReportedNotJustTheFirst) {
  LoadResult r = parse(
      "[smtp]\nmax_errors = 0\nhostnme = \"x\"\nlisten = \"nowhere\"\n"
      "[downstream]\nservers = []\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"x@example.com\"\n"
      "[batv]\nlifetime_days = 0\n");
  EXPECT_EQ(r.errors.size(), 6u) << all_errors(r);
  EXPECT_EQ(r.config, nullptr);
}

}  // namespace
}  // namespace backstop::config
