// The standard replies of the SMTP server session, each with the RFC that defines it, and the
// wire format: one or more "code[-| ]enhanced text" lines ending in CRLF (RFC 5321 4.2).
// Replies that come from policy or the front end are untrusted text: sanitize() makes them safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/reply.h"

namespace backstop::smtp::replies {

// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including the code and CRLF.
constexpr size_t kMaxReplyLine = 512;

// --- Session start and end -------------------------------------------------------------------
// RFC 5321 4.2 / 4.3.1: "220 <domain> <text>". No enhanced code: the client has not yet seen
// ENHANCEDSTATUSCODES, and the grammar wants the domain right after the code.
core::Reply greeting(std::string_view host);
// RFC 5321 4.1.1.10: QUIT is answered with 221.
core::Reply closing(std::string_view host);
// RFC 5321 3.8 / 4.5.3.2: a server that times out closes with 421; RFC 3463 X.4.2 "bad
// connection".
core::Reply timeout(std::string_view host);
// RFC 5321 3.8: 421 and close after too many protocol errors (RFC 3463 X.7.0).
core::Reply too_many_errors(std::string_view host);
// RFC 5321 3.8: 421 and close when the client pipelines more than we hold for a decision.
core::Reply input_overflow(std::string_view host);
// RFC 5321 3.1: after a 554 greeting every command but QUIT gets 503.
core::Reply no_service();

// --- Positive replies ------------------------------------------------------------------------
core::Reply ok();            // RFC 5321 4.1.1.5 RSET, 4.1.1.9 NOOP: 250 (RFC 3463 X.0.0)
core::Reply sender_ok();     // RFC 5321 4.1.1.2: 250; RFC 3463 X.1.0 "other address status"
core::Reply recipient_ok();  // RFC 5321 4.1.1.3: 250; RFC 3463 X.1.5 "destination valid"
core::Reply start_data();    // RFC 5321 4.1.1.4: 354 (intermediate: no enhanced code)
core::Reply cannot_vrfy();   // RFC 5321 3.5.3 / 7.3: 252, RFC 3463 X.5.0
core::Reply help();          // RFC 5321 4.1.1.8: 214
core::Reply start_tls();     // RFC 3207 4: "220 Ready to start TLS"
// RFC 5321 4.1.1.1 HELO reply: "250 <domain>"; no enhanced code (the domain must follow).
core::Reply helo(std::string_view host);
// RFC 5321 4.1.1.1 EHLO reply lines: the domain, then one keyword per line.
// Keywords: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152 2), SMTPUTF8
// (RFC 6531 3.1), ENHANCEDSTATUSCODES (RFC 2034 3), STARTTLS (RFC 3207 4) when offered.
std::vector<std::string> ehlo_lines(std::string_view host, size_t max_size, bool starttls);

// --- Errors ----------------------------------------------------------------------------------
// RFC 5321 2.3.8: a control octet (NUL, bare CR, ...) in a command line: 500, X.5.2.
core::Reply invalid_characters();
core::Reply unrecognized();     // RFC 5321 4.2.4: 500 command unrecognized, RFC 3463 X.5.1
core::Reply not_implemented();  // RFC 5321 4.2.4: 502 command not implemented, X.5.1
core::Reply expn_disabled();    // RFC 5321 3.5.3 / 7.3: sites may disable EXPN: 502 X.5.1
core::Reply bad_sequence(std::string_view why);   // RFC 5321 4.1.4: 503, RFC 3463 X.5.1
core::Reply syntax(std::string_view why);         // RFC 5321 4.2.2: 501, RFC 3463 X.5.2
core::Reply bad_args(std::string_view why);       // RFC 5321 4.2.2: 501, RFC 3463 X.5.4
core::Reply bad_sender(std::string_view why);     // 501, RFC 3463 X.1.7 bad sender syntax
core::Reply bad_recipient(std::string_view why);  // 501, RFC 3463 X.1.3 bad destination syntax
// RFC 5321 4.1.1.11: an unknown or unimplementable MAIL/RCPT parameter gets 555; X.5.4.
core::Reply unknown_param(std::string_view keyword);
// RFC 5321 4.5.3.1.4 / 4.5.3.1.9: "500 Line too long"; RFC 3463 X.5.2.
core::Reply line_too_long();
// RFC 5321 4.5.3.1.6 / 4.5.3.1.9 at end of DATA: a text line over our limit; RFC 3463 X.6.0.
core::Reply data_line_too_long();
// RFC 1870 (and RFC 5321 4.5.3.1.9 "552 Too much mail data"): RFC 3463 X.3.4 too big.
core::Reply message_too_big();
// RFC 5321 4.5.3.1.8 / 4.5.3.1.10: too many recipients is 452, RFC 3463 X.5.3.
core::Reply too_many_recipients();
// RFC 5321 3.3: DATA after every RCPT was refused: 554 "no valid recipients".
core::Reply no_valid_recipients();
// RFC 6531 3.5: a non-ASCII address without SMTPUTF8: 553, RFC 5248 / 6531 X.6.7.
core::Reply utf8_required();
// RFC 5321 4.2.2 451 local error: the message could not be stored; RFC 3463 X.3.0.
core::Reply storage_failed();
// RFC 3207 4: STARTTLS when TLS is not offered (502) or already active (503).
core::Reply tls_already_active();

// --- Untrusted replies -----------------------------------------------------------------------
// Makes a reply from policy or the front end safe to send: the code is forced into
// [min_code, max_code] (else fallback_code), the enhanced code is checked (RFC 3463 2: its class
// must match the first digit; default "<class>.<default_detail>"), and the text loses CR, LF,
// control and non-ASCII octets and is cut so the line fits kMaxReplyLine.
core::Reply sanitize(const core::Reply& r, int min_code, int max_code, int fallback_code,
                     std::string_view default_detail);
// The reply for a refusing verdict: kReject gives a 5xx, kTempfail a 4xx; X.7.1 by default
// (RFC 3463 "delivery not authorized, message refused").
core::Reply refusal(const core::Verdict& v);

// --- Wire format -----------------------------------------------------------------------------
// Appends "code SP [enhanced SP] text CRLF" (RFC 5321 4.2, RFC 2034 4).
void format(const core::Reply& r, std::string& out);
// Appends a multi-line reply: "code-text" lines and a last "code SP text" line (RFC 5321 4.2.1).
// enhanced may be empty (the EHLO reply); otherwise every line carries it (RFC 2034 4).
void format_lines(int code, std::string_view enhanced, const std::vector<std::string>& lines,
                  std::string& out);

}  // namespace backstop::smtp::replies
