// Unit tests of the SMTP session's API contract beyond the transcripts: output handling, call
// order to the delegate, re-entrancy, chunking independence, limits, and random input.
#include "smtp/session.h"

#include <gtest/gtest.h>

#include <random>

#include "fakes.h"

namespace backstop::smtp {
namespace {

using testing::FakeDelegate;
using testing::MemorySink;

struct Fixture {
  SessionConfig config;
  FakeDelegate delegate;
  MemorySink sink;
  std::optional<Session> session;

  Fixture() { config.hostname = "mx.test"; }
  Session& start() {
    session.emplace(config, delegate, sink);
    delegate.session = &*session;
    session->start();
    return *session;
  }
  std::string take() {
    std::string out = std::move(session->output());
    session->output().clear();
    return out;
  }
};

constexpr std::string_view kEnvelope =
    "HELO c.example\r\nMAIL FROM:<a@example.net> SIZE=10 BODY=8BITMIME\r\n"
    "RCPT TO:<b@example.org>\r\nDATA\r\n";

TEST(Session, GreetingAndOutputBuffer) {
  Fixture f;
  Session& s = f.start();
  EXPECT_EQ(f.take(), "220 mx.test ESMTP backstop\r\n");
  s.feed("NOOP\r\n");
  s.feed("NOOP\r\n");
  EXPECT_EQ(s.output(), "250 2.0.0 OK\r\n250 2.0.0 OK\r\n");
  s.start();  // a second start() does nothing
  EXPECT_EQ(f.take(), "250 2.0.0 OK\r\n250 2.0.0 OK\r\n");
  EXPECT_EQ(f.delegate.calls, (std::vector<std::string>{"connect"}));
}

TEST(Session, EarlyTalkerIsServedAfterTheGreeting) {
  Fixture f;
  f.session.emplace(f.config, f.delegate, f.sink);
  f.session->feed("HELO early.example\r\nNOOP\r\n");
  EXPECT_EQ(f.session->output(), "");
  EXPECT_EQ(f.session->buffered(), 26u);
  f.session->start();
  EXPECT_EQ(f.take(), "220 mx.test ESMTP backstop\r\n250 mx.test\r\n250 2.0.0 OK\r\n");
}

TEST(Session, DelegateCallOrder) {
  Fixture f;
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed("hello\r\n.\r\n");
  s.message_result({250, "2.0.0", "OK"});
  s.feed("EHLO again.example\r\nQUIT\r\n");
  s.timed_out();  // after QUIT: nothing
  EXPECT_EQ(f.delegate.calls,
            (std::vector<std::string>{"connect", "helo c.example", "mail a@example.net",
                                      "rcpt b@example.org", "data", "message", "reset", "reset",
                                      "ehlo again.example", "close"}));
  EXPECT_EQ(f.delegate.closes, 1);
}

TEST(Session, EnvelopeSeenByTheDelegate) {
  Fixture f;
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed("x\r\n.\r\n");
  ASSERT_EQ(f.delegate.messages.size(), 1u);
  const Envelope& env = f.delegate.messages[0];
  EXPECT_EQ(env.helo, "c.example");
  ASSERT_TRUE(env.sender);
  EXPECT_EQ(env.sender->str(), "a@example.net");
  EXPECT_EQ(env.params.size, 10u);
  EXPECT_EQ(env.params.body, "8BITMIME");
  EXPECT_EQ(env.params.raw, "SIZE=10 BODY=8BITMIME");
  EXPECT_EQ(env.recipients.size(), 1u);
  EXPECT_EQ(s.waiting_for(), Wait::kDecision);
  s.message_result({250, "2.0.0", "OK"});
  EXPECT_FALSE(s.envelope().sender);  // the transaction is over
  EXPECT_TRUE(s.envelope().recipients.empty());
  EXPECT_EQ(s.envelope().helo, "c.example");  // the HELO stays
}

TEST(Session, StrayCallsAreIgnored) {
  Fixture f;
  Session& s = f.start();
  f.take();
  s.message_result({250, "2.0.0", "OK"});
  s.tls_established();
  EXPECT_EQ(s.output(), "");
  EXPECT_EQ(f.delegate.resets, 0);
}

TEST(Session, FirstHeloDoesNotResetSecondDoes) {
  Fixture f;
  Session& s = f.start();
  s.feed("EHLO a.example\r\n");
  EXPECT_EQ(f.delegate.resets, 0);
  s.feed("HELO b.example\r\n");
  EXPECT_EQ(f.delegate.resets, 1);
  EXPECT_EQ(s.envelope().helo, "b.example");
}

TEST(Session, InputAfterStarttlsIsDroppedUntilTheHandshake) {
  Fixture f;
  f.config.tls_available = true;
  Session& s = f.start();
  s.feed("EHLO a.example\r\nSTARTTLS\r\nMAIL FROM:<evil@example.net>\r\n");
  EXPECT_TRUE(s.wants_tls());
  EXPECT_EQ(s.buffered(), 0u);
  s.feed("RCPT TO:<x@example.org>\r\n");
  EXPECT_EQ(s.buffered(), 0u);
  f.take();
  s.tls_established();
  EXPECT_FALSE(s.wants_tls());
  EXPECT_EQ(s.output(), "");  // no second greeting (RFC 3207 4.2)
  EXPECT_EQ(s.envelope().helo, "");
  s.feed("EHLO a.example\r\n");
  EXPECT_EQ(f.take().find("STARTTLS"), std::string::npos);
}

TEST(Session, JunkCommandsEventuallyCountAsErrors) {
  Fixture f;
  f.config.limits.max_errors = 5;
  Session& s = f.start();
  for (int i = 0; i < 100; ++i) s.feed("NOOP\r\n");
  EXPECT_EQ(s.errors(), 0);
  for (int i = 0; i < 4; ++i) s.feed("NOOP\r\n");
  EXPECT_EQ(s.errors(), 4);
  EXPECT_FALSE(s.closing());
  s.feed("RSET\r\n");
  EXPECT_TRUE(s.closing());
  const std::string out = f.take();
  EXPECT_NE(out.find("421 4.7.0 mx.test Error: too many errors"), std::string::npos);
}

TEST(Session, DeliveredMessageResetsTheJunkCount) {
  Fixture f;
  f.config.limits.max_errors = 5;
  Session& s = f.start();
  for (int i = 0; i < 99; ++i) s.feed("NOOP\r\n");
  s.feed(kEnvelope);  // its HELO is the 100th junk command
  s.feed(".\r\n");
  s.message_result({250, "2.0.0", "OK"});
  for (int i = 0; i < 100; ++i) s.feed("NOOP\r\n");
  EXPECT_EQ(s.errors(), 0);
  s.feed("NOOP\r\n");
  EXPECT_EQ(s.errors(), 1);
}

TEST(Session, TimeoutWhileWaitingForTheDecision) {
  Fixture f;
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed(".\r\nQUIT\r\n");
  EXPECT_EQ(s.waiting_for(), Wait::kDecision);
  EXPECT_GT(s.buffered(), 0u);
  s.timed_out();
  EXPECT_TRUE(s.closing());
  EXPECT_EQ(s.waiting_for(), Wait::kNone);
  EXPECT_EQ(s.buffered(), 0u);
  s.message_result({250, "2.0.0", "late"});
  EXPECT_EQ(f.take().find("late"), std::string::npos);
  EXPECT_EQ(f.delegate.closes, 1);
}

TEST(Session, FeedFromInsideACallbackIsQueued) {
  Fixture f;
  f.delegate.feed_in_message = "NOOP\r\n";
  f.delegate.message_reply = core::Reply{250, "2.0.0", "OK"};
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed("x\r\n.\r\nRSET\r\n");
  const std::string out = f.take();
  // The pipelined RSET was in the buffer first; the NOOP fed during on_message comes after.
  EXPECT_NE(out.find("250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n"), std::string::npos);
  EXPECT_EQ(s.buffered(), 0u);
  EXPECT_EQ(s.waiting_for(), Wait::kCommand);
}

TEST(Session, SinkIsResetAtEachData) {
  Fixture f;
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed("one\r\n.\r\n");
  s.message_result({250, "2.0.0", "OK"});
  EXPECT_EQ(f.sink.data, "one\r\n");
  s.feed("MAIL FROM:<>\r\nRCPT TO:<b@example.org>\r\nDATA\r\ntwo\r\n.\r\n");
  EXPECT_EQ(f.sink.data, "two\r\n");
  EXPECT_EQ(f.sink.resets, 2);
}

TEST(Session, ExactlyAtTheSizeLimit) {
  Fixture f;
  f.config.limits.max_message_bytes = 10;
  Session& s = f.start();
  s.feed(kEnvelope);
  s.feed("12345678\r\n.\r\n");  // 10 octets: accepted
  EXPECT_EQ(s.waiting_for(), Wait::kDecision);
  EXPECT_EQ(f.sink.data.size(), 10u);
}

// The result must not depend on how the input is cut into feeds.
TEST(Session, ChunkingDoesNotMatter) {
  const std::string input = std::string(kEnvelope) +
                            "Subject: x\r\n\r\n..stuffed\r\nbare\nlf\n.\nnot the end\r\n.\r\n"
                            "MAIL FROM:<>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n.\r\nQUIT\r\n";
  std::string want_out, want_sink;
  {
    Fixture f;
    f.delegate.message_reply = core::Reply{250, "2.0.0", "OK"};
    f.start();
    f.session->feed(input);
    want_out = f.take();
    want_sink = f.delegate.messages.size() == 2 ? f.sink.data : "?";
    ASSERT_EQ(f.delegate.messages.size(), 2u);
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    Fixture f;
    f.delegate.message_reply = core::Reply{250, "2.0.0", "OK"};
    f.start();
    size_t pos = 0;
    while (pos < input.size()) {
      const size_t n = std::min<size_t>(input.size() - pos, 1 + rng() % 7);
      f.session->feed(std::string_view(input).substr(pos, n));
      pos += n;
    }
    EXPECT_EQ(f.take(), want_out) << round;
    EXPECT_EQ(f.delegate.messages.size(), 2u);
  }
}

// Random input from an alphabet that hits the interesting paths; the invariants must hold.
TEST(Session, RandomInputKeepsInvariants) {
  const std::vector<std::string> tokens = {"HELO a\r\n",
                                           "EHLO b\r\n",
                                           "MAIL FROM:<a@b.example>\r\n",
                                           "MAIL FROM:<>\r\n",
                                           "RCPT TO:<c@d.example>\r\n",
                                           "DATA\r\n",
                                           ".\r\n",
                                           "\r\n",
                                           "\n",
                                           "\r",
                                           ".",
                                           "..x\r\n",
                                           "RSET\r\n",
                                           "NOOP\r\n",
                                           "STARTTLS\r\n",
                                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                           "QUIT\r\n",
                                           std::string("\0", 1),
                                           "VRFY x\r\n",
                                           "BDAT 1\r\n"};
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    Fixture f;
    f.config.tls_available = true;
    f.config.limits.max_command_line = 40;
    f.config.limits.max_text_line = 50;
    f.config.limits.max_message_bytes = 100;
    f.config.limits.max_recipients = 3;
    f.config.limits.max_errors = 20;
    f.config.limits.max_input_buffer = 200;
    if (round % 2) f.delegate.message_reply = core::Reply{250, "2.0.0", "OK"};
    Session& s = f.start();
    for (int step = 0; step < 200 && !s.closing(); ++step) {
      s.feed(tokens[rng() % tokens.size()]);
      if (s.waiting_for() == Wait::kDecision && rng() % 3 == 0) s.message_result({451, "", "x"});
      if (s.wants_tls()) s.tls_established();
      EXPECT_LE(s.buffered(), 200u);
      EXPECT_LE(f.sink.data.size(), 100u);
    }
    s.timed_out();
    const std::string out = f.take();
    ASSERT_TRUE(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
    size_t start = 0;
    while (start < out.size()) {
      const size_t end = out.find("\r\n", start);
      ASSERT_NE(end, std::string::npos);
      const std::string line = out.substr(start, end - start);
      ASSERT_GE(line.size(), 4u) << line;
      EXPECT_TRUE(line[0] >= '2' && line[0] <= '5') << line;
      EXPECT_TRUE(isdigit(line[1]) && isdigit(line[2])) << line;
      EXPECT_TRUE(line[3] == ' ' || line[3] == '-') << line;
      EXPECT_EQ(line.find('\r'), std::string::npos);
      EXPECT_EQ(line.find('\n'), std::string::npos);
      start = end + 2;
    }
    EXPECT_EQ(f.delegate.closes, 1);
  }
}

}  // namespace
}  // namespace backstop::smtp
