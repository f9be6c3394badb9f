// Unit tests of the SMTP reply helpers: wire format (RFC 5321 4.2, RFC 2034) and the sanitizer
// for reply text that comes from policy or the downstream MTA.
#include "smtp/replies.h"

#include <gtest/gtest.h>

namespace backstop::smtp {
namespace {

std::string wire(const core::Reply& r) {
  std::string out;
  replies::format(r, out);
  return out;
}

TEST(Replies, Format) {
  EXPECT_EQ(wire({250, "2.0.0", "OK"}), "250 2.0.0 OK\r\n");
  EXPECT_EQ(wire(replies::greeting("mx.example")), "220 mx.example ESMTP backstop\r\n");
  EXPECT_EQ(wire(replies::start_data()), "354 End data with <CR><LF>.<CR><LF>\r\n");
}

TEST(Replies, MultiLine) {
  std::string out;
  replies::format_lines(250, "", replies::ehlo_lines("mx.example", 1000, true), out);
  EXPECT_EQ(out,
            "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"
            "250-SMTPUTF8\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n");
  out.clear();
  replies::format_lines(550, "5.7.1", {"first", "second"}, out);
  EXPECT_EQ(out, "550-5.7.1 first\r\n550 5.7.1 second\r\n");
}

TEST(Replies, EveryStandardReplyIsWellFormed) {
  const core::Reply all[] = {
      replies::closing("h"),          replies::timeout("h"),
      replies::too_many_errors("h"),  replies::input_overflow("h"),
      replies::no_service(),          replies::ok(),
      replies::sender_ok(),           replies::recipient_ok(),
      replies::cannot_vrfy(),         replies::help(),
      replies::start_tls(),           replies::invalid_characters(),
      replies::unrecognized(),        replies::not_implemented(),
      replies::expn_disabled(),       replies::bad_sequence("x"),
      replies::syntax("x"),           replies::bad_args("x"),
      replies::bad_sender("x"),       replies::bad_recipient("x"),
      replies::unknown_param("X"),    replies::line_too_long(),
      replies::data_line_too_long(),  replies::message_too_big(),
      replies::too_many_recipients(), replies::no_valid_recipients(),
      replies::utf8_required(),       replies::storage_failed(),
      replies::tls_already_active(),
  };
  for (const auto& r : all) {
    // RFC 3463 2: the enhanced code's class is the reply code's first digit.
    ASSERT_FALSE(r.enhanced.empty()) << r.text;
    EXPECT_EQ(r.enhanced[0], static_cast<char>('0' + r.code / 100)) << r.text;
    EXPECT_EQ(replies::sanitize(r, 200, 599, 451, "0.0"), r) << r.text;
    EXPECT_LE(wire(r).size(), replies::kMaxReplyLine);
  }
}

TEST(Replies, SanitizeStripsLineBreaksAndControls) {
  core::Reply r =
      replies::sanitize({550, "5.1.1", "a\r\n250 ok\x01\x7f\xc3\xa9"}, 500, 599, 550, "7.1");
  EXPECT_EQ(r.text, "a  250 ok");  // trailing replaced octets are trimmed
  EXPECT_EQ(wire(r), "550 5.1.1 a  250 ok\r\n");
}

TEST(Replies, SanitizeFixesCodes) {
  EXPECT_EQ(replies::sanitize({250, "", "x"}, 500, 599, 550, "7.1"),
            (core::Reply{550, "5.7.1", "x"}));
  EXPECT_EQ(replies::sanitize({550, "4.1.1", "x"}, 500, 599, 550, "7.1").enhanced, "5.1.1");
  EXPECT_EQ(replies::sanitize({550, "5.1", "x"}, 500, 599, 550, "7.1").enhanced, "5.7.1");
  EXPECT_EQ(replies::sanitize({550, "5.1.1234", "x"}, 500, 599, 550, "7.1").enhanced, "5.7.1");
  EXPECT_EQ(replies::sanitize({550, "5.1.1 ", "x"}, 500, 599, 550, "7.1").enhanced, "5.7.1");
  EXPECT_EQ(replies::sanitize({550, "x.1.1", "x"}, 500, 599, 550, "7.1").enhanced, "5.7.1");
  EXPECT_EQ(replies::sanitize({550, "5.123.456", "x"}, 500, 599, 550, "7.1").enhanced, "5.123.456");
  EXPECT_EQ(replies::sanitize({550, "5.1.1", ""}, 500, 599, 550, "7.1").text, "Rejected");
  EXPECT_EQ(replies::sanitize({450, "", "\r\n"}, 400, 499, 451, "7.1").text, "Try again later");
}

TEST(Replies, SanitizeBoundsTheLine) {
  core::Reply r = replies::sanitize({550, "5.7.1", std::string(5000, 'x')}, 500, 599, 550, "7.1");
  EXPECT_EQ(wire(r).size(), replies::kMaxReplyLine);  // RFC 5321 4.5.3.1.5
}

TEST(Replies, Refusal) {
  core::Verdict v = core::Verdict::reject(core::Reason::kUnknownUser, {550, "5.1.1", "no"});
  EXPECT_EQ(replies::refusal(v), (core::Reply{550, "5.1.1", "no"}));
  v = core::Verdict::tempfail(core::Reason::kDownstream, {250, "", "odd"});
  EXPECT_EQ(replies::refusal(v), (core::Reply{451, "4.7.1", "odd"}));
  v = core::Verdict::reject(core::Reason::kBackscatter, {450, "4.7.1", "wrong class"});
  EXPECT_EQ(replies::refusal(v), (core::Reply{550, "5.7.1", "wrong class"}));
  v = core::Verdict::reject(core::Reason::kBackscatter, {});
  EXPECT_EQ(replies::refusal(v).code, 550);
}

}  // namespace
}  // namespace backstop::smtp
