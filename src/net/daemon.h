// `backstop serve`: builds the engine and the front ends from a configuration file, binds,
// drops privileges, runs the event loop, reloads on SIGHUP (an invalid new configuration is
// refused and the old one kept) and stops gracefully on SIGTERM/SIGINT.
#pragma once

#include <optional>
#include <string>

namespace backstop::net {

struct DaemonOptions {
  std::string config_path;
  std::optional<std::string> log_format;  // overrides [log] format
  bool print_bound = false;               // print "listening ADDRESS" lines (for tests)
};

// Returns the process exit status.
int run_daemon(const DaemonOptions& options);

}  // namespace backstop::net
