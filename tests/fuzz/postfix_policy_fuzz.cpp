// libFuzzer target for the Postfix policy codec: arbitrary bytes fed to the parser in cuts
// chosen by the input, every accessor on every request, and every reply built from the
// request's values. Checks: limits hold (attributes, line length, buffer), names are
// [a-z0-9_]+, the error state is final, and every reply is exactly one "action=" line of at
// most kMaxActionLine octets followed by an empty line. Any violation aborts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "postfix_policy/parser.h"
#include "postfix_policy/response.h"

namespace {

using namespace backstop::postfix_policy;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_reply(const std::string& r) {
  check(r.size() >= 9 && r.compare(0, 7, "action=") == 0);
  check(r.size() <= kMaxActionLine + 2);
  check(r.find('\n') == r.size() - 2 && r[r.size() - 1] == '\n');
  check(r.find('\r') == std::string::npos && r.find('\0') == std::string::npos);
}

void exercise(const Request& r, const ParserLimits& limits) {
  check(r.attribute_count() >= 1 && r.attribute_count() <= limits.max_attributes);
  for (const auto& [name, value] : r.attributes()) {
    check(!name.empty() && name.size() < limits.max_line);
    for (char c : name) check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    check(name.size() + 1 + value.size() <= limits.max_line);
    check(value.find('\n') == std::string::npos && value.find('\0') == std::string::npos);
  }
  (void)r.protocol_state();
  (void)r.sender_address();
  (void)r.recipient_address();
  (void)r.recipient_count();
  (void)r.size();
  (void)r.client_ip();
  (void)r.client_port();
  (void)r.server_port();
  (void)r.stress();
  check(to_string(r.protocol_state()).empty() || r.protocol_state() != ProtocolState::kUnknown);

  check_reply(format_action(r.get("action")));
  check_reply(reject(r.sender()));
  check_reply(defer_if_permit(r.recipient()));
  check_reply(defer(r.helo_name()));
  for (const auto& [name, value] : r.attributes()) {
    if (auto p = prepend(name, value)) check_reply(*p);
    check_reply(format_action(value));
    if (auto p = reply({550, "5.7.1", value})) check_reply(*p);
    if (auto p = reply({451, std::string(value.substr(0, 12)), value})) check_reply(*p);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  uint32_t seed = data[1] | 1u;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  ParserLimits limits;
  if (flags & 1) limits.max_line = 16;
  if (flags & 2) limits.max_attributes = 3;
  Parser p(limits);
  Request r;
  for (size_t pos = 0; pos < input.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min<size_t>(input.size() - pos, 1 + (seed >> 16) % 61);
    p.feed(input.substr(pos, n));
    pos += n;
    Parser::Status s;
    while ((s = p.next(r)) == Parser::Status::kRequest) exercise(r, limits);
    if (s == Parser::Status::kError) {
      check(p.failed() && p.buffered() == 0 && p.next(r) == Parser::Status::kError);
      break;
    }
    // Drained: at most one unfinished line (plus a CR) is held.
    check(p.buffered() <= limits.max_line + 1);
    check(p.pending_attributes() <= limits.max_attributes);
  }
  return 0;
}
