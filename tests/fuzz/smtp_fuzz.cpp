// libFuzzer target for the SMTP server session and its command parser: arbitrary bytes, cut
// into feeds at points chosen by the input, with a permissive delegate that sometimes refuses,
// answers messages late or at once, and completes STARTTLS. Checks the session's invariants:
// replies are CRLF-terminated lines with a 3-digit code, buffers and the sink stay bounded,
// on_close is called at most once. Any violation aborts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/command.h"
#include "smtp/session.h"

namespace {

using namespace backstop;

[[noreturn]] void fail() {
  std::abort();
}

class Delegate : public smtp::Delegate {
 public:
  smtp::Session* session = nullptr;
  bool answer_at_once = false;
  int closes = 0;
  size_t messages = 0;

  core::Verdict on_connect() override { return core::Verdict::proceed(); }
  core::Verdict on_helo(std::string_view name, bool) override {
    if (name == "bad") return core::Verdict::reject(core::Reason::kHeloIsUs, {550, "", "no\r\n"});
    return core::Verdict::proceed();
  }
  core::Verdict on_mail(const smtp::Envelope& env) override {
    if (env.sender && env.sender->local == "x")
      return core::Verdict::tempfail(core::Reason::kNone, {421, "4.3.2", "bye"});
    return core::Verdict::proceed();
  }
  smtp::RcptDecision on_rcpt(const smtp::Envelope&, const core::Address& a) override {
    if (a.local.find('u') != std::string::npos)
      return {core::Verdict::reject(core::Reason::kUnknownUser, {550, "5.1.1", "unknown"}), {}};
    if (a.local.find('t') != std::string::npos) return {core::Verdict::proceed(), a};
    return {core::Verdict::proceed(), std::nullopt};
  }
  core::Verdict on_data(const smtp::Envelope& env) override {
    if (env.recipients.size() > 2)
      return core::Verdict::reject(core::Reason::kNullSenderMultiRcpt, {554, "5.7.1", "no"});
    return core::Verdict::proceed();
  }
  void on_message(const smtp::Envelope&) override {
    ++messages;
    if (answer_at_once && session) session->message_result({250, "2.0.0", "OK"});
  }
  void on_reset() override {}
  void on_close() override {
    if (++closes > 1) fail();
  }
};

class Sink : public smtp::MessageSink {
 public:
  size_t size = 0;
  void reset() override { size = 0; }
  bool append(std::string_view bytes) override {
    size += bytes.size();
    return true;
  }
};

// Every reply line: 3 digits, the first 2-5, then SP or "-", at most 512 octets with the CRLF,
// no CR or LF inside; the output ends with CRLF.
void check_output(std::string& out) {
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find("\r\n", start);
    if (end == std::string::npos) fail();
    const std::string_view line = std::string_view(out).substr(start, end - start);
    if (line.size() < 4 || line.size() + 2 > 512) fail();
    if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
        line[2] > '9' || (line[3] != ' ' && line[3] != '-'))
      fail();
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
      fail();
    start = end + 2;
  }
  out.clear();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  uint32_t seed = data[1] | 1u;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  // The parser alone, on every line of the input.
  for (size_t pos = 0; pos < input.size();) {
    size_t lf = input.find('\n', pos);
    if (lf == std::string_view::npos) lf = input.size();
    (void)smtp::parse_command(input.substr(pos, lf - pos));
    pos = lf + 1;
  }

  smtp::SessionConfig config;
  config.hostname = "fuzz.test";
  config.tls_available = flags & 1;
  config.limits.max_command_line = (flags & 2) ? 64 : 512;
  config.limits.max_text_line = (flags & 4) ? 80 : 1000;
  config.limits.max_message_bytes = (flags & 8) ? 200 : 4096;
  config.limits.max_recipients = (flags & 16) ? 3 : 100;
  config.limits.max_errors = (flags & 32) ? 5 : 50;
  config.limits.max_input_buffer = (flags & 64) ? 256 : 8192;
  const size_t max_held = config.limits.max_input_buffer;

  Delegate delegate;
  delegate.answer_at_once = flags & 128;
  Sink sink;
  smtp::Session session(config, delegate, sink);
  delegate.session = &session;
  session.start();
  check_output(session.output());

  size_t pos = 0;
  size_t out_total = 0;
  while (pos < input.size()) {
    seed = seed * 1103515245u + 12345u;  // the cut points follow from the input's seed byte
    const size_t n = std::min<size_t>(input.size() - pos, 1 + (seed >> 16) % 97);
    session.feed(input.substr(pos, n));
    pos += n;
    out_total += session.output().size();
    check_output(session.output());
    if (session.buffered() > max_held) fail();
    if (sink.size > config.limits.max_message_bytes) fail();
    if (session.waiting_for() == smtp::Wait::kDecision && ((seed >> 8) & 3) == 0) {
      session.message_result({(seed & 16) ? 250 : 554, "", "result\r\ninjected"});
      out_total += session.output().size();
      check_output(session.output());
    }
    if (session.wants_tls()) session.tls_established();
    if (session.closing()) break;
  }
  session.timed_out();
  check_output(session.output());
  if (delegate.closes != 1) fail();
  // Replies are bounded by the input: at most one EHLO-sized reply (~160 octets) per 3 input
  // octets ("EH\n" is the shortest reply-producing line... plus the fixed start and end).
  if (out_total > 64 * (input.size() + 1) + 1024) fail();
  return 0;
}
