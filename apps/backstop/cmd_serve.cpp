// `backstop serve`: the daemon. Thin: flags in, net::run_daemon out.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "net/daemon.h"

namespace backstop::app {

void register_serve(CLI::App& app, Runner& run) {
  auto opt = std::make_shared<net::DaemonOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the SMTP shield (the daemon)");
  cmd->description(
      "Runs backstop as a front MX: an SMTP server that sheds backscatter during the SMTP\n"
      "transaction and relays everything else to the downstream MTA(s) named in the\n"
      "configuration, answering 250 at the end of DATA only after the downstream did.\n\n"
      "Signals: SIGHUP reloads the configuration and the files it names (an invalid new\n"
      "configuration is refused and the old one kept); SIGTERM or SIGINT stop accepting\n"
      "sessions and exit when the sessions in progress are done (30 s at most).\n"
      "The configuration files it names are also reloaded when they change on disk.\n\n"
      "When started as root it binds its ports, then runs as [smtp] user.\n\n"
      "Exit status: 0 after a clean stop, 1 when the configuration is invalid or a port\n"
      "cannot be bound, 2 on usage errors.");
  cmd->add_option("--config,-c", opt->config_path, "Configuration file (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--log-format", opt->log_format, "Decision log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--print-bound", opt->print_bound,
                "Print 'listening ADDRESS' on standard error once bound (for scripts)");
  cmd->callback([opt, &run] { run = [opt] { return net::run_daemon(*opt); }; });
}

}  // namespace backstop::app
