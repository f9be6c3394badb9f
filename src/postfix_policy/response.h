// Postfix policy delegation replies (SMTPD_POLICY_README): "action=WHAT" then an empty line,
// WHAT being an access(5) action. Texts may quote the client, so they are made safe: a run of
// CR/LF becomes one space (a newline would end the reply early and let the rest be read as
// the next reply), other control octets become spaces, and the line is cut to
// kMaxActionLine octets without splitting a UTF-8 sequence.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/reply.h"

namespace backstop::postfix_policy {

// Octets of "action=..." without its LF; Postfix turns the text into an SMTP reply, whose
// lines RFC 5321 4.5.3.1.5 caps at 512 octets with the CRLF.
inline constexpr size_t kMaxActionLine = 510;

// "action=" + the sanitized action + "\n\n". An empty action gives "action=DUNNO".
std::string format_action(std::string_view action);

std::string ok();     // action=OK: accept (ends this restriction list)
std::string dunno();  // action=DUNNO: no opinion, Postfix goes on
// action=REJECT [text]: 5xx; the text may begin with an enhanced code ("5.7.1 ...").
std::string reject(std::string_view text = {});
std::string defer(std::string_view text = {});            // action=DEFER [text]: 4xx
std::string defer_if_permit(std::string_view text = {});  // 4xx unless a later reject
std::string defer_if_reject(std::string_view text = {});  // 4xx if a later reject
// action=NNN text, our own reply: "550 5.7.1 text". nullopt unless code is 400..599 and the
// enhanced code is empty (Postfix then supplies its default) or RFC 3463 of the same class.
std::optional<std::string> reply(const core::Reply& reply);
// action=PREPEND name: value. name: printable ASCII without ':' or space; nullopt otherwise.
std::optional<std::string> prepend(std::string_view name, std::string_view value);

}  // namespace backstop::postfix_policy
