// Milter command decoding and encoding; see command.h. The data layouts are those libmilter's
// engine (st_* handlers) and Postfix's milter8.c agree on; docs/milter-protocol.md lists them.
// Input is one packet's data from the MTA, already bounded by the decoder.
#include "milter/command.h"

#include <iterator>
#include <type_traits>

#include "milter/wire.h"

namespace backstop::milter {
namespace {

// Reads NUL-terminated strings to the end of the data: "a\0b\0" gives {"a", "b"}. The data
// must end with NUL; an empty data gives no strings.
bool read_strings(std::string_view data, std::vector<std::string>& out) {
  out.clear();
  if (data.empty()) return true;
  if (data.back() != '\0') return false;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t nul = data.find('\0', pos);  // found: data ends with NUL
    out.emplace_back(data.substr(pos, nul - pos));
    pos = nul + 1;
  }
  return true;
}

// One NUL-terminated string that is the whole data.
bool read_one_string(std::string_view data, std::string& out) {
  if (data.empty() || data.back() != '\0') return false;
  const size_t nul = data.find('\0');
  if (nul != data.size() - 1) return false;
  out.assign(data.substr(0, nul));
  return true;
}

ParsedCommand parse_optneg(std::string_view data) {
  // libmilter reads the three words and ignores what follows; so do we (no MTA sends more).
  WireReader r(data);
  OptNeg o;
  if (!r.u32(o.version) || !r.u32(o.actions) || !r.u32(o.protocol))
    return std::string("OPTNEG shorter than 12 octets");
  return Command{o};
}

ParsedCommand parse_macro(std::string_view data) {
  if (data.empty()) return std::string("MACRO without a command code");
  Macro m;
  m.for_command = data[0];
  std::vector<std::string> strings;
  if (!read_strings(data.substr(1), strings)) return std::string("MACRO data not NUL-terminated");
  if (strings.size() % 2 != 0) return std::string("MACRO name without a value");
  m.macros.reserve(strings.size() / 2);
  for (size_t i = 0; i < strings.size(); i += 2) {
    if (strings[i].empty()) return std::string("MACRO with an empty name");
    m.macros.emplace_back(std::move(strings[i]), std::move(strings[i + 1]));
  }
  return Command{std::move(m)};
}

ParsedCommand parse_connect(std::string_view data) {
  WireReader r(data);
  Connect c;
  if (!r.cstring(c.hostname)) return std::string("CONNECT hostname not NUL-terminated");
  uint8_t family = 0;
  if (!r.u8(family)) return std::string("CONNECT without a family");
  c.family = static_cast<char>(family);
  switch (c.family) {
    case SMFIA_UNKNOWN:
      // Nothing follows for an unknown family (Postfix, Sendmail); trailing bytes are refused
      // like everywhere else.
      if (!r.at_end()) return std::string("CONNECT family U with trailing data");
      return Command{std::move(c)};
    case SMFIA_INET:
    case SMFIA_INET6:
    case SMFIA_UNIX:
      break;
    default:
      return std::string("CONNECT with an unknown family");
  }
  if (!r.u16(c.port)) return std::string("CONNECT without a port");
  if (!r.cstring(c.address)) return std::string("CONNECT address not NUL-terminated");
  if (!r.at_end()) return std::string("CONNECT with trailing data");
  return Command{std::move(c)};
}

template <typename T>
ParsedCommand parse_envelope(std::string_view data, const char* what) {
  std::vector<std::string> strings;
  if (!read_strings(data, strings)) return std::string(what) + " data not NUL-terminated";
  if (strings.empty()) return std::string(what) + " without an address";
  T t;
  if constexpr (std::is_same_v<T, Mail>)
    t.sender = std::move(strings[0]);
  else
    t.recipient = std::move(strings[0]);
  t.args.assign(std::make_move_iterator(strings.begin() + 1),
                std::make_move_iterator(strings.end()));
  return Command{std::move(t)};
}

ParsedCommand parse_header(std::string_view data) {
  std::vector<std::string> strings;
  if (!read_strings(data, strings) || strings.size() != 2)
    return std::string("HEADER is not a NUL-terminated name and value");
  if (strings[0].empty()) return std::string("HEADER with an empty name");
  return Command{Header{std::move(strings[0]), std::move(strings[1])}};
}

template <typename T>
ParsedCommand no_data(std::string_view data, const char* what) {
  if (!data.empty()) return std::string(what) + " with data";
  return Command{T{}};
}

struct CodeOf {
  char operator()(const OptNeg&) const { return SMFIC_OPTNEG; }
  char operator()(const Macro&) const { return SMFIC_MACRO; }
  char operator()(const Connect&) const { return SMFIC_CONNECT; }
  char operator()(const Helo&) const { return SMFIC_HELO; }
  char operator()(const Mail&) const { return SMFIC_MAIL; }
  char operator()(const Rcpt&) const { return SMFIC_RCPT; }
  char operator()(const Header&) const { return SMFIC_HEADER; }
  char operator()(const EndOfHeaders&) const { return SMFIC_EOH; }
  char operator()(const Body&) const { return SMFIC_BODY; }
  char operator()(const EndOfBody&) const { return SMFIC_BODYEOB; }
  char operator()(const Abort&) const { return SMFIC_ABORT; }
  char operator()(const Quit&) const { return SMFIC_QUIT; }
  char operator()(const QuitNewConnection&) const { return SMFIC_QUIT_NC; }
  char operator()(const Data&) const { return SMFIC_DATA; }
  char operator()(const Unknown&) const { return SMFIC_UNKNOWN; }
};

// The data of a command packet (without length and code).
struct DataOf {
  std::string out;
  void operator()(const OptNeg& o) {
    put_u32(out, o.version);
    put_u32(out, o.actions);
    put_u32(out, o.protocol);
  }
  void operator()(const Macro& m) {
    out.push_back(m.for_command);
    for (const auto& [name, value] : m.macros) {
      put_cstring(out, name);
      put_cstring(out, value);
    }
  }
  void operator()(const Connect& c) {
    put_cstring(out, c.hostname);
    out.push_back(c.family);
    if (c.family == SMFIA_UNKNOWN) return;
    put_u16(out, c.port);
    put_cstring(out, c.address);
  }
  void operator()(const Helo& h) { put_cstring(out, h.name); }
  void operator()(const Mail& m) {
    put_cstring(out, m.sender);
    for (const auto& a : m.args) put_cstring(out, a);
  }
  void operator()(const Rcpt& r) {
    put_cstring(out, r.recipient);
    for (const auto& a : r.args) put_cstring(out, a);
  }
  void operator()(const Header& h) {
    put_cstring(out, h.name);
    put_cstring(out, h.value);
  }
  void operator()(const Body& b) { out.append(b.chunk); }
  void operator()(const EndOfBody& b) { out.append(b.chunk); }
  void operator()(const Unknown& u) { put_cstring(out, u.command); }
  template <typename T>
  void operator()(const T&) {}  // no data
};

}  // namespace

char command_code(const Command& command) {
  return std::visit(CodeOf{}, command);
}

ParsedCommand parse_command(char code, std::string_view data) {
  switch (code) {
    case SMFIC_OPTNEG:
      return parse_optneg(data);
    case SMFIC_MACRO:
      return parse_macro(data);
    case SMFIC_CONNECT:
      return parse_connect(data);
    case SMFIC_HELO: {
      Helo h;
      if (!read_one_string(data, h.name)) return std::string("HELO is not one string");
      return Command{std::move(h)};
    }
    case SMFIC_MAIL:
      return parse_envelope<Mail>(data, "MAIL");
    case SMFIC_RCPT:
      return parse_envelope<Rcpt>(data, "RCPT");
    case SMFIC_HEADER:
      return parse_header(data);
    case SMFIC_EOH:
      return no_data<EndOfHeaders>(data, "EOH");
    case SMFIC_BODY:
      return Command{Body{std::string(data)}};
    case SMFIC_BODYEOB:
      return Command{EndOfBody{std::string(data)}};
    case SMFIC_ABORT:
      return no_data<Abort>(data, "ABORT");
    case SMFIC_QUIT:
      return no_data<Quit>(data, "QUIT");
    case SMFIC_QUIT_NC:
      return no_data<QuitNewConnection>(data, "QUIT_NC");
    case SMFIC_DATA:
      return no_data<Data>(data, "DATA");
    case SMFIC_UNKNOWN: {
      Unknown u;
      if (!read_one_string(data, u.command)) return std::string("UNKNOWN is not one string");
      return Command{std::move(u)};
    }
    default:
      return std::string("unknown command code");
  }
}

std::string encode_command(const Command& command) {
  DataOf d;
  std::visit(d, command);
  return make_packet(command_code(command), d.out);
}

bool expects_reply(char code, uint32_t negotiated_protocol) {
  uint32_t no_reply_flag = 0;
  switch (code) {
    case SMFIC_OPTNEG:
    case SMFIC_BODYEOB:
      return true;
    case SMFIC_MACRO:
    case SMFIC_ABORT:
    case SMFIC_QUIT:
    case SMFIC_QUIT_NC:
      return false;
    case SMFIC_CONNECT:
      no_reply_flag = SMFIP_NR_CONN;
      break;
    case SMFIC_HELO:
      no_reply_flag = SMFIP_NR_HELO;
      break;
    case SMFIC_MAIL:
      no_reply_flag = SMFIP_NR_MAIL;
      break;
    case SMFIC_RCPT:
      no_reply_flag = SMFIP_NR_RCPT;
      break;
    case SMFIC_DATA:
      no_reply_flag = SMFIP_NR_DATA;
      break;
    case SMFIC_UNKNOWN:
      no_reply_flag = SMFIP_NR_UNKN;
      break;
    case SMFIC_HEADER:
      no_reply_flag = SMFIP_NR_HDR;
      break;
    case SMFIC_EOH:
      no_reply_flag = SMFIP_NR_EOH;
      break;
    case SMFIC_BODY:
      no_reply_flag = SMFIP_NR_BODY;
      break;
    default:
      return false;
  }
  return (negotiated_protocol & no_reply_flag) == 0;
}

}  // namespace backstop::milter
