// `backstop lists add|del|show|import|export`: the shared blocklist and allowlist by hand, and
// rbldnsd files in and out. Writes go straight to the configured store ([store] in the config
// file); running daemons see them within [store] refresh (1 s by default), without a reload.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "config/config.h"
#include "config/durations.h"
#include "core/clock.h"
#include "lists/rbldnsd.h"
#include "lists/record.h"
#include "reputation/store_open.h"
#include "store/open.h"

namespace backstop::app {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

struct ListsOptions {
  std::string config = "/etc/backstop/backstop.toml";
  bool allow = false;
  std::string reason;
  std::string expires;  // duration; overrides the reason's lifetime
  std::string note;
  std::string format;   // import/export: ip4set, ip6trie, dnset
  std::string output;   // export: file ("" = standard output)
  bool json = false;
  std::vector<std::string> entries;
};

struct Opened {
  std::shared_ptr<const config::Config> cfg;
  std::unique_ptr<store::Store> store;
};

std::optional<Opened> open(const ListsOptions& o) {
  config::LoadResult r = config::load_config(o.config);
  if (!r.config) {
    for (const auto& e : r.errors)
      std::fprintf(stderr, "%s\n", config::format_error(e, o.config).c_str());
    return std::nullopt;
  }
  auto s = store::open_store(reputation::store_options(r.config->store));
  if (!s.is_ok()) {
    std::fprintf(stderr, "backstop lists: cannot open the store: %s\n", s.error().c_str());
    return std::nullopt;
  }
  return Opened{r.config, std::move(*s)};
}

std::string list_name(const ListsOptions& o) { return o.allow ? "allow" : "block"; }

// The subject of an entry: an IP or CIDR; for the allowlist also a domain pattern.
std::optional<std::variant<lists::Cidr, lists::DomainPattern>> subject(const std::string& text,
                                                                      bool allow,
                                                                      std::string* error) {
  std::string why;
  if (auto c = lists::parse_cidr(text, &why)) return *c;
  bool looks_ip = text.find_first_not_of("0123456789./") == std::string::npos ||
                  text.find(':') != std::string::npos;
  if (allow && !looks_ip) {
    if (auto d = lists::parse_domain_pattern(text, &why)) return *d;
  }
  *error = "'" + text + "': " + why +
           (allow ? "" : " (the blocklist takes IPs and CIDRs; domains go on the allowlist)");
  return std::nullopt;
}

// The record to store, with reason, node, times from the options and the config.
std::optional<lists::ListRecord> make_record(const ListsOptions& o, const config::Config& cfg,
                                             std::variant<lists::Cidr, lists::DomainPattern> subj,
                                             int64_t now, std::string* error) {
  lists::ListRecord r;
  r.subject = std::move(subj);
  r.reason = o.reason.empty() ? "manual" : o.reason;
  r.node = cfg.report.node.empty() ? "cli" : cfg.report.node;
  r.added = now;
  r.note = o.note;
  const config::ReasonConfig* reason = cfg.reason(r.reason);
  if (!reason) {
    std::string names;
    for (const auto& x : cfg.reasons) names += (names.empty() ? "" : ", ") + x.name;
    *error = "no [[reasons]] is named '" + r.reason + "' (declared: " + names + ")";
    return std::nullopt;
  }
  int64_t lifetime = reason->lifetime.count();
  if (!o.expires.empty()) {
    auto d = config::parse_duration(o.expires);
    if (!d) {
      *error = "--expires '" + o.expires + "' is not a duration (30m, 6h, 7d; 0 for never)";
      return std::nullopt;
    }
    lifetime = d->count();
  }
  r.expires = lifetime == 0 ? 0 : now + lifetime;
  return r;
}

std::string when(int64_t t) {
  if (t == 0) return "never";
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int run_add(const ListsOptions& o) {
  auto opened = open(o);
  if (!opened) return kExitFailure;
  core::SystemClock clock;
  int failed = 0;
  for (const auto& text : o.entries) {
    std::string error;
    auto subj = subject(text, o.allow, &error);
    std::optional<lists::ListRecord> r;
    if (subj) r = make_record(o, *opened->cfg, *subj, clock.now(), &error);
    if (!r) {
      std::fprintf(stderr, "backstop lists add: %s\n", error.c_str());
      ++failed;
      continue;
    }
    auto st = opened->store->put(list_name(o) + ":" + r->subject_str(), lists::encode_record(*r),
                                 r->expires);
    if (!st.is_ok()) {
      std::fprintf(stderr, "backstop lists add: %s: %s\n", text.c_str(), st.error().c_str());
      ++failed;
      continue;
    }
    fmt::print("{} {} reason={} expires={}\n", list_name(o), r->subject_str(), r->reason,
               when(r->expires));
  }
  return failed ? kExitFailure : 0;
}

int run_del(const ListsOptions& o) {
  auto opened = open(o);
  if (!opened) return kExitFailure;
  int failed = 0;
  for (const auto& text : o.entries) {
    std::string error;
    auto subj = subject(text, o.allow, &error);
    if (!subj) {
      std::fprintf(stderr, "backstop lists del: %s\n", error.c_str());
      ++failed;
      continue;
    }
    lists::ListRecord r;
    r.subject = *subj;
    std::string key = list_name(o) + ":" + r.subject_str();
    core::SystemClock clock;
    auto had = opened->store->get(key, clock.now());
    if (had.is_ok() && !*had) {
      std::fprintf(stderr, "backstop lists del: %s is not on the %slist\n", text.c_str(),
                   list_name(o).c_str());
      ++failed;
      continue;
    }
    auto st = opened->store->del(key);
    if (!st.is_ok()) {
      std::fprintf(stderr, "backstop lists del: %s: %s\n", text.c_str(), st.error().c_str());
      ++failed;
      continue;
    }
    fmt::print("deleted {} {}\n", list_name(o), r.subject_str());
  }
  return failed ? kExitFailure : 0;
}

// Live records of one list ("block" or "allow").
std::vector<lists::ListRecord> records(store::Store& s, const std::string& list, int64_t now,
                                       std::string* error) {
  std::vector<lists::ListRecord> out;
  auto entries = s.scan(list + ":", now);
  if (!entries.is_ok()) {
    *error = entries.error();
    return out;
  }
  for (const auto& e : *entries)
    if (auto r = lists::decode_record(e.value); r && !r->expired(now)) out.push_back(*r);
  return out;
}

int run_show(const ListsOptions& o, bool both) {
  auto opened = open(o);
  if (!opened) return kExitFailure;
  core::SystemClock clock;
  std::vector<std::string> which =
      both ? std::vector<std::string>{"block", "allow"} : std::vector<std::string>{list_name(o)};
  for (const auto& list : which) {
    std::string error;
    auto rs = records(*opened->store, list, clock.now(), &error);
    if (!error.empty()) {
      std::fprintf(stderr, "backstop lists show: %s\n", error.c_str());
      return kExitFailure;
    }
    for (const auto& r : rs) {
      if (o.json) {
        nlohmann::json j = {{"list", list},     {"entry", r.subject_str()}, {"reason", r.reason},
                            {"node", r.node},   {"added", r.added},         {"expires", r.expires},
                            {"note", r.note}};
        fmt::print("{}\n", j.dump());
      } else {
        fmt::print("{} {} reason={} node={} added={} expires={}{}\n", list, r.subject_str(),
                   r.reason, r.node, when(r.added), when(r.expires),
                   r.note.empty() ? "" : " note=" + r.note);
      }
    }
  }
  return 0;
}

int run_import(const ListsOptions& o) {
  if (o.entries.size() != 1) {
    std::fprintf(stderr, "backstop lists import: name one file\n");
    return kExitUsage;
  }
  auto opened = open(o);
  if (!opened) return kExitFailure;
  core::SystemClock clock;
  const std::string& path = o.entries[0];
  std::vector<std::variant<lists::Cidr, lists::DomainPattern>> subjects;
  std::vector<std::string> errors;
  size_t error_count = 0;
  if (o.format == "dnset") {
    if (!o.allow) {
      std::fprintf(stderr, "backstop lists import: dnset files go on the allowlist (--allow)\n");
      return kExitUsage;
    }
    auto f = lists::load_dnset(path);
    errors = f.errors;
    error_count = f.error_count;
    for (const auto& e : f.entries)
      if (!e.pattern.excluded) subjects.push_back(e.pattern);
  } else {
    auto f = o.format == "ip6trie" ? lists::load_ip6trie(path) : lists::load_ip4set(path);
    errors = f.errors;
    error_count = f.error_count;
    for (const auto& e : f.entries)
      if (!e.excluded) subjects.push_back(e.network);
  }
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (error_count) {
    std::fprintf(stderr, "backstop lists import: %zu bad lines; nothing imported\n", error_count);
    return kExitFailure;
  }
  // Written in batches: SQLite commits each batch at once (docs/store.md), and a running
  // daemon's feed sees a batch as one step.
  constexpr size_t kBatch = 10000;
  std::vector<store::PutItem> batch;
  batch.reserve(std::min(subjects.size(), kBatch));
  size_t n = 0;
  auto flush = [&]() -> bool {
    auto st = opened->store->put_many(batch);
    if (!st.is_ok()) {
      std::fprintf(stderr, "backstop lists import: %s (%zu entries imported before)\n",
                   st.error().c_str(), n);
      return false;
    }
    n += batch.size();
    batch.clear();
    return true;
  };
  for (auto& s : subjects) {
    std::string error;
    auto r = make_record(o, *opened->cfg, s, clock.now(), &error);
    if (!r) {
      std::fprintf(stderr, "backstop lists import: %s\n", error.c_str());
      return kExitFailure;
    }
    batch.push_back({list_name(o) + ":" + r->subject_str(), lists::encode_record(*r), r->expires});
    if (batch.size() == kBatch && !flush()) return kExitFailure;
  }
  if (!batch.empty() && !flush()) return kExitFailure;
  fmt::print("imported {} entries into the {}list\n", n, list_name(o));
  return 0;
}

int run_export(const ListsOptions& o) {
  auto opened = open(o);
  if (!opened) return kExitFailure;
  core::SystemClock clock;
  std::string error;
  auto rs = records(*opened->store, list_name(o), clock.now(), &error);
  if (!error.empty()) {
    std::fprintf(stderr, "backstop lists export: %s\n", error.c_str());
    return kExitFailure;
  }
  std::vector<lists::IpListEntry> v4, v6;
  std::vector<lists::DomainListEntry> domains;
  for (const auto& r : rs) {
    lists::RblValue value;
    if (const auto* reason = opened->cfg->reason(r.reason))
      value.a[3] = static_cast<uint8_t>(o.allow ? 2 : reason->code);
    value.txt = r.reason;
    if (const auto* c = std::get_if<lists::Cidr>(&r.subject))
      (c->v6() ? v6 : v4).push_back({*c, false, value, 0});
    else
      domains.push_back({std::get<lists::DomainPattern>(r.subject), value, 0});
  }
  lists::RbldnsdWriteOptions wo;
  wo.comment = "backstop " + list_name(o) + "list, exported " + when(clock.now());
  std::string text = o.format == "dnset"     ? lists::write_dnset(domains, wo)
                     : o.format == "ip6trie" ? lists::write_ip6trie(v6, wo)
                                             : lists::write_ip4set(v4, wo);
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::fprintf(stderr, "backstop lists export: cannot write %s\n", o.output.c_str());
      return kExitFailure;
    }
  }
  return 0;
}

constexpr const char* kListsHelp =
    "The shared lists live in the reputation store ([store] in the config file: SQLite by\n"
    "default, Redis for clusters). Every daemon on that store answers from them within\n"
    "[store] refresh (1 s by default): the shield, the milter and the policy server refuse a\n"
    "blocklisted client with its reason's answer ([[reasons]]: 451 4.7.1 or 550 5.7.1 and the\n"
    "reason's text), skip the checks for an allowlisted one, and the DNS server publishes both\n"
    "([dns] block_zone, allow_zone, domain_allow_zone).\n"
    "\n"
    "ENTRIES\n"
    "  192.0.2.7, 192.0.2.0/24, 2001:db8::/32   IPs and networks (both lists)\n"
    "  example.com       the name exactly       (allowlist only: the domain allowlist zone)\n"
    "  *.example.com     its subdomains only\n"
    "  .example.com      the name and its subdomains\n"
    "\n"
    "EXIT STATUS\n"
    "  0 done, 1 an entry or the store failed (the others were still done), 2 usage error\n"
    "\n"
    "EXAMPLES\n"
    "  backstop lists add --config /etc/backstop/backstop.toml --reason virus 198.51.100.7\n"
    "  backstop lists add --config F --allow --note 'partner MX' 203.0.113.0/24 .partner.example\n"
    "  backstop lists del --config F 198.51.100.7\n"
    "  backstop lists show --config F --json\n"
    "  backstop lists import --config F --format ip4set --reason spam dnsbl.ip4set\n"
    "  backstop lists export --config F --format ip4set -o /var/lib/rbldnsd/backstop.ip4set\n";

}  // namespace

void register_lists(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ListsOptions>();
  CLI::App* cmd = app.add_subcommand("lists", "The shared blocklist and allowlist: add, del, show, "
                                              "import and export (rbldnsd formats)");
  cmd->footer(kListsHelp);
  cmd->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--config", o->config, "The configuration file (its [store] is used)")
        ->capture_default_str();
    c->add_flag("--allow", o->allow, "The allowlist instead of the blocklist");
  };
  CLI::App* add = cmd->add_subcommand("add", "Add entries (IPs, CIDRs; domains with --allow)");
  common(add);
  add->add_option("--reason", o->reason,
                  "A [[reasons]] name: its lifetime and answer apply (default: manual, which "
                  "never expires and answers 550)");
  add->add_option("--expires", o->expires, "Lifetime instead of the reason's: 30m, 6h, 7d, 0 = never");
  add->add_option("--note", o->note, "Free text kept with the entry");
  add->add_option("ENTRY", o->entries, "What to list")->required();
  add->callback([o, &run] { run = [o] { return run_add(*o); }; });

  CLI::App* del = cmd->add_subcommand("del", "Remove entries (exactly as they were added)");
  common(del);
  del->add_option("ENTRY", o->entries, "What to remove")->required();
  del->callback([o, &run] { run = [o] { return run_del(*o); }; });

  CLI::App* show = cmd->add_subcommand("show", "Print the live entries of both lists");
  common(show);
  auto only = std::make_shared<bool>(false);
  show->add_flag("--only", *only, "Only the list --allow selects (default: both)");
  show->add_flag("--json", o->json, "One JSON object per entry");
  show->callback([o, only, &run] {
    bool both = !*only;
    run = [o, both] { return run_show(*o, both); };
  });

  CLI::App* imp = cmd->add_subcommand("import", "Add every entry of an rbldnsd file");
  common(imp);
  imp->add_option("--format", o->format, "ip4set, ip6trie or dnset (dnset needs --allow)")
      ->required()
      ->check(CLI::IsMember({"ip4set", "ip6trie", "dnset"}));
  imp->add_option("--reason", o->reason, "As for add (default: manual)");
  imp->add_option("--expires", o->expires, "As for add");
  imp->add_option("FILE", o->entries, "The rbldnsd data file")->required();
  imp->callback([o, &run] { run = [o] { return run_import(*o); }; });

  CLI::App* exp = cmd->add_subcommand("export", "Write a list as an rbldnsd data file");
  common(exp);
  exp->add_option("--format", o->format, "ip4set, ip6trie or dnset")
      ->required()
      ->check(CLI::IsMember({"ip4set", "ip6trie", "dnset"}));
  exp->add_option("-o,--output", o->output, "File to write (default: standard output)");
  exp->callback([o, &run] { run = [o] { return run_export(*o); }; });
}

}  // namespace backstop::app
