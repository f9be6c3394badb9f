// Reads the details of a free-text non-delivery report (qmail, Postfix and Sendmail texts,
// Exchange, Domino, providers...): failed recipients, status, diagnostic, reporting MTA.
// The text is untrusted; every scan is bounded by the text's length.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "message/headers.h"
#include "message/original.h"

namespace backstop::classify {

struct LegacyDetails {
  std::vector<std::string> recipients;
  std::string status;
  std::string diagnostic;
  std::string reporting_mta;
};

// The notice's own text, without the quoted original that follows it.
std::string_view notice_text(std::string_view body);

// First enhanced status code (RFC 3463 "class.subject.detail") in text, or "".
std::string find_status_code(std::string_view text);

LegacyDetails read_legacy(std::string_view notice, const message::Headers& top,
                          const message::Original& original);

}  // namespace backstop::classify
