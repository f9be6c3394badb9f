// The drill's report, verdict line, JSON and progress line; see report.h.
#include "drill/report.h"

#include <fmt/core.h>

namespace backstop::drill {

namespace {

std::string pct_text(const std::optional<double>& p) {
  return p ? fmt::format("{:.2f}%", *p) : std::string("n/a");
}

nlohmann::json pct_json(const std::optional<double>& p) {
  if (!p) return nullptr;
  // Two decimals are what the report shows; more would be noise.
  return static_cast<double>(static_cast<int64_t>(*p * 100.0 + 0.5)) / 100.0;
}

double ms(uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

nlohmann::json latency_json(const Latencies& l) {
  return {{"p50", ms(l.quantile_us(0.50))},
          {"p99", ms(l.quantile_us(0.99))},
          {"max", ms(l.max_us())},
          {"samples", l.count()}};
}

}  // namespace

std::string verdict_line(const Verdict& v) {
  return fmt::format(
      "verdict: backscatter blocked {}, legit delivered {}, legit bounces delivered {}, "
      "probes answered {}",
      pct_text(v.backscatter_blocked_pct), pct_text(v.legit_delivered_pct),
      pct_text(v.legit_bounces_delivered_pct), pct_text(v.probes_ok_pct));
}

std::string format_report(const Stats& s, const RunInfo& run) {
  Verdict v = verdict(s);
  std::string out;
  std::string load =
      run.rate > 0 ? fmt::format("rate {:g}/s (at most {} in flight)", run.rate, run.concurrency)
                   : fmt::format("concurrency {}", run.concurrency);
  out += fmt::format("backstop drill: {} for {}, {:g} s, {}, {} thread{}\n", run.target, run.domain,
                     run.duration_s, load, run.threads, run.threads == 1 ? "" : "s");
  out += fmt::format("mix: {}  seed: {}\n", format_mix(run.mix), run.seed);
  const PoolCounts& p = run.pools;
  out += fmt::format(
      "messages: {} (read {}): backscatter {} (bounces {}), legit {}, spam {}, relay bounces {}"
      "{}\n",
      run.corpus, p.read, p.backscatter, p.bounces, p.legit, p.spam, p.relay_bounces,
      p.relay_synthetic ? fmt::format(" + {} written", p.relay_synthetic) : std::string());
  if (p.quotes_relay || p.ham_not_clean || p.too_large || p.unreadable)
    out += fmt::format(
        "left out: {} naming our relay's address, {} ham the classifier calls bounce-class, "
        "{} over 1 MiB, {} without a header\n",
        p.quotes_relay, p.ham_not_clean, p.too_large, p.unreadable);
  out += "\n";
  out += fmt::format("{:<14} {:>8} {:>9} {:>9} {:>7}{}\n", "class", "sent", "accepted", "rejected",
                     "errors", s.sink ? fmt::format(" {:>8}", "arrived") : "");
  for (auto c : kAllClasses) {
    const ClassStats& cs = s[c];
    out += fmt::format("{:<14} {:>8} {:>9} {:>9} {:>7}{}\n", to_string(c), cs.sent, cs.accepted,
                       cs.rejected, cs.errors,
                       s.sink ? fmt::format(" {:>8}", cs.arrived) : std::string());
  }
  out += "\n";
  for (auto c : kAllClasses) {
    const ClassStats& cs = s[c];
    if (cs.sent == 0) continue;
    std::string line;
    for (const auto& [k, n] : cs.rejects)
      line += fmt::format("{}{}: {}", line.empty() ? "" : ", ", k, n);
    if (!line.empty()) out += fmt::format("{} rejected at: {}\n", to_string(c), line);
    line.clear();
    for (const auto& [k, n] : cs.error_kinds)
      line += fmt::format("{}{}: {}", line.empty() ? "" : ", ", k, n);
    if (!line.empty()) out += fmt::format("{} errors: {}\n", to_string(c), line);
    if (cs.variants.size() > 1) {
      line.clear();
      for (const auto& [k, vs] : cs.variants)
        line += fmt::format("{}{} {}/{}", line.empty() ? "" : ", ", k, vs.accepted, vs.sent);
      out += fmt::format("{} accepted by kind: {}\n", to_string(c), line);
    }
    if (s.sink && (cs.arrived_not_accepted || cs.accepted_not_arrived))
      out += fmt::format(
          "{} downstream mismatch: {} arrived without a 250, {} answered 250 but "
          "never arrived\n",
          to_string(c), cs.arrived_not_accepted, cs.accepted_not_arrived);
  }
  if (s.skipped) out += fmt::format("not started (in-flight cap reached): {}\n", s.skipped);
  if (s.sink)
    out += fmt::format(
        "downstream (sink on port {}): {} messages; backscatter blocked {}, legit delivered {}, "
        "legit bounces delivered {}{}\n",
        run.sink_port, s.sink_messages, pct_text(v.downstream_backscatter_blocked_pct),
        pct_text(v.downstream_legit_delivered_pct),
        pct_text(v.downstream_legit_bounces_delivered_pct),
        s.sink_foreign || s.sink_duplicates
            ? fmt::format(" ({} foreign, {} duplicates)", s.sink_foreign, s.sink_duplicates)
            : std::string());
  const Latencies& l = s[MsgClass::kLegit].latency;
  out += fmt::format("sessions/s: {:.1f} ({} sessions in {:.2f} s)\n", v.sessions_per_s,
                     s.sessions(), s.elapsed_s);
  out += fmt::format("legit latency: p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms ({} messages)\n",
                     ms(l.quantile_us(0.5)), ms(l.quantile_us(0.99)), ms(l.max_us()), l.count());
  out += verdict_line(v) + "\n";
  return out;
}

nlohmann::json to_json(const Stats& s, const RunInfo& run) {
  Verdict v = verdict(s);
  nlohmann::json j;
  j["backscatter_blocked_pct"] = pct_json(v.backscatter_blocked_pct);
  j["legit_delivered_pct"] = pct_json(v.legit_delivered_pct);
  j["legit_bounces_delivered_pct"] = pct_json(v.legit_bounces_delivered_pct);
  j["probes_ok_pct"] = pct_json(v.probes_ok_pct);
  j["unknown_rejected_pct"] = pct_json(v.unknown_rejected_pct);
  j["sessions_per_s"] = static_cast<double>(static_cast<int64_t>(v.sessions_per_s * 10 + 0.5)) / 10;
  j["sessions"] = s.sessions();
  j["elapsed_s"] = s.elapsed_s;
  j["skipped"] = s.skipped;
  j["legit_latency_ms"] = latency_json(s[MsgClass::kLegit].latency);
  nlohmann::json classes = nlohmann::json::object();
  for (auto c : kAllClasses) {
    const ClassStats& cs = s[c];
    nlohmann::json o = {{"sent", cs.sent},
                        {"accepted", cs.accepted},
                        {"rejected", cs.rejected},
                        {"tempfailed", cs.tempfailed},
                        {"errors", cs.errors},
                        {"rejected_at", cs.rejects},
                        {"error_kinds", cs.error_kinds},
                        {"latency_ms", latency_json(cs.latency)}};
    nlohmann::json kinds = nlohmann::json::object();
    for (const auto& [k, vs] : cs.variants)
      kinds[k] = {{"sent", vs.sent}, {"accepted", vs.accepted}};
    o["kinds"] = kinds;
    if (s.sink) {
      o["arrived"] = cs.arrived;
      o["arrived_not_accepted"] = cs.arrived_not_accepted;
      o["accepted_not_arrived"] = cs.accepted_not_arrived;
    }
    classes[std::string(to_string(c))] = o;
  }
  j["classes"] = classes;
  if (s.sink)
    j["downstream"] = {
        {"messages", s.sink_messages},
        {"foreign", s.sink_foreign},
        {"duplicates", s.sink_duplicates},
        {"backscatter_blocked_pct", pct_json(v.downstream_backscatter_blocked_pct)},
        {"legit_delivered_pct", pct_json(v.downstream_legit_delivered_pct)},
        {"legit_bounces_delivered_pct", pct_json(v.downstream_legit_bounces_delivered_pct)}};
  const PoolCounts& p = run.pools;
  j["run"] = {{"target", run.target},
              {"domain", run.domain},
              {"duration_s", run.duration_s},
              {"concurrency", run.concurrency},
              {"rate", run.rate},
              {"threads", run.threads},
              {"mix", format_mix(run.mix)},
              {"corpus", run.corpus},
              {"sink_port", run.sink_port},
              {"seed", run.seed},
              {"pools",
               {{"read", p.read},
                {"backscatter", p.backscatter},
                {"bounces", p.bounces},
                {"relay_bounces", p.relay_bounces},
                {"relay_synthetic", p.relay_synthetic},
                {"legit", p.legit},
                {"spam", p.spam},
                {"left_out_quotes_relay", p.quotes_relay},
                {"left_out_ham_not_clean", p.ham_not_clean},
                {"left_out_too_large", p.too_large},
                {"left_out_unreadable", p.unreadable}}}};
  return j;
}

std::string progress_line(const Progress& p) {
  uint64_t done = 0, errors = 0;
  for (const auto& c : p.classes) {
    done += c.accepted + c.rejected + c.errors;
    errors += c.errors;
  }
  auto share = [&](MsgClass c, bool blocked) {
    const ClassCounts& k = p.classes[static_cast<size_t>(c)];
    uint64_t finished = k.accepted + k.rejected + k.errors;
    if (finished == 0) return std::string("-");
    return fmt::format("{:.1f}%", 100.0 * static_cast<double>(blocked ? k.rejected : k.accepted) /
                                      static_cast<double>(finished));
  };
  double rate = p.elapsed_s > 0 ? static_cast<double>(done) / p.elapsed_s : 0;
  return fmt::format(
      "drill {:.1f}/{:g}s  {} sessions  {:.0f}/s  blocked {}  legit {}  legit-bounces {}  "
      "probes {}  errors {}",
      p.elapsed_s, p.duration_s, done, rate, share(MsgClass::kBackscatter, true),
      share(MsgClass::kLegit, false), share(MsgClass::kLegitBounce, false),
      share(MsgClass::kProbe, false), errors);
}

}  // namespace backstop::drill
