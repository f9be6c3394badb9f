// Re-addressing real messages for the drill: a bounce, auto-reply or challenge from the corpus
// is cut into a template at every place its addressee (the forged sender of the spam that
// caused it) appears, so each session puts in a local part of the target domain cheaply; and
// legitimate bounces are made from it (our relay's hop quoted) or from scratch. Input is
// untrusted corpus mail: nothing here assumes it is well-formed, and failures are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drill/mix.h"

namespace backstop::drill {

// What an address slot receives when a template is rendered.
enum class Slot : uint8_t {
  kRecipient,  // the To field: whom the message is for. A bounce goes to the envelope sender of
               // the mail it answers, so for a BATV bounce this is the tagged address.
  kMention,    // every other place the addressee appears: the quoted original's From and
               // Return-Path, DSN fields (X-Postfix-Sender, Original-Recipient...), the text.
};

// A message with its addressee cut out: text[0] slot[0] text[1] ... text[n].
struct Template {
  std::vector<std::string> text{std::string()};
  std::vector<Slot> slots;
  size_t bytes() const;
};

// prepend, then the template with every kRecipient slot replaced by recipient and every
// kMention slot by mention.
std::string render(const Template& t, std::string_view recipient, std::string_view mention,
                   std::string_view prepend = {});

// CRLF line ends (bare LF and bare CR become CRLF), a leading mbox "From " line dropped, and a
// final CRLF.
std::string normalize(std::string_view raw);

// Header fields that only the final delivery adds (RFC 5321 4.4: "a message-originating SMTP
// system SHOULD NOT send a message that already contains a Return-path header field"; the
// same holds for Delivered-To, X-Original-To, Envelope-To, X-Envelope-To). Stored mail carries
// them, mail on the wire does not, so the drill removes them from the top-level header.
bool is_delivery_field(std::string_view name);

// Removes the delivery fields from the top-level header of a normalized message.
std::string strip_delivery_fields(std::string_view crlf_message);

struct ReaddressInfo {
  std::vector<std::string> addressees;  // lower-case; from To and the delivery fields
  size_t slots = 0;                     // places cut out
  bool to_replaced = false;             // the To field named nobody usable and was replaced
};

// Makes a template of a bounce-class message. The addressees are the addresses of its To field
// and of the delivery fields (Delivered-To, X-Original-To, Envelope-To, X-Envelope-To); every
// occurrence of one of them, in any case, bounded by non-address characters, becomes a slot:
// in the To field a kRecipient slot, elsewhere (quoted original, DSN fields, text) a kMention
// slot. A To field naming none of them becomes "To: <slot>"; a missing one is added. The
// delivery fields are removed (see is_delivery_field). Encoded parts (base64, quoted-printable)
// are left as they are. nullopt and *why when the input has no header block.
std::optional<Template> make_template(std::string_view raw, std::string* why = nullptr,
                                      ReaddressInfo* info = nullptr);

// Inserts, as the newest Received field of the quoted original (the first message/rfc822,
// message/global, text/rfc822-headers or message/global-headers part of the body), the hop a
// remote site writes when our outbound relay hands it the original:
//   Received: from HOST (HOST [IP])\r\n\tby BY with ESMTPS id ID; DATE
// nullopt when there is no such part, or it is base64 or quoted-printable encoded. The input
// is a normalized message.
std::optional<std::string> insert_relay_hop(std::string_view crlf_message, const Relay& relay,
                                            std::string_view by_host, std::string_view id,
                                            std::string_view date);

// An RFC 3464 DSN written from scratch (Postfix's layout): "user unknown" for failed_rcpt,
// answering a message from `sender`, quoting that message whole. reporting_mta is the
// bouncing site; date an RFC 5322 date.
struct DsnSpec {
  std::string sender;         // the addressee: our user who sent the original
  std::string failed_rcpt;    // the remote recipient that did not exist
  std::string reporting_mta;  // host name of the bouncing site
  std::string date;           // RFC 5322 date
  std::string id;             // a queue id, [A-Za-z0-9]
  std::string subject;        // the original's subject
};
std::string synthetic_dsn(const DsnSpec& spec);

// "Tue, 24 Nov 2026 10:00:00 +0000" (RFC 5322 3.3) for a Unix time.
std::string rfc5322_date(int64_t unix_time);

}  // namespace backstop::drill
