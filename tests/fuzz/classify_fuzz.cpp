// libFuzzer target fuzz_classify: the whole classifier (MIME parse, pattern scan, legacy NDR
// reading, original recovery) and its JSON form over arbitrary bytes, as `classify` reads them.
// Trusts nothing in the input; aborts on a broken invariant of the result.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "classify/classifier.h"
#include "classify/json.h"

namespace {

using backstop::classify::Class;
using backstop::classify::Classifier;

const Classifier& classifier() {
  // Created once: compiling the pattern tables is far slower than one classification.
  static const std::unique_ptr<Classifier> c = [] {
    auto made = Classifier::create();
    if (!made) std::abort();
    return made;
  }();
  return *c;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)classifier();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  backstop::classify::Classification c = classifier().classify(raw);
  // Invariants the callers rely on.
  check(c.recipients.size() <= 200);
  check(c.original.urls.size() <= 32);
  check(c.cls == Class::kBounce || (c.kind.empty() && c.recipients.empty()));
  check(c.cls != Class::kNone || c.evidence.empty());
  check(c.cls != Class::kBounce || c.kind == "dsn" || c.kind == "legacy");
  // The CLI prints this; replacement keeps it valid UTF-8 whatever the message held.
  std::string out = backstop::classify::to_json(c, "fuzz").dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  check(!out.empty());
  return 0;
}
