// Report verification; see verifier.h. The MAC is checked before the timestamp and nonce are
// believed: nothing an unauthenticated sender writes changes the verifier's state beyond a
// drop counter.
#include "report/verifier.h"

#include <cstdint>
#include <utility>

#include "core/hmac.h"

namespace backstop::report {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kAccepted:
      return "accepted";
    case Verdict::kMalformed:
      return "malformed";
    case Verdict::kUnknownKey:
      return "unknown_key";
    case Verdict::kBadMac:
      return "bad_mac";
    case Verdict::kStale:
      return "stale";
    case Verdict::kReplay:
      return "replay";
  }
  return "unknown";
}

Verifier::Verifier(ReportKeys keys, VerifierOptions options)
    : keys_(std::move(keys)), options_(options), cache_(options.max_nonces) {
  if (options_.window_seconds < 0) options_.window_seconds = 0;
}

Verdict Verifier::verify(std::string_view packet, int64_t now, Report* out) {
  auto decoded = decode_report(packet);
  if (!decoded) return ++stats_.malformed, Verdict::kMalformed;
  const ReportKey* key = keys_.find(decoded->report.key_id);
  if (!key) return ++stats_.unknown_key, Verdict::kUnknownKey;
  const auto mac = core::hmac_sha256(key->secret, decoded->signed_bytes);
  if (!core::equal_constant_time(
          std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()), decoded->mac))
    return ++stats_.bad_mac, Verdict::kBadMac;
  // |timestamp - now| <= window, computed without overflow for any 64-bit values.
  const __int128 skew = static_cast<__int128>(decoded->report.timestamp) - now;
  if (skew > options_.window_seconds || skew < -options_.window_seconds)
    return ++stats_.stale, Verdict::kStale;
  if (now >= INT64_MIN + options_.window_seconds) cache_.expire(now - options_.window_seconds);
  if (cache_.seen(decoded->report.nonce, decoded->report.timestamp))
    return ++stats_.replay, Verdict::kReplay;
  cache_.insert(decoded->report.nonce, decoded->report.timestamp);
  ++stats_.accepted;
  if (out) *out = std::move(decoded->report);
  return Verdict::kAccepted;
}

}  // namespace backstop::report
