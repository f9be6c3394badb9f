// The milter commands an MTA sends to a filter, as typed values: one struct per SMFIC_* code,
// parse_command() from one packet's code and data, encode_command() back to a packet (the MTA
// side, for tests, tools and the fuzz round trip), and which commands expect a reply.
// Packet data is untrusted: every malformation is an error string, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "milter/protocol.h"

namespace backstop::milter {

// SMFIC_OPTNEG 'O': u32 version, u32 actions (SMFIF_*), u32 protocol (SMFIP_*) offered.
struct OptNeg {
  uint32_t version = kProtocolVersion;
  uint32_t actions = 0;
  uint32_t protocol = 0;
  bool operator==(const OptNeg&) const = default;
};

// SMFIC_MACRO 'D': the command the macros belong to, then name/value pairs. Names come as
// the MTA spells them: "{daemon_name}", or a single letter ("i", "j", "_").
struct Macro {
  char for_command = 0;
  std::vector<std::pair<std::string, std::string>> macros;
  bool operator==(const Macro&) const = default;
};

// SMFIC_CONNECT 'C': hostname, family ('4', '6', 'L' unix socket, 'U' unknown), and unless
// the family is 'U', the port (0 for 'L') and the address text (the socket path for 'L').
// Postfix sends "[1.2.3.4]" as the hostname when the client has no verified name.
struct Connect {
  std::string hostname;
  char family = SMFIA_UNKNOWN;
  uint16_t port = 0;
  std::string address;
  bool operator==(const Connect&) const = default;
};

struct Helo {  // SMFIC_HELO 'H': the HELO/EHLO argument
  std::string name;
  bool operator==(const Helo&) const = default;
};

// SMFIC_MAIL 'M' and SMFIC_RCPT 'R': the address as the client gave it, "<a@b>" (or "<>"),
// then the ESMTP parameters ("SIZE=100", "BODY=8BITMIME").
struct Mail {
  std::string sender;
  std::vector<std::string> args;
  bool operator==(const Mail&) const = default;
};
struct Rcpt {
  std::string recipient;
  std::vector<std::string> args;
  bool operator==(const Rcpt&) const = default;
};

// SMFIC_HEADER 'L'. The value has its leading space only with SMFIP_HDR_LEADSPC negotiated;
// a folded value keeps its line breaks as the MTA sends them.
struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

struct EndOfHeaders {  // SMFIC_EOH 'N'
  bool operator==(const EndOfHeaders&) const = default;
};
struct Body {  // SMFIC_BODY 'B': a chunk of the body, CRLF line ends, at most 65535 octets
  std::string chunk;
  bool operator==(const Body&) const = default;
};
struct EndOfBody {  // SMFIC_BODYEOB 'E': end of message; may carry a last chunk
  std::string chunk;
  bool operator==(const EndOfBody&) const = default;
};
struct Abort {  // SMFIC_ABORT 'A': the current message is abandoned (RSET, error); no reply
  bool operator==(const Abort&) const = default;
};
struct Quit {  // SMFIC_QUIT 'Q': the MTA closes the connection; no reply
  bool operator==(const Quit&) const = default;
};
struct QuitNewConnection {  // SMFIC_QUIT_NC 'K': a new SMTP connection follows; no reply
  bool operator==(const QuitNewConnection&) const = default;
};
struct Data {  // SMFIC_DATA 'T': the client sent DATA
  bool operator==(const Data&) const = default;
};
struct Unknown {  // SMFIC_UNKNOWN 'U': an SMTP command the MTA does not know, as sent
  std::string command;
  bool operator==(const Unknown&) const = default;
};

using Command = std::variant<OptNeg, Macro, Connect, Helo, Mail, Rcpt, Header, EndOfHeaders, Body,
                             EndOfBody, Abort, Quit, QuitNewConnection, Data, Unknown>;

// The SMFIC_* code of a command.
char command_code(const Command& command);

// Decodes one packet's command code and data (the bytes after the code). Every command's data
// must be exactly its fields: missing NUL terminators, short integers, trailing bytes and
// unknown codes are errors (returned as the std::string alternative, a short English text).
using ParsedCommand = std::variant<Command, std::string>;
ParsedCommand parse_command(char code, std::string_view data);

// The whole packet (length, code, data) for a command: what an MTA would send. Strings that
// contain NUL cannot be encoded faithfully; they are cut at the first NUL.
std::string encode_command(const Command& command);

// Whether the MTA waits for a reply to this command, given the SMFIP_* flags negotiated:
// MACRO, ABORT, QUIT and QUIT_NC never; OPTNEG and BODYEOB always; the others unless their
// SMFIP_NR_* flag was negotiated. An unknown code: false.
bool expects_reply(char code, uint32_t negotiated_protocol);
inline bool expects_reply(const Command& command, uint32_t negotiated_protocol) {
  return expects_reply(command_code(command), negotiated_protocol);
}

}  // namespace backstop::milter
