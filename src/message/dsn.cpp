// RFC 3464 delivery-status parser; see dsn.h. Section numbers refer to RFC 3464.
#include "message/dsn.h"

#include <cctype>

#include "core/address.h"
#include "core/text.h"
#include "message/headers.h"

namespace backstop::message {

std::string_view strip_type(std::string_view value) {
  value = core::trim(value);
  size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 20) value = core::trim(value.substr(semi + 1));
  return value;
}

namespace {

std::string address_of(std::string_view value) {
  std::string_view v = strip_type(value);
  if (auto a = core::parse_address(v)) return core::to_lower(a->str());
  // Pipes, files and quoted junk ("|/usr/bin/prog user@example.org"): the address inside.
  auto found = core::find_addresses(v, 1);
  if (!found.empty()) return found.front();
  return core::to_lower(core::trim(v));
}

// RFC 3464 2.3.4: the status is "class.subject.detail" and may be followed by a comment.
std::string status_code(std::string_view value) {
  value = core::trim(value);
  size_t end = 0;
  while (end < value.size() && (std::isdigit(static_cast<unsigned char>(value[end])) || value[end] == '.'))
    ++end;
  return std::string(value.substr(0, end));
}

}  // namespace

DeliveryStatus parse_delivery_status(std::string_view text, size_t max_recipients) {
  DeliveryStatus ds;
  size_t pos = 0;
  while (pos < text.size()) {
    // Skip blank lines between blocks.
    while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r' || text[pos] == ' ' ||
                                 text[pos] == '\t'))
      ++pos;
    if (pos >= text.size()) break;
    HeaderBlock block = parse_header_block(text.substr(pos), 200);
    size_t consumed = block.body_offset;
    if (block.headers.empty()) {
      // A line that is no field: skip it and go on.
      size_t nl = text.find('\n', pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      continue;
    }
    const Headers& h = block.headers;
    if (auto v = h.get("Reporting-MTA"); v && ds.reporting_mta.empty())
      ds.reporting_mta = core::to_lower(strip_type(*v));
    bool per_recipient = h.has("Final-Recipient") || h.has("Original-Recipient") ||
                         (h.has("Action") && h.has("Status"));
    if (per_recipient && ds.recipients.size() < max_recipients) {
      DsnRecipient r;
      if (auto v = h.get("Final-Recipient")) r.final_recipient = address_of(*v);
      if (auto v = h.get("Original-Recipient")) r.original_recipient = address_of(*v);
      r.action = core::to_lower(core::trim(h.get_or_empty("Action")));
      if (auto sp = r.action.find_first_of(" (;"); sp != std::string::npos) r.action.resize(sp);
      r.status = status_code(h.get_or_empty("Status"));
      r.remote_mta = core::to_lower(strip_type(h.get_or_empty("Remote-MTA")));
      r.diagnostic = std::string(strip_type(h.get_or_empty("Diagnostic-Code")));
      ds.recipients.push_back(std::move(r));
    }
    if (consumed == 0) consumed = 1;
    pos += consumed;
  }
  return ds;
}

}  // namespace backstop::message
