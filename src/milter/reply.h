// Encoders for the replies a filter sends to the MTA (SMFIR_* packets), each returning the
// whole packet (length, code, data). Arguments come from backstop's policy and config, and
// may quote the client (an address in a reply text): reply texts are sanitized, while
// header, address and reason arguments that cannot be sent faithfully (NUL, CR, bare LF,
// control octets) make the encoder return nullopt rather than send something else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply.h"
#include "milter/command.h"

namespace backstop::milter {

// Replies without data.
std::string encode_continue();   // 'c': go on with the next step
std::string encode_accept();     // 'a': accept the message (at CONNECT/HELO: the connection)
std::string encode_reject();     // 'r': 5xx with the MTA's own text
std::string encode_tempfail();   // 't': 4xx with the MTA's own text
std::string encode_discard();    // 'd': accept and drop the message (not at CONNECT/HELO)
std::string encode_progress();   // 'p': still working, restarts the MTA's timeout
std::string encode_skip();       // 's': no more BODY chunks (needs SMFIP_SKIP offered)
std::string encode_shutdown();   // '4': 421 and close the SMTP session
std::string encode_conn_fail();  // 'f': cause a connection failure

// 'y': reject or tempfail with our reply, "550 5.7.1 text". code must be 400..599; enhanced
// is RFC 3463 "c.s.d" with c the code's first digit, or empty for "c.0.0" (Postfix refuses a
// reply whose fifth octet differs from its first, so the enhanced code is never left out).
// Each text line: control octets (CR, LF, NUL...) become spaces, '%' is doubled (Sendmail
// uses the reply as a format string; Postfix undoes the doubling), and the line is cut to
// kMaxReplyLine octets. Several lines make a multi-line reply, "550-5.7.1 a\r\n550 5.7.1 b",
// at most kMaxReplyLines (more are dropped). nullopt for a bad code or enhanced code.
inline constexpr size_t kMaxReplyLine = 510;  // RFC 5321 4.5.3.1.5: 512 with CRLF
inline constexpr size_t kMaxReplyLines = 32;  // libmilter's MAXREPLIES
std::optional<std::string> encode_replycode(int code, std::string_view enhanced,
                                            std::string_view text);
std::optional<std::string> encode_replycode(int code, std::string_view enhanced,
                                            const std::vector<std::string>& lines);
std::optional<std::string> encode_replycode(const core::Reply& reply);
// The reply text alone (the packet's data without its NUL), for tests and logs.
std::optional<std::string> format_reply_text(int code, std::string_view enhanced,
                                             const std::vector<std::string>& lines);

// Header edits (end of message only; need SMFIF_ADDHDRS / SMFIF_CHGHDRS negotiated). name:
// printable ASCII without ':' or space, non-empty. value: no NUL or CR; a line break is "\n"
// followed by a space or tab (the MTA adds the CR); it may not end in "\n".
std::optional<std::string> encode_addheader(std::string_view name, std::string_view value);
// 'i': insert at index (0 = before the first header; Postfix counts from the top).
std::optional<std::string> encode_insheader(uint32_t index, std::string_view name,
                                            std::string_view value);
// 'm': change the index-th (1-based) header of that name; an empty value deletes it.
std::optional<std::string> encode_chgheader(uint32_t index, std::string_view name,
                                            std::string_view value);

// Envelope edits (end of message only). address as in SMTP, "<a@b>" or "a@b"; esmtp_args
// space-separated ("SIZE=100"), empty for none. Non-empty address; no control octets.
std::optional<std::string> encode_chgfrom(std::string_view address,
                                          std::string_view esmtp_args = {});  // 'e'
std::optional<std::string> encode_addrcpt(std::string_view address);          // '+'
std::optional<std::string> encode_addrcpt_par(std::string_view address,
                                              std::string_view esmtp_args = {});  // '2'
std::optional<std::string> encode_delrcpt(std::string_view address);              // '-'
// 'q': put the message on hold (Postfix: the hold queue); reason non-empty, no controls.
std::optional<std::string> encode_quarantine(std::string_view reason);
// 'b': a chunk of a replacement body (needs SMFIF_CHGBODY); nullopt over kChunkSize octets.
std::optional<std::string> encode_replbody(std::string_view chunk);

// A macro list for one stage (SMFIM_*): the macro names the filter wants at that stage,
// space-separated, as the MTA spells them ("{auth_authen} {client_addr} i").
struct MacroList {
  uint32_t stage = SMFIM_CONNECT;
  std::string names;
  bool operator==(const MacroList&) const = default;
};

// 'O': the answer to SMFIC_OPTNEG: version, actions, protocol, then for each macro list the
// u32 stage and the NUL-terminated names (the v6 "setsymlist" extension; send lists only when
// the MTA offered SMFIF_SETSYMLIST). Use negotiate() (negotiate.h) to compute the values.
// nullopt when a stage is over SMFIM_EOH or names contain NUL or control octets.
std::optional<std::string> encode_optneg(const OptNeg& reply,
                                         const std::vector<MacroList>& macros = {});

}  // namespace backstop::milter
