// `backstop drill`: rehearses a Joe-job against a loopback SMTP server and reports what it
// blocked and what it delivered. Thin: flags in, the corpus read into pools (drill/pools.h),
// the run on sockets (net/drill_client.h), the report out. The corpus is read, never copied.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "batv/key_ring.h"
#include "classify/classifier.h"
#include "commands.h"
#include "core/clock.h"
#include "core/text.h"
#include "drill/pools.h"
#include "drill/report.h"
#include "message_source.h"
#include "net/drill_client.h"

namespace backstop::app {

namespace {

namespace fs = std::filesystem;

constexpr int kExitRan = 0;
constexpr int kExitNoAnswer = 1;
constexpr int kExitUsage = 2;
// Ham and spam are sampled: a few hundred distinct messages are plenty of variety, and
// reading and classifying thousands would only delay the start.
constexpr size_t kMaxPlainSamples = 500;

struct DrillOptions {
  std::string target;
  std::string domain;
  std::string duration = "30s";
  double rate = 0;
  uint32_t concurrency = 50;
  uint32_t max_in_flight = 2000;
  uint32_t threads = 1;
  std::string timeout = "30s";
  std::string mix;
  std::string corpus;
  std::string recipients;
  std::string batv_key_file;
  int batv_lifetime_days = batv::kDefaultLifetimeDays;
  std::string relay;
  uint16_t sink = 0;
  bool json = false;
  uint64_t seed = 0;
  bool seed_given = false;
};

void usage_error(const std::string& message) {
  fmt::print(stderr, "backstop drill: {}\n", message);
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// --corpus, else ../shared/corpus, else the project's fixtures (from the working directory,
// then next to the sources this binary was built from).
std::string find_corpus(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  for (std::string dir :
       {std::string("../shared/corpus"), std::string(BACKSTOP_SOURCE_DIR) + "/../shared/corpus",
        std::string("tests/fixtures"), std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures"})
    if (fs::is_directory(dir, ec)) return dir;
  return {};
}

bool not_a_message(const std::string& name) {
  for (const char* ext : {".md", ".tsv", ".txt", ".json", ".py", ".sh", ".csv", ".pl"})
    if (core::iends_with(name, ext)) return true;
  return false;
}

// Fills the pools from a labelled corpus (labels.tsv) or by classifying a folder.
bool load_corpus(const std::string& dir, uint64_t seed, drill::PoolBuilder& builder) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    usage_error("--corpus " + dir + ": not a directory");
    return false;
  }
  auto labels = read_file(fs::path(dir) / "labels.tsv");
  if (!labels) {
    return for_each_message({dir}, false, [&](const std::string& name, std::string_view bytes) {
      if (!not_a_message(name)) builder.add(bytes, "");
      return true;
    });
  }
  std::vector<drill::LabelledPath> rows = drill::parse_labels(*labels);
  std::vector<drill::LabelledPath> ham, spam, chosen;
  for (auto& r : rows) {
    if (r.label == "ham")
      ham.push_back(std::move(r));
    else if (r.label == "spam")
      spam.push_back(std::move(r));
    else if (drill::is_backscatter_label(r.label))
      chosen.push_back(std::move(r));
  }
  std::mt19937_64 rng(seed);
  for (auto* v : {&ham, &spam}) {
    std::shuffle(v->begin(), v->end(), rng);
    if (v->size() > kMaxPlainSamples) v->resize(kMaxPlainSamples);
    for (auto& r : *v) chosen.push_back(std::move(r));
  }
  for (const auto& r : chosen) {
    auto bytes = read_file(fs::path(dir) / r.path);
    if (!bytes) {
      fmt::print(stderr, "backstop drill: {}/{}: cannot read (left out)\n", dir, r.path);
      continue;
    }
    builder.add(*bytes, r.label);
  }
  return true;
}

constexpr const char* kDescription =
    "Rehearses a Joe-job against an SMTP server on this machine, the way one rehearses any\n"
    "disaster: a storm of backscatter with the legitimate mail a domain must keep getting,\n"
    "and a report of what the server blocked, what it delivered and how fast it answered.\n"
    "\n"
    "WHAT IT SENDS (--mix, default backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1)\n"
    "  backscatter    real bounces, auto-replies, challenge-response and virus notices from\n"
    "                 the corpus, re-addressed to forged local parts of --domain (3 in 4) and\n"
    "                 to the real --recipients (1 in 4): the To field, every mention of the\n"
    "                 original addressee (the quoted original's From, DSN fields) and the\n"
    "                 envelope; MAIL FROM:<>. Expected: refused.\n"
    "  probes         sender-address verification: MAIL FROM:<>, RCPT to a real recipient\n"
    "                 (half of them BATV-tagged when a key is given), then QUIT or RSET, QUIT.\n"
    "                 Expected: RCPT answered 250.\n"
    "  unknown        spam from the corpus to made-up users of --domain. Expected: refused.\n"
    "  legit          ordinary mail (the corpus's ham) to real recipients. Expected: 250.\n"
    "  legit-bounces  bounces of mail the domain really sent: a corpus bounce to a BATV-tagged\n"
    "                 recipient signed with --batv-key-file, and a corpus bounce whose quoted\n"
    "                 original shows --relay as the hop the remote site received it from\n"
    "                 (checked with the classifier before use). Expected: 250.\n"
    "  Every message carries X-Drill-Class and X-Drill-Id header fields. Sessions come from\n"
    "  random source addresses in 127.0.0.0/8, so TIME_WAIT does not cap the run.\n"
    "\n"
    "CORPUS\n"
    "  --corpus DIR, else ../shared/corpus when present, else the project's tests/fixtures.\n"
    "  With DIR/labels.tsv (path<TAB>class) the labels choose: bounce, autoreply,\n"
    "  challenge-response and virus-notice are backscatter, ham is legit, spam goes to\n"
    "  unknown users (500 of each sampled). Without it every message is classified. Left out:\n"
    "  messages over 1 MiB, ham the classifier calls bounce-class, and bounces that name the\n"
    "  --relay address (by the target's own rule they are legitimate).\n"
    "\n"
    "WHAT IT REPORTS\n"
    "  Per class: sessions sent, accepted, rejected (at which stage, with which reply) and\n"
    "  errors; sessions/s; latency of legitimate mail (connect to the end-of-DATA reply)\n"
    "  p50/p99/max; and last a verdict line:\n"
    "    verdict: backscatter blocked B%, legit delivered L%, legit bounces delivered D%,\n"
    "    probes answered P%\n"
    "  Percentages are of sessions started; a session that broke or timed out counts against\n"
    "  the target. --json prints one JSON object instead (keys in docs/drill.md). A progress\n"
    "  line goes to stderr every second on a terminal, every 5 seconds otherwise.\n"
    "\n"
    "SINK\n"
    "  --sink PORT runs a small SMTP sink on 127.0.0.1:PORT; point the target's downstream\n"
    "  at it. It counts per class what really arrived (by X-Drill-Id), reports it next to what\n"
    "  was answered, and lists messages answered 250 that never arrived and the reverse.\n"
    "  After the run it waits for late arrivals (a target with a queue relays later).\n"
    "\n"
    "SAFETY\n"
    "  Loopback targets only (127.0.0.0/8, ::1). Bounded: --concurrency sessions in flight\n"
    "  (or --rate with --max-in-flight), --timeout per step, and sessions still running\n"
    "  --timeout + 5 s after the end are cut and counted as errors.\n"
    "\n"
    "EXIT STATUS\n"
    "  0  the drill ran (read the verdict: the drill judges nothing by its exit status)\n"
    "  1  no session got any reply (nothing listens on --target?)\n"
    "  2  usage error, unreadable key file or corpus, sink port in use\n"
    "\n"
    "EXAMPLES\n"
    "  backstop drill --target 127.0.0.1:2525 --domain example.org --duration 30s \\\n"
    "      --recipients alice@example.org,bob@example.org --batv-key-file /etc/backstop/batv.keys "
    "\\\n"
    "      --relay out.example.org=192.0.2.10 --sink 2526\n"
    "  backstop drill --target 127.0.0.1:25 --domain example.org --rate 500 --json\n";

// The progress line: every second on a terminal (rewritten in place), every 5 s otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(::isatty(2) == 1), next_(tty_ ? 1.0 : 5.0) {}
  void operator()(const drill::Progress& p) {
    double every = tty_ ? 1.0 : 5.0;
    if (p.elapsed_s < next_) return;
    next_ = p.elapsed_s + every;
    std::string line = drill::progress_line(p);
    if (tty_)
      fmt::print(stderr, "\r{}\x1b[K", line);
    else
      fmt::print(stderr, "{}\n", line);
    printed_ = true;
  }
  void finish() {
    if (tty_ && printed_) fmt::print(stderr, "\n");
  }

 private:
  bool tty_;
  bool printed_ = false;
  double next_;
};

int run_drill(const DrillOptions& o) {
  std::string err;
  size_t colon = o.target.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    usage_error("--target must be HOST:PORT, e.g. 127.0.0.1:2525");
    return kExitUsage;
  }
  std::string host = o.target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  std::string_view port_text = std::string_view(o.target).substr(colon + 1);
  auto [end, pec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (pec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
      port > 65535) {
    usage_error("--target: bad port in '" + o.target + "'");
    return kExitUsage;
  }
  if (auto why = net::check_loopback_target(host)) {
    usage_error(*why);
    return kExitUsage;
  }
  std::string domain = core::to_lower(o.domain);
  if (!core::is_domain_name(domain)) {
    usage_error("--domain: '" + o.domain + "' is not a domain name");
    return kExitUsage;
  }
  auto duration = drill::parse_drill_duration(o.duration, &err);
  if (!duration) {
    usage_error(err);
    return kExitUsage;
  }
  auto timeout = drill::parse_drill_duration(o.timeout, &err);
  if (!timeout) {
    usage_error("--timeout: " + err.substr(err.find(' ') + 1));
    return kExitUsage;
  }
  drill::Mix mix = drill::default_mix();
  if (!o.mix.empty()) {
    auto m = drill::parse_mix(o.mix, &err);
    if (!m) {
      usage_error(err);
      return kExitUsage;
    }
    mix = *m;
  }
  if (o.rate < 0 || o.rate > net::kMaxDrillRate) {
    usage_error(fmt::format("--rate must be between 1 and {:g} sessions/s", net::kMaxDrillRate));
    return kExitUsage;
  }
  if (o.concurrency < 1 || o.concurrency > net::kMaxDrillConcurrency || o.max_in_flight < 1 ||
      o.max_in_flight > net::kMaxDrillConcurrency) {
    usage_error(fmt::format("--concurrency and --max-in-flight must be between 1 and {}",
                            net::kMaxDrillConcurrency));
    return kExitUsage;
  }
  if (o.threads < 1 || o.threads > net::kMaxDrillThreads) {
    usage_error(fmt::format("--threads must be between 1 and {}", net::kMaxDrillThreads));
    return kExitUsage;
  }
  drill::WorkloadConfig cfg;
  cfg.domain = domain;
  if (o.recipients.empty()) {
    cfg.recipients.push_back({"postmaster", domain});  // RFC 5321 4.5.1: it must exist
  } else {
    auto r = drill::parse_recipients(o.recipients, domain, &err);
    if (!r) {
      usage_error(err);
      return kExitUsage;
    }
    cfg.recipients = *r;
  }
  if (!o.batv_key_file.empty()) {
    batv::KeyRingResult loaded = batv::load_key_ring(o.batv_key_file);
    if (!loaded.ring) {
      for (const auto& e : loaded.errors)
        usage_error(e.line > 0 ? fmt::format("{}:{}: {}", o.batv_key_file, e.line, e.message)
                               : fmt::format("{}: {}", o.batv_key_file, e.message));
      return kExitUsage;
    }
    cfg.prvs = batv::Prvs::make(std::move(*loaded.ring), o.batv_lifetime_days, &err);
    if (!cfg.prvs) {
      usage_error("--batv-lifetime-days: " + err);
      return kExitUsage;
    }
  }
  if (!o.relay.empty()) {
    cfg.relay = drill::parse_relay(o.relay, &err);
    if (!cfg.relay) {
      usage_error(err);
      return kExitUsage;
    }
  }
  std::random_device entropy;
  uint64_t seed = o.seed_given ? o.seed : (uint64_t{entropy()} << 32) ^ entropy();
  cfg.now = core::SystemClock().now();
  cfg.token = fmt::format("{:08x}", static_cast<uint32_t>(seed ^ (seed >> 32) ^ cfg.now));
  std::string corpus = find_corpus(o.corpus);
  if (corpus.empty()) {
    usage_error("no corpus: give --corpus DIR (no ../shared/corpus or tests/fixtures here)");
    return kExitUsage;
  }
  auto classifier = classify::Classifier::create();
  if (!classifier) {
    usage_error("the classifier's built-in pattern tables failed to compile");
    return kExitUsage;
  }
  drill::PoolBuilder builder(*classifier, cfg);
  if (!load_corpus(corpus, seed, builder)) return kExitUsage;
  drill::Workload workload = std::move(builder).finish();
  if (auto why = workload.check(mix)) {
    usage_error(*why);
    return kExitUsage;
  }

  net::DrillClientOptions nopt;
  nopt.host = host;
  nopt.port = static_cast<uint16_t>(port);
  nopt.duration = *duration;
  nopt.rate = o.rate;
  nopt.concurrency = o.rate > 0 ? o.max_in_flight : o.concurrency;
  nopt.threads = o.threads;
  nopt.timeout = *timeout;
  nopt.sink_port = o.sink;
  nopt.seed = seed;
  ProgressPrinter printer;
  auto stats = net::run_drill(workload, mix, nopt, std::ref(printer), &err);
  printer.finish();
  if (!stats) {
    usage_error(err);
    return kExitUsage;
  }
  drill::RunInfo run;
  run.target = o.target;
  run.domain = domain;
  run.duration_s = std::chrono::duration<double>(*duration).count();
  run.concurrency = nopt.concurrency;
  run.rate = o.rate;
  run.threads = o.threads;
  run.mix = mix;
  run.corpus = corpus;
  run.pools = workload.counts;
  run.sink_port = o.sink;
  run.seed = seed;
  if (o.json)
    fmt::print("{}\n", drill::to_json(*stats, run).dump(2));
  else
    fmt::print("{}", drill::format_report(*stats, run));
  std::fflush(stdout);
  uint64_t answered = 0;
  for (const auto& c : stats->classes) answered += c.accepted + c.rejected;
  return answered > 0 ? kExitRan : kExitNoAnswer;
}

}  // namespace

void register_drill(CLI::App& app, Runner& run) {
  auto o = std::make_shared<DrillOptions>();
  auto* cmd = app.add_subcommand("drill", "Rehearse a Joe-job against a loopback SMTP server");
  cmd->description(kDescription);
  cmd->add_option("--target", o->target, "HOST:PORT of the server under test (loopback only)")
      ->type_name("HOST:PORT")
      ->required();
  cmd->add_option("--domain", o->domain, "The domain whose addresses the spammers forged")
      ->type_name("DOMAIN")
      ->required();
  cmd->add_option("--duration", o->duration, "How long to play: 30s, 2m, 500ms (default 30s)")
      ->type_name("DURATION");
  auto* rate = cmd->add_option("--rate", o->rate,
                               "Start N sessions per second, whether or not earlier ones "
                               "finished (an open-loop storm)")
                   ->type_name("N");
  auto* conc = cmd->add_option("--concurrency", o->concurrency,
                               "Keep N sessions in flight, each starting when one ends "
                               "(saturation; default 50)")
                   ->type_name("N");
  rate->excludes(conc);
  cmd->add_option("--max-in-flight", o->max_in_flight,
                  "With --rate: sessions in flight at most; starts beyond it are skipped and "
                  "counted (default 2000)")
      ->type_name("N");
  cmd->add_option("--mix", o->mix,
                  "Class weights, e.g. backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1 "
                  "(classes left out get 0)")
      ->type_name("MIX");
  cmd->add_option("--corpus", o->corpus, "Folder of real mail (labels.tsv used when present)")
      ->type_name("DIR");
  cmd->add_option("--recipients", o->recipients,
                  "Real mailboxes of --domain, comma-separated (default postmaster@DOMAIN)")
      ->type_name("LIST");
  cmd->add_option("--batv-key-file", o->batv_key_file,
                  "The target's BATV key file: legitimate bounces go to tags made with it")
      ->type_name("FILE");
  cmd->add_option("--batv-lifetime-days", o->batv_lifetime_days,
                  "Lifetime of the tags made, as the target's [batv] lifetime_days (default 7)")
      ->type_name("DAYS");
  cmd->add_option("--relay", o->relay,
                  "The target's outbound relay, HOST=IP: legitimate bounces quote it as the hop "
                  "the remote site received the original from")
      ->type_name("HOST=IP");
  cmd->add_option("--sink", o->sink,
                  "Run an SMTP sink on 127.0.0.1:PORT for the target to relay to, and count "
                  "what arrives")
      ->type_name("PORT");
  cmd->add_option("--threads", o->threads, "Event loops to spread the sessions over (default 1)")
      ->type_name("N");
  cmd->add_option("--timeout", o->timeout, "Time allowed for each SMTP step (default 30s)")
      ->type_name("DURATION");
  auto* seed = cmd->add_option("--seed", o->seed,
                               "Seed for the choice of messages and addresses (default random; "
                               "the report shows it)")
                   ->type_name("N");
  cmd->add_flag("--json", o->json, "Print one JSON object instead of the report");
  cmd->callback([o, seed, &run] {
    o->seed_given = seed->count() > 0;
    run = [o] { return run_drill(*o); };
  });
}

}  // namespace backstop::app
