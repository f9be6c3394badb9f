// `backstop report send IP REASON`: one signed report to the configured peers, for scripts (a
// virus scanner's hook, fail2ban). Thin: the config gives keys, peers and node;
// net::send_report_once signs and sends.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "commands.h"
#include "config/config.h"
#include "core/clock.h"
#include "lists/cidr.h"
#include "net/report_socket.h"

namespace backstop::app {
namespace {

struct ReportOptions {
  std::string config = "/etc/backstop/backstop.toml";
  std::string ip;
  std::string reason;
};

int run_send(const ReportOptions& o) {
  config::LoadResult r = config::load_config(o.config);
  if (!r.config) {
    for (const auto& e : r.errors)
      std::fprintf(stderr, "%s\n", config::format_error(e, o.config).c_str());
    return 1;
  }
  std::string error;
  auto net = lists::parse_cidr(o.ip, &error);
  if (!net) {
    std::fprintf(stderr, "backstop report send: '%s': %s\n", o.ip.c_str(), error.c_str());
    return 2;
  }
  if (!r.config->reason(o.reason))
    std::fprintf(stderr,
                 "backstop report send: warning: this node declares no reason '%s'; peers "
                 "that do not declare it either will ignore the entry\n",
                 o.reason.c_str());
  core::SystemClock clock;
  if (!net::send_report_once(*r.config, net->address, net->prefix, o.reason, clock.now(),
                             &error)) {
    std::fprintf(stderr, "backstop report send: %s\n", error.c_str());
    return 1;
  }
  fmt::print("sent {} {} to {} peer(s)\n", net->str(), o.reason, r.config->report.peers.size());
  return 0;
}

constexpr const char* kHelp =
    "Signs a report \"IP reason\" with the first key of [report] key_file and sends it over UDP\n"
    "to every [report] peers address. Each peer that verifies it (HMAC-SHA256, timestamp\n"
    "within its window, nonce not seen before) lists the IP on the shared blocklist with the\n"
    "reason's lifetime and answer ([[reasons]] on that peer). UDP is fire and forget: a lost\n"
    "packet is not retried; send again if it matters. Wire format: docs/report-protocol.md.\n"
    "\n"
    "EXIT STATUS\n"
    "  0 sent, 1 config, key or network error, 2 usage error\n"
    "\n"
    "EXAMPLES\n"
    "  backstop report send --config /etc/backstop/backstop.toml 198.51.100.7 virus\n"
    "  # fail2ban action: actionban = backstop report send --config F <ip> spam\n";

}  // namespace

void register_report(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Signed UDP reports to the other nodes");
  cmd->require_subcommand(1);
  CLI::App* send = cmd->add_subcommand("send", "Report an IP (or CIDR) with a reason to the peers");
  send->footer(kHelp);
  send->add_option("--config", o->config, "The configuration file ([report] is used)")
      ->capture_default_str();
  send->add_option("IP", o->ip, "An IP address or CIDR")->required();
  send->add_option("REASON", o->reason, "A reason name, e.g. virus, spam")->required();
  send->callback([o, &run] { run = [o] { return run_send(*o); }; });
}

}  // namespace backstop::app
