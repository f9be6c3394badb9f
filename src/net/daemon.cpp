// The daemon; see daemon.h.
#include "net/daemon.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "classify/classifier.h"
#include "config/config.h"
#include "core/clock.h"
#include "monitor/log_sink.h"
#include "net/client_names.h"
#include "net/downstream.h"
#include "net/milter_server.h"
#include "net/policy_server.h"
#include "net/resolver.h"
#include "net/smtp_server.h"
#include "policy/engine.h"
#include "policy/sent_index.h"
#include "policy/storm.h"
#include "reputation/lists_view.h"
#include "reputation/sent_index.h"
#include "net/dns_server.h"
#include "net/report_socket.h"
#include "reputation/store_open.h"

namespace backstop::net {
namespace {

// Runs as the configured user from here on; the spool directory is handed to that user
// first, since spilled messages are written there after the switch.
bool drop_privileges(const std::string& user, const std::string& spool_dir,
                     const std::function<void(uid_t, gid_t)>& hand_over, std::string* error) {
  if (::geteuid() != 0 || user.empty()) return true;
  struct passwd* pw = ::getpwnam(user.c_str());
  if (!pw) {
    *error = "no such user '" + user + "' ([smtp] user)";
    return false;
  }
  if (::chown(spool_dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    *error = "cannot give the spool directory " + spool_dir + " to user '" + user + "'";
    return false;
  }
  hand_over(pw->pw_uid, pw->pw_gid);
  if (::setgroups(0, nullptr) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
    *error = "cannot switch to user '" + user + "'";
    return false;
  }
  return true;
}

// Modification times of the files a configuration names, to reload when one changes.
struct FileStamps {
  std::vector<std::pair<std::string, std::filesystem::file_time_type>> files;
  static FileStamps of(const config::Config& c) {
    FileStamps s;
    for (const auto& f :
         {c.source, c.domains.recipients_file, c.domains.recipients_db, c.batv.key_file,
          c.report.key_file}) {
      if (f.empty()) continue;
      std::error_code ec;
      s.files.emplace_back(f, std::filesystem::last_write_time(f, ec));
    }
    return s;
  }
  bool changed() const {
    for (const auto& [f, t] : files) {
      std::error_code ec;
      if (std::filesystem::last_write_time(f, ec) != t) return true;
    }
    return false;
  }
};

// The DNS zones the configuration names, with a serial from the time they were made.
std::shared_ptr<const dns::Zones> make_zones(const config::Config& c, const core::Clock& clock,
                                             std::string* error) {
  dns::ZonesConfig z;
  z.block_zone = c.dns.block_zone;
  z.allow_zone = c.dns.allow_zone;
  z.domain_allow_zone = c.dns.domain_allow_zone;
  z.ns_hosts = {c.dns.ns.empty() ? c.smtp.hostname : c.dns.ns};
  std::string first_zone = !z.block_zone.empty() ? z.block_zone
                           : !z.allow_zone.empty() ? z.allow_zone
                                                   : z.domain_allow_zone;
  z.hostmaster = !c.dns.hostmaster.empty() ? c.dns.hostmaster
                 : first_zone.empty()       ? "hostmaster@" + z.ns_hosts[0]
                                            : "hostmaster@" + first_zone;
  z.serial = static_cast<uint32_t>(clock.now());
  z.ttl = static_cast<uint32_t>(c.dns.ttl.count());
  z.minimum = std::min<uint32_t>(z.ttl, 60);
  auto zones = dns::Zones::make(z, error);
  if (!zones) return nullptr;
  return std::make_shared<const dns::Zones>(std::move(*zones));
}

void print_errors(const config::LoadResult& r, const std::string& path) {
  for (const auto& e : r.errors)
    std::fprintf(stderr, "%s\n", config::format_error(e, path).c_str());
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  config::LoadResult loaded = config::load_config(options.config_path);
  if (!loaded.config) {
    print_errors(loaded, options.config_path);
    return 1;
  }
  std::shared_ptr<const config::Config> cfg = loaded.config;
  auto classifier = classify::Classifier::create();
  if (!classifier) {
    std::fprintf(stderr, "backstop: the built-in pattern tables failed to compile\n");
    return 1;
  }
  std::string format = options.log_format.value_or(cfg->log.format);
  FILE* log_file = stdout;
  if (!cfg->log.file.empty()) {
    log_file = std::fopen(cfg->log.file.c_str(), "a");
    if (!log_file) {
      std::fprintf(stderr, "backstop: cannot open log file %s\n", cfg->log.file.c_str());
      return 1;
    }
  }
  monitor::LogSink log(log_file, format == "json" ? monitor::LogFormat::kJson
                                                 : monitor::LogFormat::kText);
  std::error_code fec;
  std::filesystem::create_directories(cfg->smtp.spool_dir, fec);

  asio::io_context io(1);
  core::SystemClock clock;
  policy::StormDetector storms(cfg->storm);
  std::string error;
  // The reputation store: the sent index (and the lists) are views kept fresh from it.
  std::unique_ptr<store::Replica> replica = reputation::open_replica(cfg->store, clock, &error);
  if (!replica) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  reputation::ListsView* lists_ptr = nullptr;
  replica->on_state([&io, &log, &lists_ptr](bool up, const std::string& why) {
    if (lists_ptr) lists_ptr->set_available(up);
    asio::post(io, [&log, up, why] {
      if (up) log.notice("info", "store available");
      else log.notice("error", "store unreachable, answering from the cache: " + why);
    });
  });
  reputation::StoreSentIndex sent(*replica);
  reputation::ListsView lists(*replica, cfg->report.node);
  lists.set_config(cfg);
  lists_ptr = &lists;
  policy::Engine engine(cfg, *classifier, sent, storms, clock, log);
  engine.set_reputation(&lists);
  Downstream downstream(io.get_executor(), cfg->downstream, cfg->smtp.hostname,
                        cfg->smtp.timeout_decision);
  Resolver resolver(io);
  ClientNames client_names(io, resolver);
  if (!resolver.configure(resolver_options(cfg->resolver), &error)) {
    std::fprintf(stderr, "backstop: [resolver]: %s\n", error.c_str());
    return 1;
  }
  client_names.set_options(client_name_options(cfg->resolver));
  SmtpServer server(io, engine, downstream);
  server.set_client_names(&client_names);
  if (!server.configure(cfg, &error) || !server.listen(cfg->smtp.listen, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  auto milter_server = make_milter_server(io, engine);
  StreamServer& milter = *milter_server;
  milter.set_idle(cfg->milter.timeout);
  if (!milter.listen(cfg->milter.listen, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  auto policy_owner = make_policy_server(io, engine);
  StreamServer& policy_server = *policy_owner;
  policy_server.set_idle(cfg->policy.timeout);
  if (!policy_server.listen(cfg->policy.listen, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  // The DNS server exists only when [dns] listen is set (zones are then required).
  std::unique_ptr<DnsServer> dns_server;
  if (!cfg->dns.listen.empty()) {
    auto zones = make_zones(*cfg, clock, &error);
    if (!zones) {
      std::fprintf(stderr, "backstop: [dns]: %s\n", error.c_str());
      return 1;
    }
    dns_server = std::make_unique<DnsServer>(io, lists, zones, clock);
  }
  if (dns_server && !dns_server->listen(cfg->dns.listen, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  ReportSocket reports(io, lists, clock);
  if (!reports.configure(cfg, &error) || !reports.listen(cfg->report.listen, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  lists.on_list([&reports](const core::IpAddress& ip, const std::string& reason) {
    reports.send(ip, reason);
  });
  auto hand_over = [&](uid_t uid, gid_t gid) {
    milter.chown_sockets(uid, gid);
    policy_server.chown_sockets(uid, gid);
    // The SQLite store and its WAL files (open already) are written after the switch. Its
    // directory is not touched: docs/store.md asks for one the user can write.
    if (cfg->store.backend == "sqlite")
      for (const char* suffix : {"", "-wal", "-shm"})
        (void)::chown((cfg->store.path + suffix).c_str(), uid, gid);
  };
  if (!drop_privileges(cfg->smtp.user, cfg->smtp.spool_dir, hand_over, &error)) {
    std::fprintf(stderr, "backstop: %s\n", error.c_str());
    return 1;
  }
  if (::geteuid() == 0 && cfg->smtp.user.empty())
    log.notice("warning", "running as root: set [smtp] user to drop privileges after binding");

  FileStamps stamps = FileStamps::of(*cfg);
  auto reload = [&](const char* why) {
    config::LoadResult next = config::load_config(options.config_path);
    if (!next.config) {
      for (const auto& e : next.errors)
        log.notice("error", "reload refused, old configuration kept: " +
                                config::format_error(e, options.config_path));
      stamps = FileStamps::of(*cfg);  // don't retry until the files change again
      return;
    }
    std::string err;
    if (!server.configure(next.config, &err) || !engine.reload(next.config, &err)) {
      log.notice("error", "reload refused, old configuration kept: " + err);
      stamps = FileStamps::of(*cfg);
      return;
    }
    if (next.config->smtp.listen != cfg->smtp.listen ||
        next.config->milter.listen != cfg->milter.listen ||
        next.config->policy.listen != cfg->policy.listen ||
        next.config->dns.listen != cfg->dns.listen ||
        next.config->report.listen != cfg->report.listen)
      log.notice("warning", "listen addresses changed: restart backstop to apply");
    std::shared_ptr<const dns::Zones> next_zones;
    if (dns_server) next_zones = make_zones(*next.config, clock, &err);
    if (dns_server && !next_zones) {
      log.notice("error", "reload refused, old configuration kept: [dns]: " + err);
      stamps = FileStamps::of(*cfg);
      return;
    }
    if (!reports.configure(next.config, &err)) {
      log.notice("error", "reload refused, old configuration kept: [report]: " + err);
      stamps = FileStamps::of(*cfg);
      return;
    }
    if ((next.config->resolver.servers != cfg->resolver.servers ||
         next.config->resolver.timeout != cfg->resolver.timeout) &&
        !resolver.configure(resolver_options(next.config->resolver), &err)) {
      log.notice("error", "reload refused, old configuration kept: [resolver]: " + err);
      stamps = FileStamps::of(*cfg);
      return;
    }
    client_names.set_options(client_name_options(next.config->resolver));
    if (dns_server) dns_server->update_zones(next_zones);
    lists.set_config(next.config);
    milter.set_idle(next.config->milter.timeout);
    policy_server.set_idle(next.config->policy.timeout);
    downstream.set_config(next.config->downstream, next.config->smtp.hostname,
                          next.config->smtp.timeout_decision);
    cfg = next.config;
    if (!options.log_format)
      log.set_format(cfg->log.format == "json" ? monitor::LogFormat::kJson
                                              : monitor::LogFormat::kText);
    stamps = FileStamps::of(*cfg);
    log.notice("info", std::string("configuration reloaded (") + why + ")");
  };

  bool stopping = false;
  asio::signal_set signals(io, SIGHUP, SIGINT, SIGTERM);
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec,
                                                                   int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload("SIGHUP");
    } else {
      stopping = true;
      server.stop_accepting();
      milter.stop_accepting();
      policy_server.stop_accepting();
      if (dns_server) dns_server->stop();
      reports.stop();
      log.notice("info", "stopping: no new sessions; waiting for " +
                             std::to_string(server.sessions()) + " to finish");
    }
    if (!stopping || sig == SIGHUP) signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  asio::steady_timer tick(io);
  int stop_wait = 0;
  std::function<void(const asio::error_code&)> on_tick = [&](const asio::error_code& ec) {
    if (ec) return;
    engine.tick();
    downstream.expire_idle();
    if (!stopping && stamps.changed()) reload("a configured file changed");
    // Graceful stop: sessions in progress get up to 30 s to finish.
    if (stopping && (server.sessions() == 0 || ++stop_wait > 30)) {
      signals.cancel();
      io.stop();
      return;
    }
    tick.expires_after(std::chrono::seconds(1));
    tick.async_wait(on_tick);
  };
  tick.expires_after(std::chrono::seconds(1));
  tick.async_wait(on_tick);

  replica->start();
  replica->wait_loaded(std::chrono::seconds(2));
  server.start();
  milter.start();
  policy_server.start();
  if (dns_server) dns_server->start();
  reports.start();
  std::vector<std::string> bound = server.bound();
  if (dns_server)
    for (const auto& b : dns_server->bound()) bound.push_back("dns " + b);
  for (const auto& b : reports.bound()) bound.push_back(b);
  for (const auto& b : milter.bound()) bound.push_back(b);
  for (const auto& b : policy_server.bound()) bound.push_back(b);
  for (const auto& b : bound) {
    log.notice("info", "backstop listening on " + b);
    if (options.print_bound) std::fprintf(stderr, "listening %s\n", b.c_str());
  }
  std::fflush(stderr);
  io.run();
  replica->stop();
  if (const auto* v = reports.verifier_stats()) {
    const auto& c = reports.counters();
    log.notice("info", "reports: received=" + std::to_string(c.received) +
                           " accepted=" + std::to_string(c.accepted) +
                           " listed=" + std::to_string(c.listed) +
                           " unknown-reason=" + std::to_string(c.unknown_reason) +
                           " sent=" + std::to_string(c.sent) + " dropped: malformed=" +
                           std::to_string(v->malformed) + " unknown-key=" +
                           std::to_string(v->unknown_key) + " bad-mac=" +
                           std::to_string(v->bad_mac) + " stale=" + std::to_string(v->stale) +
                           " replay=" + std::to_string(v->replay));
  }
  log.notice("info", "stopped; counters: " + log.counters().summary());
  if (log_file != stdout) std::fclose(log_file);
  return 0;
}

}  // namespace backstop::net
