// `backstop check-config FILE`: loads a configuration exactly as `serve` (and its SIGHUP reload)
// would, prints every problem as FILE:LINE:COL: key: message, or a short summary when it is
// valid. Thin: config::load_config does the work.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "batv/key_ring.h"
#include "commands.h"
#include "config/config.h"
#include "config/durations.h"

namespace backstop::app {

namespace {

constexpr int kExitValid = 0;
constexpr int kExitInvalid = 1;

struct CheckConfigOptions {
  std::string file;
  bool quiet = false;
};

constexpr const char* kHelp =
    "\n"
    "Reads the configuration FILE and the files it names (domains.recipients_file,\n"
    "batv.key_file; smtp.tls_cert and smtp.tls_key must exist) and checks everything that\n"
    "`backstop serve` checks before it starts or accepts a reload: unknown sections and keys\n"
    "(with a suggestion for likely typos), wrong types, durations, sizes, ports, IP addresses,\n"
    "CIDRs, host-name patterns, addresses outside the local domains, BATV key files, and\n"
    "settings that only make sense together.\n"
    "\n"
    "Relative paths in FILE resolve against the directory FILE is in, as they do for serve.\n"
    "\n"
    "OUTPUT\n"
    "  Each problem is one line on standard error:\n"
    "    FILE:LINE:COL: KEY: MESSAGE\n"
    "  e.g.  etc/backstop.toml:12:1: smtp.hostnme: unknown key 'hostnme' in [smtp]; did you\n"
    "        mean 'hostname'?\n"
    "  (LINE:COL is left out for problems that have no place in the file, KEY for TOML syntax\n"
    "  errors.) Warnings, for settings that are legal but probably not meant, have the same\n"
    "  form with \"warning: \" before the message and do not make FILE invalid.\n"
    "  A valid FILE gets a summary on standard output: listen addresses, downstream servers,\n"
    "  local domains and recipients, BATV, and the backscatter action.\n"
    "\n"
    "EXIT STATUS\n"
    "  0  FILE is valid (warnings may have been printed)\n"
    "  1  FILE has errors; every one was printed\n"
    "  2  usage error (no FILE, or FILE does not exist)\n"
    "\n"
    "EXAMPLE\n"
    "  $ backstop check-config etc/backstop.toml && kill -HUP $(pidof backstop)\n";

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void print_summary(const std::string& file, const config::Config& c) {
  fmt::print("{}: valid\n", file);
  std::string listen;
  for (const auto& l : c.smtp.listen) listen += (listen.empty() ? "" : ", ") + l;
  fmt::print("  listen:        {} as {}, STARTTLS {}\n", listen, c.smtp.hostname,
             c.smtp.tls_cert.empty() ? "off" : "on");
  std::string servers;
  for (const auto& s : c.downstream.servers) {
    std::string one = s.is_maildir() ? "maildir:" + s.maildir
                      : s.host.find(':') != std::string::npos
                          ? fmt::format("[{}]:{}", s.host, s.port)
                          : fmt::format("{}:{}", s.host, s.port);
    servers += (servers.empty() ? "" : ", ") + one;
  }
  fmt::print("  downstream:    {}\n", servers);
  std::string domains;
  for (const auto& d : c.domains.local) domains += (domains.empty() ? "" : ", ") + d;
  fmt::print("  local domains: {} ({})\n", c.domains.local.size(), domains);
  size_t whole = 0;
  for (const auto& r : c.domains.recipients) whole += r.starts_with("@") ? 1 : 0;
  for (const auto& r : c.domains.file_recipients) whole += r.starts_with("@") ? 1 : 0;
  size_t addresses = c.domains.recipients.size() + c.domains.file_recipients.size() - whole;
  fmt::print(
      "  recipients:    {}{}{}\n", plural(addresses, "address", "addresses"),
      c.domains.recipients_file.empty()
          ? ""
          : fmt::format(" ({} from {})", c.domains.file_recipients.size(),
                        c.domains.recipients_file),
      whole ? fmt::format(", {} accepting every user", plural(whole, "domain", "domains")) : "");
  if (c.batv.key_text.empty()) {
    fmt::print("  BATV:          off (no batv.key_file)\n");
  } else {
    auto keys = batv::parse_key_ring(c.batv.key_text);
    size_t n = keys.ring ? keys.ring->size() : 0;
    int signing = keys.ring && keys.ring->signing_key() ? keys.ring->signing_key()->number : -1;
    fmt::print("  BATV:          on, {} (key {} signs), tags valid {} days\n",
               plural(n, "key", "keys"), signing, c.batv.lifetime_days);
  }
  fmt::print("  backscatter:   {}", config::to_string(c.backscatter.action));
  if (!c.backscatter.domains.empty() || !c.backscatter.recipients.empty())
    fmt::print(" (overrides: {}, {})", plural(c.backscatter.domains.size(), "domain", "domains"),
               plural(c.backscatter.recipients.size(), "recipient", "recipients"));
  fmt::print("\n");
  if (c.storm.enabled)
    fmt::print(
        "  storm mode:    on: per {}, {}/{} backscatter per domain/recipient, {} unknown "
        "users per domain\n",
        config::format_duration(c.storm.window), c.storm.domain_backscatter,
        c.storm.recipient_backscatter, c.storm.domain_unknown_users);
  else
    fmt::print("  storm mode:    off\n");
}

int check(const CheckConfigOptions& o) {
  config::LoadResult r = config::load_config(o.file);
  for (const auto& w : r.warnings) {
    config::ConfigError e = w;
    e.message = "warning: " + e.message;
    fmt::print(stderr, "{}\n", config::format_error(e, o.file));
  }
  for (const auto& e : r.errors) fmt::print(stderr, "{}\n", config::format_error(e, o.file));
  if (!r.config) {
    fmt::print(stderr, "{}: {}\n", o.file, plural(r.errors.size(), "error", "errors"));
    return kExitInvalid;
  }
  if (!o.quiet) print_summary(o.file, *r.config);
  return kExitValid;
}

}  // namespace

void register_check_config(CLI::App& app, Runner& run) {
  auto opt = std::make_shared<CheckConfigOptions>();
  auto* cmd = app.add_subcommand(
      "check-config", "Validate a configuration file; print each error with its key and line.");
  cmd->footer(kHelp);
  cmd->add_option("FILE", opt->file, "The configuration file (TOML), e.g. etc/backstop.toml")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing when FILE is valid (only the status)");
  cmd->callback([opt, &run] { run = [opt] { return check(*opt); }; });
}

}  // namespace backstop::app
