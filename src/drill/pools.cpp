// Building the drill's pools; see pools.h. Corpus mail is untrusted: each message is either
// used whole (re-addressed, verified) or counted as left out with the reason.
#include "drill/pools.h"

#include "core/clock.h"
#include "core/ip.h"
#include "core/text.h"
#include "message/headers.h"

namespace backstop::drill {

namespace {

constexpr std::string_view kPlaceholder = "drill-addressee@drill.invalid";

bool is_ip_char(char c) {
  return (c >= '0' && c <= '9') || c == '.';
}

}  // namespace

std::vector<LabelledPath> parse_labels(std::string_view tsv) {
  std::vector<LabelledPath> out;
  for (auto line : core::split_lines(tsv)) {
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) continue;
    std::string_view path = line.substr(0, tab);
    std::string_view rest = line.substr(tab + 1);
    std::string_view label = rest.substr(0, rest.find('\t'));
    if (path == "path" && label == "class") continue;  // the header row
    if (label.empty()) continue;
    out.push_back({std::string(path), std::string(label)});
  }
  return out;
}

bool is_backscatter_label(std::string_view label) {
  return label == "bounce" || label == "autoreply" || label == "challenge-response" ||
         label == "virus-notice";
}

bool is_used_label(std::string_view label) {
  return is_backscatter_label(label) || label == "ham" || label == "spam";
}

std::optional<std::string> Workload::check(const Mix& mix) const {
  if (mix[MsgClass::kBackscatter] > 0 && backscatter.empty())
    return "no bounces, auto-replies or challenge-response messages were found for the "
           "backscatter class (give --corpus DIR, or backscatter=0 in --mix)";
  if (mix[MsgClass::kLegit] > 0 && legit.empty())
    return "no ordinary mail (ham) was found for the legit class (give --corpus DIR, or "
           "legit=0 in --mix)";
  if (mix[MsgClass::kUnknown] > 0 && spam.empty())
    return "no spam (or ham) was found for the unknown class (give --corpus DIR, or unknown=0 "
           "in --mix)";
  if (mix[MsgClass::kLegitBounce] > 0) {
    bool batv = cfg.prvs && !bounces.empty() && !tagged.empty() && !tagged.front().empty();
    if (!batv && relay_bounces.empty())
      return "legitimate bounces need the target's key (--batv-key-file) or its outbound relay "
             "(--relay HOST=IP); or give legit-bounces=0 in --mix";
  }
  return std::nullopt;
}

PoolBuilder::PoolBuilder(const classify::Classifier& classifier, WorkloadConfig cfg)
    : classifier_(classifier) {
  w_.cfg = std::move(cfg);
}

void PoolBuilder::add(std::string_view bytes, std::string_view label) {
  ++w_.counts.read;
  if (bytes.size() > kMaxPoolMessageBytes) {
    ++w_.counts.too_large;
    return;
  }
  if (!label.empty() && !is_used_label(label)) {
    ++w_.counts.other;
    return;
  }
  // The classifier runs only where its answer is used: unlabelled mail, ham (which must be
  // clean), and bounces that may take our relay's hop (their Reporting-MTA).
  classify::Classification c;
  if (label.empty() || label == "ham" || (label == "bounce" && w_.cfg.relay))
    c = classifier_.classify(bytes);
  bool bounce_class =
      label.empty() ? c.cls != classify::Class::kNone && c.cls != classify::Class::kFeedbackReport
                    : is_backscatter_label(label);
  if (bounce_class) {
    if (names_relay(bytes)) {
      // It says it answers mail that left through our relay: a legitimate bounce by the
      // target's own rule, so it cannot be counted as backscatter.
      ++w_.counts.quotes_relay;
      return;
    }
    bool is_bounce = label.empty() ? c.cls == classify::Class::kBounce : label == "bounce";
    add_backscatter(bytes, c, is_bounce);
    return;
  }
  if (label.empty() && c.cls == classify::Class::kFeedbackReport) {
    ++w_.counts.other;
    return;
  }
  std::string text = strip_delivery_fields(normalize(bytes));
  auto block = message::parse_header_block(text);
  if (!block.complete || block.headers.empty()) {
    ++w_.counts.unreadable;
    return;
  }
  bool ham = label.empty() || label == "ham";
  bool spam = label.empty() || label == "spam";
  if (ham) {
    // A message the classifier calls a bounce is no test of "ordinary mail gets through"
    // (see docs/drill.md); it is counted and left out.
    if (c.cls != classify::Class::kNone) {
      ++w_.counts.ham_not_clean;
    } else {
      w_.legit.push_back({text, sender_of(text)});
      ++w_.counts.legit;
    }
  }
  if (spam) {
    w_.spam.push_back({std::move(text), {}});
    w_.spam.back().sender = sender_of(w_.spam.back().text);
    ++w_.counts.spam;
  }
}

void PoolBuilder::add_backscatter(std::string_view raw, const classify::Classification& c,
                                  bool is_bounce) {
  auto t = make_template(raw);
  if (!t) {
    ++w_.counts.unreadable;
    return;
  }
  w_.backscatter.push_back(std::move(*t));
  ++w_.counts.backscatter;
  if (is_bounce) {
    w_.bounces.push_back(static_cast<uint32_t>(w_.backscatter.size() - 1));
    ++w_.counts.bounces;
    if (w_.cfg.relay && w_.relay_bounces.size() < kMaxRelayBounces)
      add_relay_bounce(normalize(raw), c);
  }
}

void PoolBuilder::add_relay_bounce(const std::string& normalized,
                                   const classify::Classification& c) {
  std::string by = core::is_domain_name(c.reporting_mta) ? core::to_lower(c.reporting_mta)
                                                         : "mx.bounce-site.example";
  std::string id = "D" + std::to_string(1000 + w_.relay_bounces.size());
  auto with = insert_relay_hop(normalized, *w_.cfg.relay, by, id, rfc5322_date(w_.cfg.now - 3600));
  if (!with) return;
  auto t = make_template(*with);
  if (!t || !relay_hop_verified(*t)) return;
  w_.relay_bounces.push_back(std::move(*t));
  ++w_.counts.relay_bounces;
}

bool PoolBuilder::relay_hop_verified(const Template& t) const {
  // Reads the bounce as the target will: the newest quoted hop with an address must be ours.
  std::string sample = w_.cfg.recipients.front().str();
  auto c = classifier_.classify(render(t, sample, sample));
  if (!c.original.found) return false;
  for (const auto& hop : c.original.received) {
    auto ip = core::parse_ip(hop.from_ip);
    if (ip) return *ip == w_.cfg.relay->ip;
  }
  return false;
}

bool PoolBuilder::names_relay(std::string_view raw) const {
  if (!w_.cfg.relay) return false;
  std::string ip = w_.cfg.relay->ip.str();
  size_t pos = 0;
  while ((pos = raw.find(ip, pos)) != std::string_view::npos) {
    size_t after = pos + ip.size();
    bool left = pos == 0 || !is_ip_char(raw[pos - 1]);
    bool right = after >= raw.size() || !is_ip_char(raw[after]) ||
                 (raw[after] == '.' && (after + 1 >= raw.size() || !is_ip_char(raw[after + 1])));
    if (left && right) return true;
    pos = after;
  }
  return false;
}

std::string PoolBuilder::sender_of(std::string_view normalized) const {
  auto block = message::parse_header_block(normalized, 200);
  auto from = block.headers.get("From");
  if (!from) return {};
  auto a = core::parse_address(*from);
  if (!a || a->domain == w_.cfg.domain || a->str().size() > 254) return {};
  // Plain ASCII only: an SMTPUTF8 or malformed sender would be refused at MAIL for its form
  // (553 5.6.7), which is not what the class is there to test.
  for (char ch : a->str()) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 32 || u >= 127 || ch == '<' || ch == '>' || ch == '"' || ch == '(' || ch == ')' ||
        ch == ',' || ch == ';' || ch == ':' || ch == '\\' || ch == '[' || ch == ']')
      return {};
  }
  return a->str();
}

Workload PoolBuilder::finish() && {
  if (w_.cfg.relay && w_.relay_bounces.empty()) {
    // No corpus bounce could carry our hop: write a few DSNs from scratch (Postfix's layout),
    // so the class still tests the relay rule.
    static constexpr std::string_view kSites[] = {"mx1.remote-site.example", "mail.isp.example",
                                                  "smtp-in.university.example"};
    for (size_t i = 0; i < std::size(kSites); ++i) {
      DsnSpec spec;
      spec.sender = std::string(kPlaceholder);
      spec.failed_rcpt = "former.employee" + std::to_string(i + 1) + "@" + std::string(kSites[i]);
      spec.reporting_mta = std::string(kSites[i]);
      spec.date = rfc5322_date(w_.cfg.now - 3600);
      spec.id = "S" + std::to_string(7000 + i);
      spec.subject = "Quarterly figures";
      auto with =
          insert_relay_hop(synthetic_dsn(spec), *w_.cfg.relay, kSites[i], spec.id, spec.date);
      if (!with) continue;
      auto t = make_template(*with);
      if (!t || !relay_hop_verified(*t)) continue;
      w_.relay_bounces.push_back(std::move(*t));
      ++w_.counts.relay_synthetic;
    }
  }
  if (w_.cfg.prvs) {
    core::FixedClock clock(w_.cfg.now);
    for (const auto& r : w_.cfg.recipients)
      w_.tagged.push_back(w_.cfg.prvs->sign(r.str(), clock).value_or(std::string()));
  }
  return std::move(w_);
}

}  // namespace backstop::drill
