// The drill's counters and figures; see stats.h.
#include "drill/stats.h"

#include <algorithm>
#include <unordered_map>

#include "drill/planner.h"

namespace backstop::drill {

namespace {

constexpr std::array<std::string_view, 8> kStages = {"connect", "greeting", "helo",        "mail",
                                                     "rcpt",    "data",     "end-of-data", "quit"};

// Keys are made from the target's replies: keep them short and printable.
std::string clean(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c > 32 && c < 127) ? c : '?';
  return out;
}

std::optional<double> pct(uint64_t part, uint64_t whole) {
  if (whole == 0) return std::nullopt;
  return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::string_view to_string(Stage s) {
  return kStages[static_cast<size_t>(s)];
}

void Latencies::add(uint64_t us) {
  ++count_;
  max_ = std::max(max_, us);
  uint32_t v = static_cast<uint32_t>(std::min<uint64_t>(us, UINT32_MAX));
  if (samples_.size() < kCap) {
    samples_.push_back(v);
    return;
  }
  // xorshift64: cheap, and good enough to pick which sample to replace.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  uint64_t j = rng_ % count_;
  if (j < kCap) samples_[j] = v;
}

void Latencies::merge(const Latencies& o) {
  uint64_t total = count_ + o.count_;
  max_ = std::max(max_, o.max_);
  if (samples_.size() + o.samples_.size() <= kCap) {
    samples_.insert(samples_.end(), o.samples_.begin(), o.samples_.end());
  } else {
    // Keep each side in proportion to how many it stands for.
    size_t mine =
        static_cast<size_t>(static_cast<double>(kCap) * count_ / std::max<uint64_t>(total, 1));
    mine = std::min(mine, samples_.size());
    size_t theirs = std::min(kCap - mine, o.samples_.size());
    samples_.resize(mine);
    samples_.insert(samples_.end(), o.samples_.begin(), o.samples_.begin() + theirs);
  }
  count_ = total;
}

uint64_t Latencies::quantile_us(double q) const {
  if (samples_.empty()) return 0;
  std::vector<uint32_t> v = samples_;
  size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()));
  if (rank >= v.size()) rank = v.size() - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(rank), v.end());
  return v[rank];
}

void Stats::add(const Outcome& o) {
  ClassStats& c = (*this)[o.cls];
  VariantStats& v = c.variants[std::string(o.variant.empty() ? "-" : o.variant)];
  ++v.sent;
  switch (o.result) {
    case Result::kAccepted:
      ++c.accepted;
      ++v.accepted;
      // Only messages can arrive downstream; a probe ends at RCPT.
      if (keep_ids && o.stage == Stage::kEndOfData) c.accepted_ids.push_back(o.id);
      break;
    case Result::kRejected: {
      ++c.rejected;
      if (o.code >= 400 && o.code < 500) ++c.tempfailed;
      std::string key(to_string(o.stage));
      key += " " + std::to_string(o.code);
      if (!o.enhanced.empty()) key += " " + clean(o.enhanced, 11);
      ++c.rejects[key];
      break;
    }
    case Result::kError:
      ++c.errors;
      ++c.error_kinds[clean(o.error, 24) + " at " + std::string(to_string(o.stage))];
      return;  // no reply decided it: no latency
  }
  c.latency.add(o.latency_us);
}

void Stats::close_unfinished() {
  for (auto& c : classes) {
    uint64_t done = c.accepted + c.rejected + c.errors;
    if (c.sent > done) {
      c.error_kinds["unfinished at end"] += c.sent - done;
      c.errors += c.sent - done;
    }
  }
}

void Stats::merge(const Stats& o) {
  for (size_t i = 0; i < kClassCount; ++i) {
    ClassStats& a = classes[i];
    const ClassStats& b = o.classes[i];
    a.sent += b.sent;
    a.accepted += b.accepted;
    a.rejected += b.rejected;
    a.errors += b.errors;
    a.tempfailed += b.tempfailed;
    for (const auto& [k, n] : b.rejects) a.rejects[k] += n;
    for (const auto& [k, n] : b.error_kinds) a.error_kinds[k] += n;
    for (const auto& [k, v] : b.variants) {
      a.variants[k].sent += v.sent;
      a.variants[k].accepted += v.accepted;
    }
    a.latency.merge(b.latency);
    a.arrived += b.arrived;
    a.arrived_not_accepted += b.arrived_not_accepted;
    a.accepted_not_arrived += b.accepted_not_arrived;
    a.accepted_ids.insert(a.accepted_ids.end(), b.accepted_ids.begin(), b.accepted_ids.end());
  }
  elapsed_s = std::max(elapsed_s, o.elapsed_s);
  skipped += o.skipped;
  keep_ids = keep_ids || o.keep_ids;
  sink = sink || o.sink;
  sink_messages += o.sink_messages;
  sink_foreign += o.sink_foreign;
  sink_duplicates += o.sink_duplicates;
}

uint64_t Stats::sessions() const {
  uint64_t n = 0;
  for (const auto& c : classes) n += c.accepted + c.rejected + c.errors;
  return n;
}

void Stats::attribute(const std::vector<Arrival>& arrivals, std::string_view token) {
  sink = true;
  // id -> class index, for every accepted session.
  std::unordered_map<uint64_t, size_t> accepted;
  for (size_t i = 0; i < kClassCount; ++i)
    for (uint64_t id : classes[i].accepted_ids) accepted.emplace(id, i);
  std::unordered_map<uint64_t, size_t> seen;
  for (const auto& a : arrivals) {
    ++sink_messages;
    auto id = parse_drill_id(a.id, token);
    auto cls = class_from_string(a.cls);
    if (!id || !cls) {
      ++sink_foreign;
      continue;
    }
    if (!seen.emplace(*id, static_cast<size_t>(*cls)).second) {
      ++sink_duplicates;
      continue;
    }
    ClassStats& c = (*this)[*cls];
    ++c.arrived;
    if (!accepted.contains(*id)) ++c.arrived_not_accepted;
  }
  for (const auto& [id, i] : accepted)
    if (!seen.contains(id)) ++classes[i].accepted_not_arrived;
}

Verdict verdict(const Stats& s) {
  Verdict v;
  const auto& bs = s[MsgClass::kBackscatter];
  const auto& lg = s[MsgClass::kLegit];
  const auto& lb = s[MsgClass::kLegitBounce];
  const auto& pr = s[MsgClass::kProbe];
  const auto& un = s[MsgClass::kUnknown];
  // Denominators are sessions started: a session that timed out or broke did not block
  // backscatter, nor deliver legitimate mail.
  v.backscatter_blocked_pct = pct(bs.rejected, bs.sent);
  v.legit_delivered_pct = pct(lg.accepted, lg.sent);
  v.legit_bounces_delivered_pct = pct(lb.accepted, lb.sent);
  v.probes_ok_pct = pct(pr.accepted, pr.sent);
  v.unknown_rejected_pct = pct(un.rejected, un.sent);
  v.sessions_per_s = s.elapsed_s > 0 ? static_cast<double>(s.sessions()) / s.elapsed_s : 0;
  if (s.sink) {
    if (bs.sent)
      v.downstream_backscatter_blocked_pct = pct(bs.sent - std::min(bs.arrived, bs.sent), bs.sent);
    v.downstream_legit_delivered_pct = pct(std::min(lg.arrived, lg.sent), lg.sent);
    v.downstream_legit_bounces_delivered_pct = pct(std::min(lb.arrived, lb.sent), lb.sent);
  }
  return v;
}

}  // namespace backstop::drill
