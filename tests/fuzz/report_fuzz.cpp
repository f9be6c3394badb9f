// Fuzz target for src/report: arbitrary bytes through decode_report and a Verifier. A packet
// that decodes must re-encode to the same signed bytes (the encoding is canonical), and once
// signed with the right key it must be accepted exactly once.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/verifier.h"
#include "report/wire.h"

using namespace backstop::report;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::string kSecret = "fuzzing secret 0123456789";

ReportKeys make_keys() {
  ReportKeys k;
  k.add("k1", kSecret);
  k.add("k2", "another secret 0123456789");
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  Verifier v(make_keys(), VerifierOptions{300, 4});
  const Verdict verdict = v.verify(packet, 1700000000);
  check(v.stats().accepted + v.stats().dropped() == 1);
  auto d = decode_report(packet);
  check(d.has_value() == (verdict != Verdict::kMalformed));
  if (!d) return 0;
  auto again = encode_report(d->report, kSecret);
  check(again.has_value());
  check(std::string_view(*again).substr(0, again->size() - kMacSize) == d->signed_bytes);
  if (d->report.key_id == "k1") {
    Verifier fresh(make_keys(), VerifierOptions{300, 4});
    const int64_t now = d->report.timestamp;
    Report out;
    check(fresh.verify(*again, now, &out) == Verdict::kAccepted);
    check(out == d->report);
    check(fresh.verify(*again, now) == Verdict::kReplay);
  }
  return 0;
}
