// libFuzzer target for the milter codec: arbitrary bytes fed to the decoder in cuts chosen by
// the input, every decoded command re-encoded (encode_command) and decoded again to the same
// value, expects_reply and negotiate on what came in, and the reply encoders on the decoded
// strings. Checks: the buffer stays within one packet plus one feed, the error state is final,
// round trips are exact, replies have the promised shape. Any violation aborts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "milter/command.h"
#include "milter/decoder.h"
#include "milter/negotiate.h"
#include "milter/reply.h"

namespace {

using namespace backstop::milter;

[[noreturn]] void fail() {
  std::abort();
}

void check(bool ok) {
  if (!ok) fail();
}

// A reply packet: length field matches, code present.
void check_packet(const std::string& p, char code) {
  check(p.size() >= 5 && p[4] == code);
  const uint32_t len = uint32_t{static_cast<uint8_t>(p[0])} << 24 |
                       uint32_t{static_cast<uint8_t>(p[1])} << 16 |
                       uint32_t{static_cast<uint8_t>(p[2])} << 8 | static_cast<uint8_t>(p[3]);
  check(len == p.size() - 4);
}

void check_replycode(const std::optional<std::string>& p, size_t lines) {
  check(p.has_value());
  check_packet(*p, SMFIR_REPLYCODE);
  const std::string_view text = std::string_view(*p).substr(5);
  check(!text.empty() && text.back() == '\0');
  check(text.find('\0') == text.size() - 1);
  size_t count = 0;
  for (size_t start = 0;;) {
    const size_t end = text.find("\r\n", start);
    const std::string_view line =
        text.substr(start, (end == std::string_view::npos ? text.size() - 1 : end) - start);
    check(line.size() >= 9 && line.size() <= kMaxReplyLine);
    check(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
    check(line[0] == '4' || line[0] == '5');
    check(line[4] == line[0]);  // what Postfix checks
    ++count;
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  check(count == std::min(std::max<size_t>(lines, 1), kMaxReplyLines));
}

void exercise(const Command& c) {
  // Round trip: what we decoded, encoded as an MTA would, decodes to the same value.
  Decoder again;
  again.feed(encode_command(c));
  Command back;
  check(again.next(back) == Decoder::Status::kCommand);
  check(back == c);
  check(again.buffered() == 0);

  (void)expects_reply(c, 0);
  (void)expects_reply(c, 0xffffffff);

  if (const auto* o = std::get_if<OptNeg>(&c)) {
    FilterWants w;
    w.required_actions = o->actions & SMFIF_ADDHDRS;
    w.optional_actions = SMFIF_QUARANTINE | SMFIF_CHGFROM;
    w.optional_protocol = SMFIP_RCPT_REJ | SMFIP_NR_HDR | SMFIP_NOUNKNOWN;
    w.macros = {{SMFIM_CONNECT, "{client_addr}"}};
    auto r = negotiate(*o, w);
    if (const auto* n = std::get_if<Negotiation>(&r)) {
      check((n->granted.actions & ~o->actions) == 0);
      check((n->granted.protocol & ~o->protocol) == 0);
      check(n->granted.version <= o->version && n->granted.version <= kProtocolVersion);
      check_packet(n->reply, SMFIC_OPTNEG);
    } else {
      check(o->version < kMinProtocolVersion);
    }
  } else if (const auto* h = std::get_if<Header>(&c)) {
    if (auto p = encode_addheader(h->name, h->value)) check_packet(*p, SMFIR_ADDHEADER);
    if (auto p = encode_chgheader(1, h->name, "")) check_packet(*p, SMFIR_CHGHEADER);
    check_replycode(encode_replycode(550, "5.7.1", {h->name, h->value}), 2);
  } else if (const auto* m = std::get_if<Mail>(&c)) {
    std::string args;
    for (const auto& a : m->args) args += a + " ";
    if (auto p = encode_chgfrom(m->sender, args)) check_packet(*p, SMFIR_CHGFROM);
    check_replycode(encode_replycode(451, "", m->sender), 1);
  } else if (const auto* r = std::get_if<Rcpt>(&c)) {
    if (auto p = encode_addrcpt_par(r->recipient, r->args.empty() ? "" : r->args[0]))
      check_packet(*p, SMFIR_ADDRCPT_PAR);
    if (auto p = encode_delrcpt(r->recipient)) check_packet(*p, SMFIR_DELRCPT);
    check_replycode(encode_replycode(550, "5.1.1", r->args), r->args.size());
  } else if (const auto* u = std::get_if<Unknown>(&c)) {
    check_replycode(encode_replycode(500, "5.5.1", u->command), 1);
    if (auto p = encode_quarantine(u->command)) check_packet(*p, SMFIR_QUARANTINE);
  } else if (const auto* b = std::get_if<Body>(&c)) {
    if (auto p = encode_replbody(b->chunk)) check_packet(*p, SMFIR_REPLBODY);
    check_replycode(encode_replycode(554, "5.6.0", b->chunk), 1);
  } else if (const auto* mac = std::get_if<Macro>(&c)) {
    std::string names;
    for (const auto& [name, value] : mac->macros) names += name + " ";
    if (auto p = encode_optneg(OptNeg{}, {{SMFIM_EOH, names}})) check_packet(*p, SMFIC_OPTNEG);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  uint32_t seed = data[1] | 1u;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  const size_t max_packet = (flags & 1) ? 64 : (flags & 2) ? 4096 : kDefaultMaxPacket;
  Decoder d(max_packet);
  Command c;
  bool failed = false;
  for (size_t pos = 0; pos < input.size();) {
    seed = seed * 1103515245u + 12345u;
    const size_t n = std::min<size_t>(input.size() - pos, 1 + (seed >> 16) % 61);
    d.feed(input.substr(pos, n));
    pos += n;
    for (;;) {
      const Decoder::Status s = d.next(c);
      if (s == Decoder::Status::kNeedMore) break;
      if (s == Decoder::Status::kError) {
        check(d.failed() && !d.error().empty() && d.buffered() == 0);
        failed = true;
        break;
      }
      check(!failed);
      exercise(c);
    }
    if (failed) {
      check(d.next(c) == Decoder::Status::kError);
      break;
    }
    // Drained: at most one incomplete packet (length field + max_packet) is held.
    check(d.buffered() <= max_packet + 4);
  }
  return 0;
}
