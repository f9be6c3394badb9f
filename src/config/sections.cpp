// Reads the sections declared in sections.h. Same rules as load.cpp: every problem reported
// with its key and line, defaults kept for values that are wrong.
#include "config/sections.h"

#include <algorithm>

#include "core/text.h"
#include "report/keys.h"

namespace backstop::config::detail {
namespace {

// "IP:port", "[IPv6]:port" or (when unix_ok) "unix:/absolute/path"; duplicates refused.
void listen_list(Reader& r, std::string_view key, bool unix_ok, const Paths& paths,
                 std::vector<std::string>& out) {
  auto items = r.strings(key);
  if (!items) return;
  out.clear();
  for (const Item& i : *items) {
    std::string text;
    if (unix_ok && core::istarts_with(i.value, "unix:")) {
      std::string path(core::trim(std::string_view(i.value).substr(5)));
      if (path.empty()) {
        r.error(key, i.pos, "'" + i.value + "': no socket path after \"unix:\"");
        continue;
      }
      text = "unix:" + paths.resolve(path);
    } else {
      std::string error;
      auto ep = listen_address(i.value, &error);
      if (!ep) {
        r.error(key, i.pos, error + (unix_ok ? " (or \"unix:/path/to/socket\")" : ""));
        continue;
      }
      text = ep->text;
    }
    if (std::find(out.begin(), out.end(), text) != out.end()) {
      r.error(key, i.pos, "'" + i.value + "' is listed twice");
      continue;
    }
    out.push_back(std::move(text));
  }
}

void zone_name(Reader& r, std::string_view key, std::string& out) {
  if (!r.string(key, out) || out.empty()) return;
  std::string error;
  if (auto name = domain_name(out, &error))
    out = *name;
  else {
    r.error(key, r.pos(key), error);
    out.clear();
  }
}

void read_milter(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "milter"), "milter", sink);
  listen_list(r, "listen", true, paths, c.milter.listen);
  if (auto items = r.strings("outbound_daemons")) {
    c.milter.outbound_daemons.clear();
    for (const Item& i : *items) {
      if (i.value.empty() || i.value.find_first_of(" \t\r\n") != std::string::npos)
        r.error("outbound_daemons", i.pos, "'" + i.value + "' is not a daemon name");
      else
        c.milter.outbound_daemons.insert(i.value);
    }
  }
  r.duration("timeout", c.milter.timeout, false);

  Reader p(section(root, "policy"), "policy", sink);
  listen_list(p, "listen", true, paths, c.policy.listen);
  p.duration("timeout", c.policy.timeout, false);
}

void read_dns(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "dns"), "dns", sink);
  DnsConfig& d = c.dns;
  listen_list(r, "listen", false, paths, d.listen);
  zone_name(r, "block_zone", d.block_zone);
  zone_name(r, "allow_zone", d.allow_zone);
  zone_name(r, "domain_allow_zone", d.domain_allow_zone);
  if (r.string("ns", d.ns) && !d.ns.empty()) {
    std::string error;
    if (auto name = host_name(d.ns, &error)) d.ns = *name;
    else r.error("ns", r.pos("ns"), error);
  }
  if (d.ns.empty()) d.ns = c.smtp.hostname;
  if (r.string("hostmaster", d.hostmaster) && !d.hostmaster.empty() &&
      d.hostmaster.find('@') == std::string::npos)
    r.error("hostmaster", r.pos("hostmaster"), "'" + d.hostmaster + "' is not an address");
  r.duration("ttl", d.ttl, false);
  std::vector<std::string> zones;
  for (const auto* z : {&d.block_zone, &d.allow_zone, &d.domain_allow_zone})
    if (!z->empty()) {
      if (std::find(zones.begin(), zones.end(), *z) != zones.end())
        r.error("listen", r.pos("block_zone"), "zone '" + *z + "' is named twice");
      zones.push_back(*z);
    }
  if (!d.listen.empty() && zones.empty())
    r.error("listen", r.pos("listen"),
            "is set but no zone is: name block_zone, allow_zone or domain_allow_zone");
}

void read_resolver(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "resolver"), "resolver", sink);
  ResolverConfig& res = c.resolver;
  if (auto items = r.strings("servers")) {
    for (const Item& i : *items) {
      // c-ares takes numeric addresses only; a name here would need a resolver to resolve.
      auto hp = parse_host_port(i.value);
      if (!hp || !core::parse_ip(hp->host))
        r.error("servers", i.pos,
                "'" + i.value + "' is not an IP address, \"IP:port\" or \"[IPv6]:port\"");
      else
        res.servers.push_back(i.value);
    }
  }
  r.duration("timeout", res.timeout, false);
  r.choice("client_names", res.client_names,
           {{"auto", ClientNames::kAuto}, {"always", ClientNames::kAlways},
            {"never", ClientNames::kNever}});
}

void read_report(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "report"), "report", sink);
  ReportConfig& rep = c.report;
  listen_list(r, "listen", false, paths, rep.listen);
  if (auto items = r.strings("peers")) {
    for (const Item& i : *items) {
      auto hp = parse_host_port(i.value);
      if (!hp || !i.value.ends_with(":" + std::to_string(hp->port)))
        r.error("peers", i.pos, "'" + i.value + "' is not \"host:port\" or \"[IPv6]:port\"");
      else
        rep.peers.push_back(i.value);
    }
  }
  if (r.string("node", rep.node) &&
      (rep.node.size() > 64 ||
       rep.node.find_first_of(" \t\r\n") != std::string::npos))
    r.error("node", r.pos("node"), "must be at most 64 characters without spaces");
  if (rep.node.empty()) rep.node = c.smtp.hostname.substr(0, 64);
  r.duration("window", rep.window, false);
  if (r.string("key_file", rep.key_file) && !rep.key_file.empty()) {
    rep.key_file = paths.resolve(rep.key_file);
    if (auto why = read_file(rep.key_file, 1u << 20, rep.key_text))
      r.error("key_file", r.pos("key_file"), *why);
    else
      for (const auto& e : report::parse_report_keys(rep.key_text, rep.key_file).errors)
        r.error("key_file", r.pos("key_file"), e);
  }
  if ((!rep.listen.empty() || !rep.peers.empty()) && rep.key_file.empty())
    r.error("key_file", r.pos("key_file"),
            "is missing: reports are signed, so listen and peers need a key file");
}

std::optional<ReasonConfig> read_reason(const toml::table& t, Sink& sink, int index) {
  Reader r(t, "reasons[" + std::to_string(index) + "]", sink);
  ReasonConfig reason;
  if (!r.string("name", reason.name) || reason.name.empty()) {
    r.error("name", r.pos("name"), "every [[reasons]] table needs a name");
    return std::nullopt;
  }
  for (char ch : reason.name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')) {
      r.error("name", r.pos("name"), "'" + reason.name + "': use letters, digits, '-' and '_'");
      return std::nullopt;
    }
  return reason;
}

void read_reasons(const toml::table& root, Sink& sink, Config& c) {
  c.reasons = default_reasons();
  const toml::node* n = root.get("reasons");
  if (!n || !n->is_array_of_tables()) return;
  int index = 0;
  for (const auto& node : *n->as_array()) {
    const toml::table& t = *node.as_table();
    auto named = read_reason(t, sink, index);
    if (!named) {
      ++index;
      continue;
    }
    auto it = std::find_if(c.reasons.begin(), c.reasons.end(),
                           [&](const ReasonConfig& x) { return x.name == named->name; });
    ReasonConfig& reason = it != c.reasons.end() ? *it : c.reasons.emplace_back(*named);
    Reader r(t, "reasons[" + std::to_string(index) + "]", sink);
    r.duration("lifetime", reason.lifetime, true);
    std::string answer;
    if (r.string("answer", answer)) {
      if (answer == "permanent") reason.permanent = true;
      else if (answer == "temporary") reason.permanent = false;
      else r.error("answer", r.pos("answer"), "'" + answer + "' is not \"temporary\" or \"permanent\"");
    }
    if (r.string("text", reason.text)) {
      if (auto why = reply_text_error(reason.text)) r.error("text", r.pos("text"), *why);
    }
    r.integer("code", reason.code, 2, 254);
    ++index;
  }
}

void autolist_reason(Reader& r, std::string_view key, const Config& c, std::string& out) {
  if (!r.string(key, out) || out.empty()) return;
  if (!c.reason(out)) {
    std::string names;
    for (const auto& x : c.reasons) names += (names.empty() ? "" : ", ") + x.name;
    r.error(key, r.pos(key), "no [[reasons]] is named '" + out + "' (declared: " + names + ")");
    out.clear();
  }
}

void read_autolist(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "autolist"), "autolist", sink);
  AutolistConfig& a = c.autolist;
  autolist_reason(r, "helo_is_us", c, a.helo_is_us);
  autolist_reason(r, "own_domain_forged", c, a.own_domain_forged);
  autolist_reason(r, "unknown_users", c, a.unknown_users);
  r.integer("unknown_users_count", a.unknown_users_count, 1, 1000000);
  r.duration("unknown_users_window", a.unknown_users_window, false);
  autolist_reason(r, "backscatter", c, a.backscatter);
  r.integer("backscatter_count", a.backscatter_count, 1, 1000000);
  r.duration("backscatter_window", a.backscatter_window, false);
}

void fail_mode(Reader& r, bool& open) {
  std::string word;
  if (!r.string("fail", word)) return;
  if (word == "open") open = true;
  else if (word == "tempfail") open = false;
  else r.error("fail", r.pos("fail"), "'" + word + "' is not \"open\" or \"tempfail\"");
}

void read_greylist(const toml::table& root, Sink& sink, Config& c) {
  Reader r(section(root, "greylist"), "greylist", sink);
  GreylistConfig& g = c.greylist;
  r.boolean("enabled", g.enabled);
  r.duration("delay", g.delay, true);
  r.duration("retry_window", g.retry_window, false);
  r.duration("lifetime", g.lifetime, false);
  r.integer("pass_count", g.pass_count, 0, 1000000);
  r.duration("pass_lifetime", g.pass_lifetime, false);
  r.integer("ipv4_prefix", g.ipv4_prefix, 8, 32);
  r.integer("ipv6_prefix", g.ipv6_prefix, 16, 128);
  fail_mode(r, g.fail_open);
  if (g.retry_window <= g.delay)
    r.error("retry_window", r.pos("retry_window"), "must be longer than delay");
}

void read_store(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  Reader r(section(root, "store"), "store", sink);
  StoreConfig& s = c.store;
  r.choice("backend", s.backend,
           {{"sqlite", std::string("sqlite")}, {"redis", std::string("redis")},
            {"memory", std::string("memory")}});
  if (r.string("path", s.path) && s.path.empty()) r.error("path", r.pos("path"), "must not be empty");
  s.path = paths.resolve(s.path);
  if (auto items = r.strings("redis")) {
    for (const Item& i : *items) {
      auto hp = parse_host_port(i.value);
      if (!hp) r.error("redis", i.pos, "'" + i.value + "' is not \"host:port\"");
      else s.redis.push_back(hp->host + ":" + std::to_string(hp->port));
    }
  }
  r.choice("redis_mode", s.redis_mode,
           {{"shard", std::string("shard")}, {"replicated", std::string("replicated")}});
  r.string("redis_prefix", s.redis_prefix);
  r.duration("refresh", s.refresh, false);
  fail_mode(r, s.fail_open);
  if (s.backend == "redis" && s.redis.empty())
    r.error("redis", r.pos("redis"), "backend = \"redis\" needs at least one \"host:port\"");
}

}  // namespace

std::vector<ReasonConfig> default_reasons() {
  auto hours = [](int h) { return Seconds(h * 3600); };
  return {
      {"manual", Seconds(0), true, "Your address is on this site's blocklist", 2},
      {"virus", hours(24), false, "Your server sent us a virus; try again later", 3},
      {"helo-is-us", hours(72), true, "Your server greeted us with our own name", 4},
      {"backscatter-source", hours(6), false,
       "Your server sends us bounces of mail we never sent; try again later", 5},
      {"forged-sender", hours(24), false, "Your server forged our domain as sender", 6},
      {"unknown-users", hours(6), false,
       "Too many messages to unknown users from your address; try again later", 7},
      {"spam", hours(24), false, "Your server sent us spam; try again later", 8},
  };
}

void read_front_ends(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  read_milter(root, sink, paths, c);
  read_dns(root, sink, paths, c);
  read_resolver(root, sink, c);
  read_report(root, sink, paths, c);
}

void read_reputation(const toml::table& root, Sink& sink, const Paths& paths, Config& c) {
  read_reasons(root, sink, c);
  read_autolist(root, sink, c);
  read_greylist(root, sink, c);
  read_store(root, sink, paths, c);

  Reader b(section(root, "batv"), "batv", sink);
  if (auto items = b.strings("sign_domains")) {
    for (const Item& i : *items) {
      std::string error;
      if (auto name = domain_name(i.value, &error)) c.batv.sign_domains.insert(*name);
      else b.error("sign_domains", i.pos, error);
    }
  } else {
    c.batv.sign_domains = c.domains.local;
  }
}

}  // namespace backstop::config::detail
