// bench_classify: Google Benchmark micro-benchmarks of the classifier. Per message: a full
// classify, MIME parsing alone (the baseline that shows the classifier's own cost) and the GMime
// walk that parsing replaced; per classifier: creation, which compiles the pattern tables.
//
// Messages: BACKSTOP_BENCH_MESSAGES names a directory or a file list (one path per line);
// without it, the project's tests/fixtures. All are loaded before any timing starts.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "classify/classifier.h"
#include "message/mime.h"
#include "messages.h"

namespace {

using backstop::bench::MessageSet;
namespace classify = backstop::classify;
namespace message = backstop::message;

// Each iteration handles the next message of the set, round-robin, so a run with enough
// iterations weighs every message equally.
void BM_Classify(benchmark::State& state, const MessageSet* set) {
  auto classifier = classify::Classifier::create();
  if (!classifier) {
    state.SkipWithError("the classifier's tables did not compile");
    return;
  }
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& raw = set->raw[i];
    classify::Classification c = classifier->classify(raw);
    benchmark::DoNotOptimize(c);
    bytes += raw.size();
    if (++i == set->size()) i = 0;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(bytes));
}

template <message::ParsedMessage (*Parse)(std::string_view, const message::Limits&)>
void BM_Parse(benchmark::State& state, const MessageSet* set) {
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& raw = set->raw[i];
    message::ParsedMessage m = Parse(raw, {});
    benchmark::DoNotOptimize(m);
    bytes += raw.size();
    if (++i == set->size()) i = 0;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(bytes));
}

// Paid once per process (and per configuration reload); pattern compilation dominates.
void BM_ClassifierCreate(benchmark::State& state) {
  for (auto _ : state) {
    auto classifier = classify::Classifier::create();
    benchmark::DoNotOptimize(classifier);
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}

MessageSet load_messages() {
  if (const char* env = std::getenv("BACKSTOP_BENCH_MESSAGES"); env && *env)
    return backstop::bench::load_dir_or_list(env);
  return backstop::bench::load_dir_or_list(BACKSTOP_SOURCE_DIR "/tests/fixtures");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  static const MessageSet set = load_messages();
  std::fprintf(stderr, "bench_classify: %zu messages, %zu bytes from %s\n", set.size(), set.bytes,
               set.source.c_str());
  benchmark::AddCustomContext("messages", std::to_string(set.size()) + " from " + set.source);
  benchmark::AddCustomContext("message_bytes", std::to_string(set.bytes));

  benchmark::RegisterBenchmark("BM_ClassifierCreate", BM_ClassifierCreate)
      ->Unit(benchmark::kMillisecond);
  if (set.size() == 0) {
    std::fprintf(stderr,
                 "bench_classify: no messages; set BACKSTOP_BENCH_MESSAGES to a directory or a "
                 "file list (only classifier creation is measured)\n");
  } else {
    benchmark::RegisterBenchmark("BM_Classify", BM_Classify, &set)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_ParseOnly", BM_Parse<message::parse_message>, &set)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_ParseGMime", BM_Parse<message::parse_message_gmime>, &set)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
