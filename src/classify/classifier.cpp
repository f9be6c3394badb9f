// The classifier; see classifier.h. Order of decisions, and why:
//  1. Structure first: an RFC 5965 feedback report, an RFC 3464 delivery-status report and an
//     RFC 3798 disposition notification say what they are in their MIME types.
//  2. Challenge-response before bounces: some C/R systems dress their challenge as a DSN.
//  3. Virus notices before legacy bounces: scanners' notices use NDR words ("undeliverable")
//     but name the virus.
//  4. Legacy NDRs by weighted evidence (phrases only MTAs write, daemon senders, NDR subjects,
//     Exim's X-Failed-Recipients, a null Return-Path), so that no single signal, which a
//     mailing-list post quoting a bounce also has, decides alone.
//  5. Auto-replies: RFC 3834 headers, then out-of-office subjects.
#include "classify/classifier.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "classify/legacy.h"
#include "classify/pattern_set.h"
#include "classify/reason.h"
#include "classify/rules.h"
#include "core/text.h"
#include "message/dsn.h"
#include "message/mime.h"
#include "message/original.h"

namespace backstop::classify {

std::string_view to_string(Class c) {
  switch (c) {
    case Class::kNone: return "none";
    case Class::kBounce: return "bounce";
    case Class::kAutoReply: return "autoreply";
    case Class::kChallengeResponse: return "challenge-response";
    case Class::kVirusNotice: return "virus-notice";
    case Class::kFeedbackReport: return "feedback-report";
  }
  return "none";
}

namespace {

using core::icontains;
using core::iequals;
using core::istarts_with;
using message::Headers;
using message::ParsedMessage;

constexpr size_t kFieldCount = 3;

// What the rule tables found, by signal.
struct Signals {
  std::array<bool, 16> any{};
  bool has(Signal s) const { return any[static_cast<size_t>(s)]; }
};

bool has_part(const ParsedMessage& m, std::string_view type) {
  for (const auto& p : m.parts)
    if (p.type == type) return true;
  return false;
}

const message::Part* find_part(const ParsedMessage& m, std::string_view type) {
  for (const auto& p : m.parts)
    if (p.type == type) return &p;
  return nullptr;
}

// A header block is "real" if it has at least one field every message has.
bool looks_like_message(const Headers& h) {
  for (auto name : {"From", "To", "Subject", "Date", "Received", "Message-ID", "Return-Path"})
    if (h.has(name)) return true;
  return false;
}

bool is_list_mail(const Headers& h) {
  return h.has("List-Id") || h.has("List-Post") || h.has("Mailing-List") || h.has("X-Mailman-Version") ||
         h.has("List-Unsubscribe") || icontains(h.get_or_empty("Precedence"), "list");
}

bool has_challenge_header(const Headers& h) {
  for (const auto& f : h.fields()) {
    std::string_view n = f.name;
    if (istarts_with(n, "X-Boxtrapper") || istarts_with(n, "X-Bluebottle-Request") ||
        istarts_with(n, "X-Boxbe") || istarts_with(n, "X-Spamarrest") ||
        istarts_with(n, "X-Challenge") || istarts_with(n, "X-ChoiceMail"))
      return true;
  }
  return false;
}

// RFC 3834 3.1.7 and the de-facto headers auto-responders set.
bool has_auto_reply_header(const Headers& h) {
  std::string_view as = h.get_or_empty("Auto-Submitted");
  if (istarts_with(core::trim(as), "auto-replied")) return true;
  if (h.has("X-Autoreply") || h.has("X-Autorespond") || h.has("X-Auto-Reply") ||
      h.has("X-Autoresponder"))
    return true;
  std::string_view prec = core::trim(h.get_or_empty("Precedence"));
  if (iequals(prec, "auto_reply") || iequals(prec, "auto-reply")) return true;
  return false;
}

// TMDA stamps all its user's outgoing mail, so its header names the system, not a challenge.
bool has_challenge_vendor_header(const Headers& h) {
  return icontains(h.get_or_empty("X-Delivery-Agent"), "TMDA");
}

// Precedence values auto-responders set (RFC 3834 3.1.8 discourages, but they do).
bool bulk_precedence(const Headers& h) {
  std::string_view p = core::trim(h.get_or_empty("Precedence"));
  return iequals(p, "bulk") || iequals(p, "junk") || iequals(p, "auto_reply");
}

bool null_return_path(const Headers& h) {
  auto rp = h.get("Return-Path");
  return rp && core::trim(*rp) == "<>";
}

class ClassifierImpl final : public Classifier {
 public:
  explicit ClassifierImpl(const Limits& limits) : limits_(limits) {}

  bool compile() {
    std::array<std::vector<std::string>, kFieldCount> exprs;
    for (size_t i = 0; i < rules().size(); ++i) {
      const Rule& r = rules()[i];
      size_t f = static_cast<size_t>(r.field);
      exprs[f].emplace_back(r.regex);
      rule_of_[f].push_back(i);
    }
    for (size_t f = 0; f < kFieldCount; ++f) {
      std::string error;
      sets_[f] = PatternSet::compile(exprs[f], &error);
      if (!sets_[f]) return false;
    }
    std::string error;
    reasons_ = ReasonTable::create(&error);
    return reasons_ != nullptr;
  }

  Classification classify(std::string_view raw) const override;

 private:
  void scan(Field field, std::string_view text, Signals& sig, std::vector<std::string>& ev) const {
    size_t f = static_cast<size_t>(field);
    thread_local std::vector<size_t> hits;
    sets_[f]->scan(text, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      if (hits[i] == PatternSet::kNoMatch) continue;
      const Rule& r = rules()[rule_of_[f][i]];
      sig.any[static_cast<size_t>(r.signal)] = true;
      ev.emplace_back(r.name);
    }
  }

  void fill_dsn(const ParsedMessage& m, Classification& c) const;
  void fill_legacy(const ParsedMessage& m, std::string_view body, Classification& c) const;

  Limits limits_;
  std::array<std::unique_ptr<PatternSet>, kFieldCount> sets_;
  std::array<std::vector<size_t>, kFieldCount> rule_of_;
  std::unique_ptr<ReasonTable> reasons_;
};

void ClassifierImpl::fill_dsn(const ParsedMessage& m, Classification& c) const {
  c.kind = "dsn";
  const message::Part* p = find_part(m, "message/delivery-status");
  if (!p) p = find_part(m, "message/global-delivery-status");
  if (!p) return;
  message::DeliveryStatus ds = message::parse_delivery_status(p->text);
  c.reporting_mta = ds.reporting_mta;
  auto add = [&](const std::string& addr) {
    size_t at = addr.find('@');
    if (at != std::string::npos && at > 0 &&
        std::find(c.recipients.begin(), c.recipients.end(), addr) == c.recipients.end())
      c.recipients.push_back(addr);
  };
  for (const auto& r : ds.recipients) {
    // RFC 3464 2.3.2/2.3.1: the final recipient, and the original one when the report has it
    // (after aliasing or forwarding they differ; a postmaster knows the original).
    add(r.final_recipient);
    add(r.original_recipient);
    if (c.action.empty()) c.action = r.action;
    if (c.status.empty()) c.status = r.status;
    if (c.diagnostic.empty()) c.diagnostic = core::collapse_space(r.diagnostic);
  }
}

void ClassifierImpl::fill_legacy(const ParsedMessage& m, std::string_view body,
                                 Classification& c) const {
  std::string_view notice = notice_text(body);
  LegacyDetails d = read_legacy(notice, m.headers, c.original);
  if (c.recipients.empty()) c.recipients = std::move(d.recipients);
  if (c.status.empty()) c.status = std::move(d.status);
  if (c.diagnostic.empty()) c.diagnostic = std::move(d.diagnostic);
  if (c.reporting_mta.empty()) c.reporting_mta = std::move(d.reporting_mta);
}

Classification ClassifierImpl::classify(std::string_view raw) const {
  Classification c;
  ParsedMessage m = message::parse_message(raw, limits_);

  // The notice's own text: top-level text parts, not the attached original. A headerless
  // fragment (a bounce body pasted alone) is all text.
  std::string body;
  bool fragment = !looks_like_message(m.headers);
  if (fragment) {
    body.assign(raw.substr(0, std::min(raw.size(), limits_.max_part_text)));
  } else {
    for (const auto& p : m.parts) {
      if (p.message_depth != 0 || !p.type.starts_with("text/") || p.type == "text/rfc822-headers")
        continue;
      if (body.size() >= limits_.max_part_text) break;
      body.append(p.text, 0, limits_.max_part_text - body.size());
      body.push_back('\n');
    }
  }
  const Headers& h = m.headers;
  std::string subject = message::decode_words(h.get_or_empty("Subject"));
  std::string from = message::decode_words(h.get_or_empty("From"));

  Signals sig;
  std::vector<std::string>& ev = c.evidence;
  scan(Field::kSubject, subject, sig, ev);
  scan(Field::kFrom, from, sig, ev);
  scan(Field::kBody, body, sig, ev);

  bool list = is_list_mail(h);
  bool tracker = sig.has(Signal::kNotReply);
  bool dsn = m.report_type == "delivery-status" || has_part(m, "message/delivery-status") ||
             has_part(m, "message/global-delivery-status");
  bool arf = m.report_type == "feedback-report" || has_part(m, "message/feedback-report");
  bool mdn = m.report_type == "disposition-notification" ||
             has_part(m, "message/disposition-notification");

  auto decide = [&]() -> Class {
    if (arf) {
      ev.emplace_back("rfc5965-feedback-report");
      return Class::kFeedbackReport;
    }
    if (sig.has(Signal::kFeedbackBody) ||
        (sig.has(Signal::kFeedbackSubject) && !m.attached.empty() && !list))
      return Class::kFeedbackReport;
    bool cr_header = has_challenge_header(h);
    if (cr_header) ev.emplace_back("challenge-header");
    bool vendor = sig.has(Signal::kChallengeVendor) || has_challenge_vendor_header(h);
    if (cr_header || (sig.has(Signal::kChallengeBody) && vendor) ||
        (sig.has(Signal::kChallengeBody) && !list && !tracker && !dsn))
      return Class::kChallengeResponse;
    if (dsn) {
      ev.emplace_back("rfc3464-delivery-status");
      return Class::kBounce;
    }
    if ((sig.has(Signal::kVirusSubject) || sig.has(Signal::kVirusFrom)) &&
        sig.has(Signal::kVirusBody) && !list)
      return Class::kVirusNotice;

    int score = 0;
    if (sig.has(Signal::kBounceBody)) score += 3;
    if (h.has("X-Failed-Recipients")) {
      score += 3;
      ev.emplace_back("exim-x-failed-recipients");
    }
    if (sig.has(Signal::kBounceSubject) || sig.has(Signal::kDelaySubject)) score += 2;
    if (sig.has(Signal::kBounceFrom)) score += 2;
    if (null_return_path(h)) {
      score += 1;
      ev.emplace_back("null-return-path");
    }
    if (sig.has(Signal::kBounceWeak)) score += 1;
    if (list) score -= 3;
    if (tracker) score -= 3;
    if (mdn && score >= 3) ev.emplace_back("rfc3798-rejection");
    if (score >= 3 && (mdn || sig.has(Signal::kBounceBody) || sig.has(Signal::kBounceSubject) ||
                       sig.has(Signal::kDelaySubject) || h.has("X-Failed-Recipients") ||
                       sig.has(Signal::kBounceWeak))) {
      c.kind = "legacy";
      return Class::kBounce;
    }
    if (mdn) {
      // An RFC 3798 notification that is not dressed as a rejection is a read receipt.
      ev.emplace_back("rfc3798-disposition-notification");
      return Class::kAutoReply;
    }
    if (has_auto_reply_header(h) && !list) {
      ev.emplace_back("rfc3834-auto-reply-header");
      return Class::kAutoReply;
    }
    if (sig.has(Signal::kAutoReplySubject) && !list && !tracker) return Class::kAutoReply;
    if (sig.has(Signal::kAutoReplyBody) && !list && !tracker &&
        (null_return_path(h) || bulk_precedence(h))) {
      ev.emplace_back("automated-precedence-or-null-sender");
      return Class::kAutoReply;
    }
    return Class::kNone;
  };
  c.cls = decide();
  if (c.cls == Class::kNone) {
    c.evidence.clear();
    return c;
  }
  c.original = message::recover_original(m, limits_);
  if (c.original.message_id.empty() && c.cls == Class::kAutoReply) {
    // An auto-reply names what it answers (RFC 3834 3.1.4, RFC 5322 3.6.4).
    std::string_view irt = h.get_or_empty("In-Reply-To");
    if (!irt.empty()) c.original.message_id = message::extract_message_id(irt);
  }
  if (c.cls == Class::kBounce) {
    if (dsn) fill_dsn(m, c);
    // The free-text reading only fills what the DSN fields left empty.
    if (c.recipients.empty() || c.status.empty() || c.diagnostic.empty() ||
        c.reporting_mta.empty())
      fill_legacy(m, body, c);
    if (c.action.empty()) c.action = sig.has(Signal::kDelaySubject) ? "delayed" : "failed";
    if (c.status.empty() && c.action == "failed") c.status = "5.0.0";
    c.reason = std::string(reasons_->categorize(c.status, c.diagnostic.empty()
                                                              ? std::string_view(notice_text(body))
                                                              : std::string_view(c.diagnostic)));
  }
  return c;
}

}  // namespace

std::unique_ptr<Classifier> Classifier::create(const Limits& limits) {
  auto c = std::make_unique<ClassifierImpl>(limits);
  if (!c->compile()) return nullptr;
  return c;
}

}  // namespace backstop::classify
