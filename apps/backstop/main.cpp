// backstop: one binary, a subcommand per job (DESIGN.md "Shape"). This file only dispatches.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "backstop: defends a mail domain against Joe-job attacks and bounce backscatter.\n"
      "Run 'backstop SUBCOMMAND --help' for the options of each subcommand.",
      "backstop"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "backstop 0.1.0");
  backstop::app::Runner run;
  backstop::app::register_classify(app, run);
  backstop::app::register_batv(app, run);
  backstop::app::register_serve(app, run);
  backstop::app::register_check_config(app, run);
  backstop::app::register_drill(app, run);
  backstop::app::register_lists(app, run);
  backstop::app::register_report(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the subcommands document.
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return run ? run() : 0;
}
