// RFC 3464 delivery-status fields (and the same layout of RFC 6533 global DSNs): one
// per-message block, then one block per recipient. Untrusted text; parsed without limits beyond
// the caller's bound on the text and a cap on the number of recipients.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace backstop::message {

struct DsnRecipient {
  std::string final_recipient;     // address without the "rfc822;" type
  std::string original_recipient;  // likewise, when given
  std::string action;              // failed, delayed, delivered, relayed, expanded (lower-case)
  std::string status;              // "5.1.1"
  std::string remote_mta;
  std::string diagnostic;          // Diagnostic-Code text without its type
};

struct DeliveryStatus {
  std::string reporting_mta;
  std::vector<DsnRecipient> recipients;
};

// RFC 3464 2.1: blocks separated by blank lines, fields as in RFC 822, folded lines allowed.
DeliveryStatus parse_delivery_status(std::string_view text, size_t max_recipients = 100);

// The part of a typed field value after "type;" (RFC 3464 2.1.2, e.g. "rfc822; a@b" -> "a@b").
std::string_view strip_type(std::string_view value);

}  // namespace backstop::message
