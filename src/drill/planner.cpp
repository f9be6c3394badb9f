// Session plans for the drill; see planner.h.
#include "drill/planner.h"

#include <charconv>

#include "core/text.h"
#include "smtp/client.h"

namespace backstop::drill {

namespace {

constexpr std::string_view kFirst[] = {"anna",  "ben",   "carla", "dimitri", "elena",   "farid",
                                       "greta", "hiro",  "ines",  "jonas",   "kemal",   "lucia",
                                       "marek", "nadia", "oscar", "priya",   "quentin", "rosa"};
constexpr std::string_view kLast[] = {"harlow", "kowalski", "nguyen", "okafor",   "lindqvist",
                                      "moreau", "tanaka",   "schulz", "ferreira", "oconnor",
                                      "rossi",  "haddad",   "novak",  "silva"};
constexpr std::string_view kRoles[] = {"info",  "sales",   "office",  "billing", "news", "support",
                                       "admin", "contact", "service", "hr",      "jobs", "orders"};
constexpr std::string_view kSites[] = {"mail", "mx", "smtp", "relay", "mta", "out", "mx-in"};
constexpr std::string_view kOrgs[] = {"isp",       "webhost", "univ",     "telecom",
                                      "cloudmail", "shop",    "provider", "campus",
                                      "bank",      "news",    "media",    "coop"};
constexpr std::string_view kTlds[] = {"example.net", "example.com", "example"};

std::string hex(uint64_t v) {
  char buf[20];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  return std::string(buf, p);
}

}  // namespace

std::string drill_headers(MsgClass cls, std::string_view token, uint64_t id) {
  std::string h = "X-Drill-Class: ";
  h += to_string(cls);
  h += "\r\nX-Drill-Id: ";
  h += token;
  h += '.';
  h += hex(id);
  h += "\r\n";
  return h;
}

std::optional<uint64_t> parse_drill_id(std::string_view value, std::string_view token) {
  value = core::trim(value);
  if (value.size() <= token.size() + 1 || !value.starts_with(token) || value[token.size()] != '.')
    return std::nullopt;
  std::string_view h = value.substr(token.size() + 1);
  if (h.size() > 16) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(h.data(), h.data() + h.size(), v, 16);
  if (ec != std::errc() || p != h.data() + h.size()) return std::nullopt;
  return v;
}

Planner::Planner(const Workload& w, const Mix& mix, uint64_t seed, uint32_t stream)
    : w_(w),
      picker_(mix),
      rng_(seed ^ (0x9e3779b97f4a7c15ull * (stream + 1))),
      next_id_(static_cast<uint64_t>(stream) << 40) {}

std::string Planner::forged_local() {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string local;
    switch (rng_() % 5) {
      case 0:
        local = std::string(kFirst[pick(std::size(kFirst))]) + "." +
                std::string(kLast[pick(std::size(kLast))]);
        break;
      case 1:
        local = std::string(kFirst[pick(std::size(kFirst))].substr(0, 1)) +
                std::string(kLast[pick(std::size(kLast))]) + std::to_string(rng_() % 100);
        break;
      case 2:
        local = std::string(kRoles[pick(std::size(kRoles))]) + std::to_string(rng_() % 10000);
        break;
      case 3:
        local = std::string(kFirst[pick(std::size(kFirst))]) + std::to_string(1950 + rng_() % 60);
        break;
      default: {
        // What spam-run address generators make: a few random letters and digits.
        size_t n = 6 + rng_() % 5;
        for (size_t i = 0; i < n; ++i)
          local += "abcdefghijklmnopqrstuvwxyz0123456789"[rng_() % (i == 0 ? 26 : 36)];
      }
    }
    bool real = false;
    for (const auto& r : w_.cfg.recipients) real = real || core::iequals(r.local, local);
    if (!real) return local;
  }
  return "nobody" + std::to_string(rng_() % 1000000) + "x";
}

std::string Planner::helo_name() {
  return std::string(kSites[pick(std::size(kSites))]) + std::to_string(1 + rng_() % 40) + "." +
         std::string(kOrgs[pick(std::size(kOrgs))]) + std::to_string(rng_() % 500) + "." +
         std::string(kTlds[pick(std::size(kTlds))]);
}

std::string Planner::external_sender() {
  return std::string(kFirst[pick(std::size(kFirst))]) + "." +
         std::string(kLast[pick(std::size(kLast))]) + "@" +
         std::string(kOrgs[pick(std::size(kOrgs))]) + std::to_string(rng_() % 500) + "." +
         std::string(kTlds[pick(std::size(kTlds))]);
}

void Planner::set_payload(SessionPlan& p, std::string message) {
  smtp::DotStuffer stuffer;
  p.payload.reserve(message.size() + message.size() / 64 + 8);
  stuffer.encode(message, p.payload);
  p.payload += stuffer.finish();
}

void Planner::fill_backscatter(SessionPlan& p) {
  const Template& t = w_.backscatter[pick(w_.backscatter.size())];
  std::string to;
  if (std::uniform_real_distribution<double>(0, 1)(rng_) < kRealShare) {
    to = w_.cfg.recipients[pick(w_.cfg.recipients.size())].str();
    p.variant = "real";
  } else {
    to = forged_local() + "@" + w_.cfg.domain;
    p.variant = "forged";
  }
  p.rcpt = to;
  set_payload(p, render(t, to, to, drill_headers(p.cls, w_.cfg.token, p.id)));
}

void Planner::fill_probe(SessionPlan& p) {
  // A remote site checks that the sender of mail it is receiving from us exists. With BATV
  // our mail leaves with tagged senders, so half the probes ask about a tagged address.
  size_t i = pick(w_.cfg.recipients.size());
  bool tagged = !w_.tagged.empty() && !w_.tagged[i].empty() && rng_() % 2 == 0;
  p.rcpt = tagged ? w_.tagged[i] : w_.cfg.recipients[i].str();
  p.variant = tagged ? "tagged" : "plain";
  p.data = false;
  p.rset_before_quit = rng_() % 2 == 0;
}

void Planner::fill_unknown(SessionPlan& p) {
  const auto& m = w_.spam[pick(w_.spam.size())];
  p.mail_from = m.sender.empty() ? external_sender() : m.sender;
  p.rcpt = forged_local() + "@" + w_.cfg.domain;
  p.variant = "forged";
  std::string msg = drill_headers(p.cls, w_.cfg.token, p.id);
  msg += m.text;
  set_payload(p, std::move(msg));
}

void Planner::fill_legit(SessionPlan& p) {
  const auto& m = w_.legit[pick(w_.legit.size())];
  p.mail_from = m.sender.empty() ? external_sender() : m.sender;
  p.rcpt = w_.cfg.recipients[pick(w_.cfg.recipients.size())].str();
  p.variant = "plain";
  std::string msg = drill_headers(p.cls, w_.cfg.token, p.id);
  msg += m.text;
  set_payload(p, std::move(msg));
}

void Planner::fill_legit_bounce(SessionPlan& p) {
  bool batv = w_.cfg.prvs && !w_.bounces.empty() && !w_.tagged.empty();
  bool relay = !w_.relay_bounces.empty();
  bool use_batv = batv && (!relay || legit_bounces_++ % 2 == 0);
  size_t i = pick(w_.cfg.recipients.size());
  std::string bare = w_.cfg.recipients[i].str();
  std::string head = drill_headers(p.cls, w_.cfg.token, p.id);
  if (use_batv && !w_.tagged[i].empty()) {
    // Our user's mail left with a tagged envelope sender; its bounce comes back to the tag,
    // and names the bare address wherever it quotes the original's header.
    const Template& t = w_.backscatter[w_.bounces[pick(w_.bounces.size())]];
    p.rcpt = w_.tagged[i];
    p.variant = "batv";
    set_payload(p, render(t, p.rcpt, bare, head));
  } else {
    const Template& t = w_.relay_bounces[pick(w_.relay_bounces.size())];
    p.rcpt = bare;
    p.variant = "relay";
    set_payload(p, render(t, bare, bare, head));
  }
}

SessionPlan Planner::next() {
  SessionPlan p;
  p.cls = picker_.next();
  p.id = next_id_++;
  p.helo = helo_name();
  switch (p.cls) {
    case MsgClass::kBackscatter:
      fill_backscatter(p);
      break;
    case MsgClass::kProbe:
      fill_probe(p);
      break;
    case MsgClass::kUnknown:
      fill_unknown(p);
      break;
    case MsgClass::kLegit:
      fill_legit(p);
      break;
    case MsgClass::kLegitBounce:
      fill_legit_bounce(p);
      break;
  }
  return p;
}

}  // namespace backstop::drill
