// The SMTP command-line parser (RFC 5321 4.1.1, 4.1.2): verb, argument, and for MAIL/RCPT the
// path and ESMTP parameters (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8). A pure
// function of one line; the line is untrusted client input and every failure is a Reply.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/address.h"
#include "core/reply.h"
#include "smtp/session.h"

namespace backstop::smtp {

enum class Verb : uint8_t {
  kHelo,
  kEhlo,
  kMail,
  kRcpt,
  kData,
  kRset,
  kNoop,
  kQuit,
  kVrfy,
  kExpn,
  kHelp,
  kStartTls,
  kNotImplemented,  // a known SMTP verb this server does not offer (AUTH, BDAT, ETRN, ...)
  kUnknown,
};

struct Command {
  Verb verb = Verb::kUnknown;
  std::string arg;  // HELO/EHLO: the client's name (first word); VRFY/HELP/NOOP: the argument
  // MAIL and RCPT (RFC 5321 4.1.2 Path):
  std::optional<core::Address> path;  // nullopt: the null path "<>" or a bare <Postmaster>
  bool postmaster = false;            // RCPT TO:<Postmaster> without a domain (RFC 5321 4.1.1.3)
  bool utf8_path = false;  // the path has non-ASCII octets: needs SMTPUTF8 (RFC 6531 3.4)
  MailParams params;       // MAIL only
};

struct SyntaxError {
  core::Reply reply;  // what to answer: 500, 501, 552 or 555 with an enhanced code
};

using ParseResult = std::variant<Command, SyntaxError>;

// Parses one command line without its line end. Verbs are case-insensitive; the argument
// follows one SP (RFC 5321 4.1.1). Known sloppiness of real clients is tolerated: spaces after
// "FROM:"/"TO:", a path without angle brackets, several spaces between parameters.
ParseResult parse_command(std::string_view line);

// The verb of a line alone (for callers that only dispatch), never fails.
Verb parse_verb(std::string_view line);

// Helpers exposed for tests: a path as in "<a@b>" (after "FROM:"/"TO:") with its parameters.
// allow_null: MAIL accepts "<>"; allow_postmaster: RCPT accepts "<Postmaster>".
struct PathResult {
  std::optional<core::Address> address;
  bool null_path = false;
  bool postmaster = false;
  bool utf8 = false;
  std::string_view params;      // what follows the path, leading spaces removed
  const char* error = nullptr;  // set on failure: a short public text
};
PathResult parse_path(std::string_view text, bool allow_null, bool allow_postmaster);

}  // namespace backstop::smtp
