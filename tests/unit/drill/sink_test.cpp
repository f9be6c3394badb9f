// Unit tests for the drill's sink session: a whole transaction, pipelined and split input,
// the marker fields read from the header only, stuffed dots, over-long lines, and QUIT.
#include "drill/sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace backstop::drill {
namespace {

using ::testing::HasSubstr;

struct Feed {
  SinkSession s;
  std::string out;
  std::vector<Arrival> arrivals;
  bool open = true;
  void operator()(std::string_view bytes) { open = s.feed(bytes, out, arrivals); }
};

constexpr std::string_view kMessage =
    "Received: from x by mx.example.org\r\n"
    "X-Backstop: class=none; verdict=accept\r\n"
    "X-Drill-Class: legit\r\n"
    "X-Drill-Id: tok.2a\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "X-Drill-Class: backscatter\r\n"  // in the body: not a field
    "..a stuffed line\r\n"
    ".\r\n";

TEST(Sink, OneTransactionAtATime) {
  Feed f;
  EXPECT_EQ(SinkSession::greeting(), "220 drill-sink ESMTP\r\n");
  f("EHLO mx.example.org\r\n");
  EXPECT_THAT(f.out, HasSubstr("250 SIZE\r\n"));
  f.out.clear();
  f("MAIL FROM:<>\r\n");
  f("RCPT TO:<alice@example.org>\r\n");
  f("DATA\r\n");
  EXPECT_EQ(f.out, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  f.out.clear();
  f(kMessage);
  EXPECT_EQ(f.out, "250 2.0.0 Ok: queued as D1\r\n");
  ASSERT_EQ(f.arrivals.size(), 1u);
  EXPECT_EQ(f.arrivals[0].cls, "legit");
  EXPECT_EQ(f.arrivals[0].id, "tok.2a");
  f("QUIT\r\n");
  EXPECT_FALSE(f.open);
  EXPECT_TRUE(f.out.ends_with("221 2.0.0 Bye\r\n"));
}

TEST(Sink, PipelinedAndSplitAnywhere) {
  std::string all = "EHLO a\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
  all += kMessage;
  all += "MAIL FROM:<>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: no marks\r\n\r\nx\r\n.\r\n";
  all += "QUIT\r\n";
  for (size_t chunk : {all.size(), size_t{1}, size_t{7}}) {
    Feed f;
    for (size_t i = 0; i < all.size(); i += chunk) f(std::string_view(all).substr(i, chunk));
    ASSERT_EQ(f.arrivals.size(), 2u) << chunk;
    EXPECT_EQ(f.arrivals[0].id, "tok.2a");
    EXPECT_EQ(f.arrivals[1].cls, "");
    EXPECT_EQ(f.s.messages(), 2u);
    EXPECT_FALSE(f.open);
  }
}

TEST(Sink, OrderAndLimits) {
  Feed f;
  f("DATA\r\n");
  EXPECT_EQ(f.out, "503 5.5.1 Error: need RCPT command\r\n");
  f.out.clear();
  f("RCPT TO:<a@b.example>\r\n");
  EXPECT_EQ(f.out, "503 5.5.1 Error: need MAIL command\r\n");
  f.out.clear();
  f(std::string(SinkSession::kMaxLine + 10, 'A') + "\r\nNOOP\r\nVRFY x\r\n");
  EXPECT_EQ(f.out,
            "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n"
            "502 5.5.2 Error: command not recognized\r\n");
  // An over-long data line is cut, and cannot end the message by accident.
  f.out.clear();
  f("MAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nX-Drill-Class: legit\r\n\r\n");
  f(std::string(100000, 'x') + ".\r\n.\r\n");
  EXPECT_EQ(f.arrivals.size(), 1u);
  EXPECT_EQ(f.arrivals[0].cls, "legit");
}

}  // namespace
}  // namespace backstop::drill
