// Turns the TOML configuration file into a validated Config snapshot: every key read with its
// type checked, every problem reported with the key and its line, unknown keys caught with a
// "did you mean". The file is trusted local input, but a typo must never start a daemon that
// silently does something else. toml++ throws on syntax errors; they are caught here only.
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>

#include "config/config.h"
#include "config/reader.h"
#include "config/sections.h"
#include "config/values.h"

namespace backstop::config {
namespace {

using detail::Item;
using detail::Paths;
using detail::Reader;
using detail::section;
using detail::Sink;
using detail::type_name;

// The sections and their keys: anything else in the file is an error.
struct Section {
  const char* name;
  std::vector<std::string_view> keys;
  bool array = false;  // [[name]]: an array of tables
};

const std::vector<Section>& schema() {
  static const std::vector<Section> kSchema = {
      {"smtp",
       {"listen", "hostname", "tls_cert", "tls_key", "max_message_bytes", "max_recipients",
        "max_sessions", "max_sessions_per_ip", "max_errors", "memory_per_session", "spool_dir",
        "timeout_command", "timeout_data_block", "timeout_decision", "user"}},
      {"downstream", {"servers", "connect_timeout", "command_timeout", "pool_size", "pool_idle"}},
      {"domains", {"local", "recipients", "recipients_file", "recipients_db"}},
      {"relays", {"outbound", "networks"}},
      {"batv", {"key_file", "lifetime_days", "sign_domains"}},
      {"checks",
       {"helo_is_us", "own_domain_sender", "null_sender_multi_rcpt", "our_hosts", "our_ips"}},
      {"backscatter", {"action", "reject_text", "tag_header", "domains", "recipients"}},
      {"storm",
       {"enabled", "window", "domain_backscatter", "domain_unknown_users", "recipient_backscatter",
        "quiet_period", "strict_rcpt", "strict_stage"}},
      {"allow", {"clients", "sender_domains"}},
      {"block", {"clients"}},
      {"milter", {"listen", "outbound_daemons", "timeout"}},
      {"policy", {"listen", "timeout"}},
      {"reasons", {"name", "lifetime", "answer", "text", "code"}, true},
      {"autolist",
       {"helo_is_us", "own_domain_forged", "unknown_users", "unknown_users_count",
        "unknown_users_window", "backscatter", "backscatter_count", "backscatter_window"}},
      {"greylist",
       {"enabled", "delay", "retry_window", "lifetime", "pass_count", "pass_lifetime",
        "ipv4_prefix", "ipv6_prefix", "fail"}},
      {"dns", {"listen", "block_zone", "allow_zone", "domain_allow_zone", "ns", "hostmaster", "ttl"}},
      {"resolver", {"servers", "timeout", "client_names"}},
      {"report", {"listen", "key_file", "peers", "node", "window"}},
      {"store", {"backend", "path", "redis", "redis_mode", "redis_prefix", "refresh", "fail"}},
      {"log", {"format", "file"}},
  };
  return kSchema;
}

// "; it belongs in [smtp]" when key is a key of some section, else "".
std::string home_of(std::string_view key) {
  for (const auto& s : schema())
    if (std::find(s.keys.begin(), s.keys.end(), key) != s.keys.end())
      return std::string("; it belongs in [") + s.name + "]";
  return "";
}

void client_list(Reader& r, std::string_view key, bool hosts_allowed, ClientList& out) {
  auto items = r.strings(key);
  if (!items) return;
  for (const Item& i : *items) {
    std::string error;
    if (!out.add(i.value, hosts_allowed, &error)) r.error(key, i.pos, error);
  }
}

// Resolves the path and reports it when it is not an existing file.
void existing_file(Reader& r, std::string_view key, const Paths& paths, std::string& path) {
  path = paths.resolve(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    r.error(
        key, r.pos(key),
        "'" + path + "' is not a file (" + (ec ? ec.message() : std::string("no such file")) + ")");
}

// Checks every key of the file against the schema; each unknown one is an error with the
// nearest known name as a suggestion.
void check_names(const toml::table& root, Sink& sink) {
  std::vector<std::string_view> sections;
  for (const auto& s : schema()) sections.push_back(s.name);
  for (auto&& [k, v] : root) {
    const Section* section = nullptr;
    for (const auto& s : schema())
      if (k.str() == s.name) section = &s;
    if (!section) {
      std::string message = v.is_table() ? "unknown section [" + std::string(k.str()) + "]"
                                         : "unknown key '" + std::string(k.str()) + "'";
      std::string hint = detail::suggest(k.str(), sections);
      if (!hint.empty())
        message += "; did you mean [" + hint + "]?";
      else
        message += home_of(k.str());
      sink.error(std::string(k.str()), k.source().begin, message);
      continue;
    }
    std::vector<const toml::table*> tables;
    if (section->array) {
      const toml::array* a = v.as_array();
      if (a && a->is_array_of_tables()) {
        for (const auto& t : *a) tables.push_back(t.as_table());
      } else {
        sink.error(std::string(k.str()), v.source().begin,
                   "expected tables ([[" + std::string(k.str()) + "]]), got " + type_name(v));
        continue;
      }
    } else if (v.is_table()) {
      tables.push_back(v.as_table());
    } else {
      sink.error(std::string(k.str()), v.source().begin,
                 "expected a table ([" + std::string(k.str()) + "]), got " + type_name(v));
      continue;
    }
    for (const toml::table* t : tables) {
      for (auto&& [key, value] : *t) {
        if (std::find(section->keys.begin(), section->keys.end(), key.str()) !=
            section->keys.end())
          continue;
        std::string message =
            "unknown key '" + std::string(key.str()) + "' in [" + section->name + "]";
        std::string hint = detail::suggest(key.str(), section->keys);
        if (!hint.empty())
          message += "; did you mean '" + hint + "'?";
        else
          message += home_of(key.str());
        sink.error(std::string(k.str()) + "." + std::string(key.str()), key.source().begin,
                   message);
      }
    }
  }
}

void read_smtp(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "smtp"), "smtp", sink);
  SmtpConfig& s = c.smtp;
  if (auto items = r.strings("listen")) {
    s.listen.clear();
    for (const Item& i : *items) {
      std::string error;
      auto ep = detail::listen_address(i.value, &error);
      if (!ep) {
        r.error("listen", i.pos, error);
        continue;
      }
      if (std::find(s.listen.begin(), s.listen.end(), ep->text) != s.listen.end()) {
        r.error("listen", i.pos, "'" + i.value + "' is listed twice");
        continue;
      }
      s.listen.push_back(ep->text);
      if (!ep->wildcard) c.checks.our_ips.push_back(ep->ip);
    }
  } else {
    for (const auto& l : s.listen)
      if (auto ep = detail::listen_address(l, nullptr); ep && !ep->wildcard)
        c.checks.our_ips.push_back(ep->ip);
  }
  if (r.string("hostname", s.hostname)) {
    std::string error;
    if (s.hostname.empty()) {
      r.error("hostname", r.pos("hostname"),
              "must not be empty: it is our name in the "
              "greeting, in Received lines and in HELO checks");
    } else if (auto h = detail::host_name(s.hostname, &error)) {
      s.hostname = *h;
    } else {
      r.error("hostname", r.pos("hostname"), error);
    }
  }
  bool cert = r.string("tls_cert", s.tls_cert);
  bool key = r.string("tls_key", s.tls_key);
  if (cert && !s.tls_cert.empty()) existing_file(r, "tls_cert", paths, s.tls_cert);
  if (key && !s.tls_key.empty()) existing_file(r, "tls_key", paths, s.tls_key);
  if (!s.tls_cert.empty() && s.tls_key.empty())
    r.error("tls_cert", r.pos("tls_cert"),
            "tls_cert is set but tls_key is not; STARTTLS needs "
            "both (or neither, to turn it off)");
  if (s.tls_cert.empty() && !s.tls_key.empty())
    r.error("tls_key", r.pos("tls_key"),
            "tls_key is set but tls_cert is not; STARTTLS needs "
            "both (or neither, to turn it off)");
  r.size("max_message_bytes", s.max_message_bytes);
  r.integer("max_recipients", s.max_recipients, 1, 100000);
  r.integer("max_sessions", s.max_sessions, 1, 1000000);
  r.integer("max_sessions_per_ip", s.max_sessions_per_ip, 1, 1000000);
  r.integer("max_errors", s.max_errors, 1, 1000);
  r.size("memory_per_session", s.memory_per_session);
  if (r.string("spool_dir", s.spool_dir) && s.spool_dir.empty())
    r.error("spool_dir", r.pos("spool_dir"), "must not be empty");
  s.spool_dir = paths.resolve(s.spool_dir);
  r.duration("timeout_command", s.timeout_command, false);
  r.duration("timeout_data_block", s.timeout_data_block, false);
  r.duration("timeout_decision", s.timeout_decision, false);
  if (r.string("user", s.user) && !s.user.empty()) {
    if (auto why = detail::user_error(s.user)) r.error("user", r.pos("user"), *why);
  }
  if (s.max_sessions_per_ip > s.max_sessions)
    r.warning("max_sessions_per_ip", r.pos("max_sessions_per_ip"),
              "is more than max_sessions, so it never applies");
}

// `[smtp] listen = []` turns the shield off (a milter- or policy-only node): no downstream then.
bool shield_off(const toml::table& root) {
  const toml::node* n = section(root, "smtp").get("listen");
  return n && n->is_array() && n->as_array()->empty();
}

void read_downstream(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "downstream"), "downstream", sink);
  DownstreamConfig& d = c.downstream;
  const bool needed = !shield_off(root);
  if (auto items = r.strings("servers")) {
    for (const Item& i : *items) {
      std::string error;
      auto server = detail::downstream_server(i.value, paths, &error);
      if (!server)
        r.error("servers", i.pos, error);
      else
        d.servers.push_back(std::move(*server));
    }
    if (items->empty() && needed)
      r.error("servers", r.pos("servers"),
              "is empty; name at least one MTA "
              "(\"host:port\") or \"maildir:PATH\"");
  } else if (!r.has("servers") && needed) {
    r.error("servers", r.pos("servers"),
            "is missing: backstop needs at least one downstream MTA "
            "(\"host:port\") or \"maildir:PATH\" to deliver to");
  }
  r.duration("connect_timeout", d.connect_timeout, false);
  r.duration("command_timeout", d.command_timeout, false);
  r.integer("pool_size", d.pool_size, 0, 1000);
  r.duration("pool_idle", d.pool_idle, true);
}

void read_domains(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "domains"), "domains", sink);
  DomainsConfig& d = c.domains;
  auto locals = r.strings("local");
  for (const Item& i : locals.value_or(std::vector<Item>{})) {
    std::string error;
    if (auto name = detail::domain_name(i.value, &error))
      d.local.insert(*name);
    else
      r.error("local", i.pos, error);
  }
  if (!r.has("local"))
    r.error("local", r.pos("local"), "is missing: name the domains backstop receives mail for");
  else if (locals && locals->empty())
    r.error("local", r.pos("local"), "is empty: name the domains backstop receives mail for");
  if (auto items = r.strings("recipients")) {
    for (const Item& i : *items) {
      std::string error;
      if (auto a = detail::recipient(i.value, d.local, &error))
        d.recipients.insert(*a);
      else
        r.error("recipients", i.pos, error);
    }
  }
  if (r.string("recipients_file", d.recipients_file) && !d.recipients_file.empty()) {
    d.recipients_file = paths.resolve(d.recipients_file);
    RecipientsFile f = read_recipients_file(d.recipients_file, d.local);
    for (const auto& e : f.errors) r.error("recipients_file", r.pos("recipients_file"), e);
    d.file_recipients = std::move(f.addresses);
  }
  if (r.string("recipients_db", d.recipients_db) && !d.recipients_db.empty()) {
    d.recipients_db = paths.resolve(d.recipients_db);
    RecipientsFile f = read_recipients_db(d.recipients_db, d.local);
    for (const auto& e : f.errors) r.error("recipients_db", r.pos("recipients_db"), e);
    d.file_recipients.insert(f.addresses.begin(), f.addresses.end());
  }
  // No catch-all: a local domain without a single valid address refuses all its mail.
  for (const auto& domain : d.local) {
    if (d.any_recipient(domain)) continue;
    std::string suffix = "@" + domain;
    auto in_domain = [&](const std::string& a) { return a.ends_with(suffix); };
    if (std::any_of(d.recipients.begin(), d.recipients.end(), in_domain) ||
        std::any_of(d.file_recipients.begin(), d.file_recipients.end(), in_domain))
      continue;
    r.warning("local", r.pos("local"),
              "local domain " + domain +
                  " has no recipients, so every RCPT to it gets 550 "
                  "5.1.1; list its addresses in recipients or recipients_file, or \"@" +
                  domain + "\" to accept any user");
  }
}

void read_relays(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "relays"), "relays", sink);
  client_list(r, "outbound", true, c.relays.outbound);
  client_list(r, "networks", false, c.relays.networks);
}

void read_batv(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "batv"), "batv", sink);
  BatvConfig& b = c.batv;
  if (r.integer("lifetime_days", b.lifetime_days, INT32_MIN, INT32_MAX)) {
    if (auto why = detail::lifetime_error(b.lifetime_days)) {
      r.error("lifetime_days", r.pos("lifetime_days"), *why);
      b.lifetime_days = BatvConfig{}.lifetime_days;
    }
  }
  if (r.string("key_file", b.key_file) && !b.key_file.empty()) {
    b.key_file = paths.resolve(b.key_file);
    std::vector<std::string> errors;
    b.key_text = detail::read_key_file(b.key_file, errors);
    for (const auto& e : errors) r.error("key_file", r.pos("key_file"), e);
  }
}

void read_checks(const toml::table& root, Sink& sink, Config& c) {
  using A = CheckAction;
  Reader r(section(root, "checks"), "checks", sink);
  ChecksConfig& k = c.checks;
  r.choice("helo_is_us", k.helo_is_us,
           {{"reject", A::kReject}, {"tempfail", A::kTempfail}, {"off", A::kOff}});
  r.choice(
      "own_domain_sender", k.own_domain_sender,
      {{"note", A::kNote}, {"reject", A::kReject}, {"tempfail", A::kTempfail}, {"off", A::kOff}});
  r.choice("null_sender_multi_rcpt", k.null_sender_multi_rcpt,
           {{"reject", A::kReject}, {"tempfail", A::kTempfail}, {"off", A::kOff}});
  std::vector<std::string> hosts;
  if (auto items = r.strings("our_hosts")) {
    for (const Item& i : *items) {
      std::string error;
      if (auto h = detail::host_name(i.value, &error))
        hosts.push_back(*h);
      else
        r.error("our_hosts", i.pos, error);
    }
  }
  // Our own name is always ours; the listen addresses were added by read_smtp.
  hosts.push_back(c.smtp.hostname);
  for (auto& h : hosts)
    if (std::find(k.our_hosts.begin(), k.our_hosts.end(), h) == k.our_hosts.end())
      k.our_hosts.push_back(h);
  std::vector<core::IpAddress> ips;
  if (auto items = r.strings("our_ips")) {
    for (const Item& i : *items) {
      auto ip = i.value.find('/') == std::string::npos ? core::parse_ip(i.value) : std::nullopt;
      if (ip)
        ips.push_back(*ip);
      else
        r.error("our_ips", i.pos, "'" + i.value + "' is not an IPv4 or IPv6 address");
    }
  }
  ips.insert(ips.end(), k.our_ips.begin(), k.our_ips.end());
  k.our_ips.clear();
  for (const auto& ip : ips)
    if (std::find(k.our_ips.begin(), k.our_ips.end(), ip) == k.our_ips.end())
      k.our_ips.push_back(ip);
}

template <typename Fn>
void read_action_table(Reader& r, std::string_view key, Sink& sink, Fn&& add) {
  const toml::node* n = r.get(key);
  if (!n) return;
  if (!n->is_table()) {
    r.type_error(key, *n, "a table");
    return;
  }
  for (auto&& [k, v] : *n->as_table()) {
    std::string path = r.path(key) + ".\"" + std::string(k.str()) + "\"";
    if (!v.is_string()) {
      std::string message = std::string("expected an action (a string), got ") + type_name(v);
      // example.org = "tag" is the table example with the key org: the name needs quotes.
      if (v.is_table()) message += "; put names with dots in quotes: \"example.org\" = \"tag\"";
      sink.error(path, k.source().begin, message);
      continue;
    }
    std::string word(v.as_string()->get());
    auto action = detail::backscatter_action(word);
    if (!action) {
      sink.error(path, v.source().begin,
                 "'" + word + "' is not one of \"reject\", \"tempfail\", \"discard\", \"tag\"");
      continue;
    }
    std::string error;
    if (!add(std::string(k.str()), *action, &error)) sink.error(path, k.source().begin, error);
  }
}

void read_backscatter(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "backscatter"), "backscatter", sink);
  BackscatterConfig& b = c.backscatter;
  r.choice("action", b.action,
           {{"reject", BackscatterAction::kReject},
            {"tempfail", BackscatterAction::kTempfail},
            {"discard", BackscatterAction::kDiscard},
            {"tag", BackscatterAction::kTag}});
  if (r.string("reject_text", b.reject_text)) {
    if (auto why = detail::reply_text_error(b.reject_text)) {
      r.error("reject_text", r.pos("reject_text"), *why);
      b.reject_text = BackscatterConfig{}.reject_text;
    }
  }
  if (r.string("tag_header", b.tag_header)) {
    if (auto why = detail::header_name_error(b.tag_header)) {
      r.error("tag_header", r.pos("tag_header"), *why);
      b.tag_header = BackscatterConfig{}.tag_header;
    }
  }
  const auto& local = c.domains.local;
  read_action_table(
      r, "domains", sink, [&](std::string key, BackscatterAction a, std::string* error) {
        auto name = detail::domain_name(key, error);
        if (!name) return false;
        if (!local.contains(*name)) {
          *error = "'" + *name + "' is not one of the local domains ([domains] local)";
          return false;
        }
        b.domains[*name] = a;
        return true;
      });
  read_action_table(r, "recipients", sink,
                    [&](std::string key, BackscatterAction a, std::string* error) {
                      auto address = detail::recipient(key, local, error);
                      if (!address) return false;
                      if (address->front() == '@') {
                        *error = "'" + key + "' is a whole domain; put it in [backscatter.domains]";
                        return false;
                      }
                      b.recipients[*address] = a;
                      return true;
                    });
}

void read_storm(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "storm"), "storm", sink);
  StormConfig& s = c.storm;
  r.boolean("enabled", s.enabled);
  r.duration("window", s.window, false);
  r.integer("domain_backscatter", s.domain_backscatter, 1, UINT32_MAX);
  r.integer("domain_unknown_users", s.domain_unknown_users, 1, UINT32_MAX);
  r.integer("recipient_backscatter", s.recipient_backscatter, 1, UINT32_MAX);
  r.duration("quiet_period", s.quiet_period, true);
  r.boolean("strict_rcpt", s.strict_rcpt);
  std::string stage;
  if (r.string("strict_stage", stage)) {
    if (stage == "data")
      s.strict_at_data = true;
    else if (stage != "rcpt")
      r.error("strict_stage", r.pos("strict_stage"), "expected \"rcpt\" or \"data\"");
  }
}

void read_access(const toml::table& root, Sink& sink, Config& c) {
  Reader allow(section(root, "allow"), "allow", sink);
  client_list(allow, "clients", true, c.access.allow);
  if (auto items = allow.strings("sender_domains")) {
    for (const Item& i : *items) {
      std::string error;
      if (auto name = detail::domain_name(i.value, &error))
        c.access.allow_sender_domains.insert(*name);
      else
        allow.error("sender_domains", i.pos, error);
    }
  }
  Reader block(section(root, "block"), "block", sink);
  client_list(block, "clients", true, c.access.block);
}

void read_log(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader log(section(root, "log"), "log", sink);
  std::string format;
  if (log.string("format", format)) {
    if (format == "text" || format == "json")
      c.log.format = format;
    else
      log.error("format", log.pos("format"), "'" + format + "' is not \"text\" or \"json\"");
  }
  if (log.string("file", c.log.file) && !c.log.file.empty()) c.log.file = paths.resolve(c.log.file);
}

}  // namespace

LoadResult parse_config(std::string_view text, const std::string& source_name,
                        const std::string& base_dir) {
  LoadResult result;
  Sink sink;
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    sink.error("", e.source().begin, std::string(e.description()));
    result.errors = std::move(sink.errors);
    return result;
  }
  auto c = std::make_shared<Config>();
  c->source = source_name;
  Paths paths{base_dir};
  check_names(root, sink);
  read_smtp(root, sink, paths, *c);
  read_downstream(root, sink, paths, *c);
  read_domains(root, sink, paths, *c);
  read_relays(root, sink, *c);
  read_batv(root, sink, paths, *c);
  read_checks(root, sink, *c);
  read_backscatter(root, sink, *c);
  read_storm(root, sink, *c);
  read_access(root, sink, *c);
  detail::read_front_ends(root, sink, paths, *c);
  detail::read_reputation(root, sink, paths, *c);
  read_log(root, sink, paths, *c);
  if (c->smtp.listen.empty() && c->milter.listen.empty() && c->policy.listen.empty() &&
      c->dns.listen.empty() && c->report.listen.empty() && shield_off(root))
    sink.error("smtp.listen", section(root, "smtp").get("listen")->source().begin,
               "is empty, and so are [milter], [policy], [dns] and [report] listen: "
               "there is nothing to serve");
  sink.sort();
  result.errors = std::move(sink.errors);
  result.warnings = std::move(sink.warnings);
  if (result.errors.empty()) result.config = std::move(c);
  return result;
}

LoadResult load_config(const std::string& path) {
  std::string text;
  if (auto why = detail::read_file(path, detail::kMaxConfigBytes, text)) {
    LoadResult result;
    result.errors.push_back({"", 0, 0, *why});
    return result;
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  std::string base = ec ? std::filesystem::path(path).parent_path().string()
                        : absolute.parent_path().lexically_normal().string();
  return parse_config(text, path, base);
}

}  // namespace backstop::config
