// Re-addressing corpus messages; see readdress.h. Untrusted input: every scan is bounded by
// the view, and a message that cannot be read is refused with a reason, never guessed at.
#include "drill/readdress.h"

#include <cstdio>
#include <ctime>

#include "core/address.h"
#include "core/text.h"

namespace backstop::drill {

namespace {

constexpr std::string_view kCrlf = "\r\n";

// A header field of the top-level block: its name and the whole field (with continuation
// lines and the final CRLF).
struct Field {
  std::string_view name;
  std::string_view whole;
};

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

// RFC 5322 3.6.8: field names are printable ASCII except ':'.
bool is_field_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c <= 32 || c >= 127 || c == ':') return false;
  return true;
}

// Splits the header block (everything before the blank line) into fields. Returns false if the
// block does not start with a field.
bool split_fields(std::string_view block, std::vector<Field>& out) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t end = pos;
    do {
      size_t nl = block.find(kCrlf, end);
      end = nl == std::string_view::npos ? block.size() : nl + 2;
    } while (end < block.size() && is_wsp(block[end]));
    std::string_view whole = block.substr(pos, end - pos);
    size_t colon = whole.find(':');
    std::string_view name =
        colon == std::string_view::npos ? std::string_view() : core::trim(whole.substr(0, colon));
    if (!is_field_name(name)) {
      if (out.empty()) return false;
      // A stray line inside the header: keep it attached to the previous field as it is.
      out.back().whole =
          std::string_view(out.back().whole.data(), out.back().whole.size() + whole.size());
    } else {
      out.push_back({name, whole});
    }
    pos = end;
  }
  return !out.empty();
}

std::string_view field_value(const Field& f) {
  size_t colon = f.whole.find(':');
  return f.whole.substr(colon + 1);
}

bool atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+/=?^_`{|}~-.").find(c) != std::string_view::npos;
}

bool domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// The next occurrence at or after pos of one of the addresses, standing alone (not part of a
// longer local part or domain). Returns npos when there is none; *len is its length.
size_t find_addressee(std::string_view hay, const std::vector<std::string>& who, size_t pos,
                      size_t* len) {
  size_t best = std::string_view::npos;
  for (const auto& a : who) {
    size_t from = pos;
    while (true) {
      size_t at = core::ifind(hay, a, from);
      if (at == std::string_view::npos || at >= best) break;
      size_t after = at + a.size();
      // A quote or backquote before the address is punctuation, as core::find_addresses reads it.
      bool left_ok = at == 0 || !atext(hay[at - 1]) || hay[at - 1] == '\'' || hay[at - 1] == '`';
      bool right_ok = after >= hay.size() || domain_char(hay[after]) == false;
      if (right_ok && after + 1 < hay.size() && hay[after] == '.' && domain_char(hay[after + 1]))
        right_ok = false;
      if (left_ok && right_ok) {
        best = at;
        *len = a.size();
        break;
      }
      from = at + 1;
    }
  }
  return best;
}

void append_text(Template& t, std::string_view s) {
  t.text.back().append(s);
}

void append_slot(Template& t, Slot s) {
  t.slots.push_back(s);
  t.text.emplace_back();
}

// Appends text, cutting out every occurrence of an addressee as a slot of the given kind.
size_t append_cut(Template& t, std::string_view text, const std::vector<std::string>& who,
                  Slot slot) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t len = 0;
    size_t at = who.empty() ? std::string_view::npos : find_addressee(text, who, pos, &len);
    if (at == std::string_view::npos) break;
    append_text(t, text.substr(pos, at - pos));
    append_slot(t, slot);
    ++n;
    pos = at + len;
  }
  append_text(t, text.substr(pos));
  return n;
}

// The header block and the body of a normalized message: [0, header_end) holds the fields,
// the blank line follows. header_end == npos when the whole message is header.
size_t header_end(std::string_view msg) {
  if (msg.starts_with(kCrlf)) return 0;
  size_t p = msg.find("\r\n\r\n");
  return p == std::string_view::npos ? std::string_view::npos : p + 2;
}

bool is_quoted_original_type(std::string_view value) {
  std::string_view v = core::trim(value);
  for (std::string_view t :
       {"message/rfc822", "message/global-headers", "message/global", "text/rfc822-headers"}) {
    if (core::istarts_with(v, t)) {
      // "message/global" must not match "message/global-headers" by accident, nor a longer name.
      char next = v.size() > t.size() ? v[t.size()] : ';';
      if (next == ';' || next == ' ' || next == '\t' || next == '\r') return true;
    }
  }
  return false;
}

}  // namespace

size_t Template::bytes() const {
  size_t n = 0;
  for (const auto& s : text) n += s.size();
  return n;
}

std::string render(const Template& t, std::string_view recipient, std::string_view mention,
                   std::string_view prepend) {
  std::string out;
  out.reserve(prepend.size() + t.bytes() + t.slots.size() * recipient.size());
  out.append(prepend);
  for (size_t i = 0; i < t.slots.size(); ++i) {
    out.append(t.text[i]);
    out.append(t.slots[i] == Slot::kRecipient ? recipient : mention);
  }
  out.append(t.text.back());
  return out;
}

std::string normalize(std::string_view raw) {
  if (raw.starts_with("From ")) {
    size_t nl = raw.find('\n');
    raw = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
  }
  std::string out;
  out.reserve(raw.size() + raw.size() / 32 + 2);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r') {
      out += kCrlf;
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += kCrlf;
    } else {
      out += c;
    }
  }
  if (!out.ends_with(kCrlf)) out += kCrlf;
  return out;
}

bool is_delivery_field(std::string_view name) {
  for (std::string_view n :
       {"Return-Path", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"})
    if (core::iequals(name, n)) return true;
  return false;
}

std::string strip_delivery_fields(std::string_view msg) {
  size_t he = header_end(msg);
  std::string_view block = msg.substr(0, he == std::string_view::npos ? msg.size() : he);
  std::vector<Field> fields;
  if (!split_fields(block, fields)) return std::string(msg);
  std::string out;
  out.reserve(msg.size());
  for (const auto& f : fields)
    if (!is_delivery_field(f.name)) out.append(f.whole);
  if (he != std::string_view::npos) out.append(msg.substr(he));
  return out;
}

std::optional<Template> make_template(std::string_view raw, std::string* why, ReaddressInfo* info) {
  std::string msg = normalize(raw);
  size_t he = header_end(msg);
  std::string_view view = msg;
  std::string_view block = view.substr(0, he == std::string_view::npos ? view.size() : he);
  std::vector<Field> fields;
  if (block.empty() || !split_fields(block, fields)) {
    if (why) *why = "no header block";
    return std::nullopt;
  }
  ReaddressInfo local;
  ReaddressInfo& inf = info ? *info : local;
  inf = {};
  auto add_addressees = [&](std::string_view value) {
    for (auto& a : core::find_addresses(value, 16)) {
      bool dup = false;
      for (const auto& have : inf.addressees) dup = dup || have == a;
      if (!dup) inf.addressees.push_back(std::move(a));
    }
  };
  for (const auto& f : fields)
    if (core::iequals(f.name, "To") || is_delivery_field(f.name)) {
      if (!core::iequals(f.name, "Return-Path")) add_addressees(field_value(f));
    }
  const auto& who = inf.addressees;

  Template t;
  bool have_to = false;
  for (const auto& f : fields) {
    if (is_delivery_field(f.name)) continue;
    if (core::iequals(f.name, "To") && !have_to) {
      have_to = true;
      size_t before = t.slots.size();
      Template probe;
      if (append_cut(probe, f.whole, who, Slot::kRecipient) == 0) {
        append_text(t, "To: ");
        append_slot(t, Slot::kRecipient);
        append_text(t, kCrlf);
        inf.to_replaced = true;
      } else {
        append_cut(t, f.whole, who, Slot::kRecipient);
      }
      inf.slots += t.slots.size() - before;
      continue;
    }
    inf.slots += append_cut(t, f.whole, who, Slot::kMention);
  }
  if (!have_to) {
    append_text(t, "To: ");
    append_slot(t, Slot::kRecipient);
    append_text(t, kCrlf);
    inf.to_replaced = true;
    ++inf.slots;
  }
  if (he != std::string_view::npos)
    inf.slots += append_cut(t, view.substr(he), who, Slot::kMention);
  return t;
}

std::optional<std::string> insert_relay_hop(std::string_view msg, const Relay& relay,
                                            std::string_view by_host, std::string_view id,
                                            std::string_view date) {
  size_t he = header_end(msg);
  if (he == std::string_view::npos) return std::nullopt;
  // Walk the body's lines for a Content-Type naming a quoted original; its part header ends
  // at the next blank line, where the original's own header starts.
  size_t pos = he + 2;
  while (pos < msg.size()) {
    size_t nl = msg.find(kCrlf, pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = msg.substr(pos, nl - pos);
    if (core::istarts_with(line, "content-type:")) {
      // The value may be folded onto the next lines.
      size_t end = nl + 2;
      std::string value(line.substr(13));
      while (end < msg.size() && is_wsp(msg[end])) {
        size_t n2 = msg.find(kCrlf, end);
        if (n2 == std::string_view::npos) break;
        value += " " + std::string(core::trim(msg.substr(end, n2 - end)));
        end = n2 + 2;
      }
      if (is_quoted_original_type(value)) {
        size_t blank = msg.find("\r\n\r\n", nl);
        if (blank == std::string_view::npos) return std::nullopt;
        std::string_view part_header = msg.substr(pos, blank - pos);
        size_t cte = core::ifind(part_header, "content-transfer-encoding:");
        if (cte != std::string_view::npos) {
          std::string_view enc = core::trim(part_header.substr(cte + 26, 40));
          if (core::istarts_with(enc, "base64") || core::istarts_with(enc, "quoted-printable"))
            return std::nullopt;
        }
        size_t at = blank + 4;
        std::string hop = "Received: from " + relay.host + " (" + relay.host + " [" +
                          relay.ip.str() + "])\r\n\tby " + std::string(by_host) +
                          " with ESMTPS id " + std::string(id) + "; " + std::string(date) + "\r\n";
        std::string out;
        out.reserve(msg.size() + hop.size());
        out.append(msg.substr(0, at));
        out.append(hop);
        out.append(msg.substr(at));
        return out;
      }
      pos = end;
      continue;
    }
    pos = nl + 2;
  }
  return std::nullopt;
}

std::string synthetic_dsn(const DsnSpec& s) {
  std::string b = "drill." + s.id + "/" + s.reporting_mta;
  std::string m;
  m += "From: MAILER-DAEMON@" + s.reporting_mta + " (Mail Delivery System)\r\n";
  m += "To: " + s.sender + "\r\n";
  m += "Subject: Undelivered Mail Returned to Sender\r\n";
  m += "Date: " + s.date + "\r\n";
  m += "Message-ID: <" + s.id + "@" + s.reporting_mta + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + b +
       "\"\r\n\r\nThis is a MIME-encapsulated message.\r\n\r\n";
  m += "--" + b + "\r\nContent-Description: Notification\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += "This is the mail system at host " + s.reporting_mta + ".\r\n\r\n";
  m += "I'm sorry to have to inform you that your message could not\r\n";
  m += "be delivered to one or more recipients. It's attached below.\r\n\r\n";
  m += "<" + s.failed_rcpt + ">: host " + s.reporting_mta + " said: 550 5.1.1\r\n";
  m += "    <" + s.failed_rcpt + ">: Recipient address rejected: User unknown\r\n";
  m += "    (in reply to RCPT TO command)\r\n\r\n";
  m += "--" + b + "\r\nContent-Description: Delivery report\r\n";
  m += "Content-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; " + s.reporting_mta + "\r\n";
  m += "X-Postfix-Queue-ID: " + s.id + "\r\n";
  m += "X-Postfix-Sender: rfc822; " + s.sender + "\r\n";
  m += "Arrival-Date: " + s.date + "\r\n\r\n";
  m += "Final-Recipient: rfc822; " + s.failed_rcpt + "\r\n";
  m += "Original-Recipient: rfc822;" + s.failed_rcpt + "\r\n";
  m += "Action: failed\r\nStatus: 5.1.1\r\n";
  m += "Remote-MTA: dns; " + s.reporting_mta + "\r\n";
  m += "Diagnostic-Code: smtp; 550 5.1.1 <" + s.failed_rcpt + ">: Recipient address\r\n";
  m += "    rejected: User unknown\r\n\r\n";
  m += "--" + b + "\r\nContent-Description: Undelivered Message\r\n";
  m += "Content-Type: message/rfc822\r\n\r\n";
  m += "From: " + s.sender + "\r\n";
  m += "To: " + s.failed_rcpt + "\r\n";
  m += "Subject: " + s.subject + "\r\n";
  m += "Date: " + s.date + "\r\n";
  m += "Message-ID: <orig." + s.id + "@" + s.sender.substr(s.sender.find('@') + 1) + ">\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += "Hello,\r\n\r\nas discussed, the figures are attached to the next message.\r\n\r\n";
  m += "--" + b + "--\r\n";
  return m;
}

std::string rfc5322_date(int64_t unix_time) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace backstop::drill
