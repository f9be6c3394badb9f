// bench_classify_corpus FILELIST: whole-corpus throughput of the classifier on one core. Loads
// every listed message into memory, then classifies them all, round after round, until at
// least --min-time seconds of CPU have passed; prints the same for MIME parsing alone
// (parse_message, the reader classify() uses) and for the GMime walk it replaced.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "classify/classifier.h"
#include "message/mime.h"
#include "messages.h"

namespace {

using backstop::bench::MessageSet;
namespace classify = backstop::classify;
namespace message = backstop::message;

volatile size_t g_sink = 0;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

struct Run {
  long rounds = 0;
  double cpu = 0;
  double wall = 0;
};

// One untimed pass first (thread-local scratch, GMime's init, page faults), then whole rounds
// over the set until min_time CPU seconds: every message counts the same number of times.
template <typename F>
Run measure(const MessageSet& set, double min_time, F&& one) {
  for (const auto& raw : set.raw) one(raw);
  Run r;
  double c0 = cpu_seconds(), w0 = wall_seconds();
  do {
    for (const auto& raw : set.raw) one(raw);
    ++r.rounds;
    r.cpu = cpu_seconds() - c0;
  } while (r.cpu < min_time);
  r.wall = wall_seconds() - w0;
  return r;
}

void print_row(const char* name, const MessageSet& set, const Run& r) {
  double msgs = double(set.size()) * double(r.rounds);
  double bytes = double(set.bytes) * double(r.rounds);
  std::printf("%-12s %7ld %8.2f %8.2f %11.1f %9.2f %10.1f %11.1f\n", name, r.rounds, r.cpu, r.wall,
              msgs / r.cpu, bytes / r.cpu / 1e6, r.cpu / msgs * 1e6, msgs / r.wall);
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_classify_corpus [--min-time SECONDS] [--no-parse] FILELIST|DIR\n"
               "  FILELIST has one message path per line. Single thread; rates are per core\n"
               "  (CPU time of this process); MB is 10^6 bytes. --no-parse measures classify()\n"
               "  only, not parse_message and parse_message_gmime alone.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double min_time = 2.0;
  bool parse_only = true;
  const char* input = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--min-time") == 0 && i + 1 < argc) {
      min_time = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--no-parse") == 0) {
      parse_only = false;
    } else if (argv[i][0] == '-' || input) {
      return usage();
    } else {
      input = argv[i];
    }
  }
  if (!input) return usage();

  MessageSet set = backstop::bench::load_dir_or_list(input);
  if (set.size() == 0) {
    std::fprintf(stderr, "bench_classify_corpus: no messages in %s\n", input);
    return 1;
  }
  auto classifier = classify::Classifier::create();
  if (!classifier) {
    std::fprintf(stderr, "bench_classify_corpus: the classifier's tables did not compile\n");
    return 1;
  }

  std::printf("bench_classify_corpus: %zu messages, %.2f MB (mean %.1f kB) from %s\n", set.size(),
              double(set.bytes) / 1e6, double(set.bytes) / double(set.size()) / 1e3,
              set.source.c_str());
  std::printf("single thread, at least %.1f s CPU per stage; rates per CPU second\n\n", min_time);
  std::printf("%-12s %7s %8s %8s %11s %9s %10s %11s\n", "stage", "rounds", "cpu_s", "wall_s",
              "msgs/s", "MB/s", "us/msg", "wall_msgs/s");

  // The sum (stored in a volatile at the end) keeps the compiler from discarding the work.
  std::map<classify::Class, long> classes;
  size_t sink = 0;
  Run full = measure(set, min_time, [&](std::string_view raw) {
    classify::Classification c = classifier->classify(raw);
    sink += c.evidence.size() + static_cast<size_t>(c.cls);
  });
  for (const auto& raw : set.raw) ++classes[classifier->classify(raw).cls];
  print_row("classify", set, full);

  if (parse_only) {
    Run parse = measure(set, min_time, [&](std::string_view raw) {
      message::ParsedMessage m = message::parse_message(raw);
      sink += m.parts.size();
    });
    print_row("parse-only", set, parse);
    Run gmime = measure(set, min_time, [&](std::string_view raw) {
      message::ParsedMessage m = message::parse_message_gmime(raw);
      sink += m.parts.size();
    });
    print_row("parse-gmime", set, gmime);
    double own = full.cpu / double(full.rounds) - parse.cpu / double(parse.rounds);
    std::printf("\nclassifier's own cost (classify - parse-only): %.1f us/msg\n",
                own / double(set.size()) * 1e6);
  }

  std::printf("classes:");
  for (const auto& [cls, n] : classes)
    std::printf(" %.*s %ld", int(classify::to_string(cls).size()), classify::to_string(cls).data(),
                n);
  std::printf("\n");
  g_sink = sink;
  return 0;
}
