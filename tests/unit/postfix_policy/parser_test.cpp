// Tests of the Postfix policy request parser: a real request from SMTPD_POLICY_README's
// example, any split of the input, several requests in one feed, each limit and each error.
#include "postfix_policy/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace backstop::postfix_policy {
namespace {

using namespace std::string_literals;

// The attributes Postfix 3.7 sends at RCPT (SMTPD_POLICY_README "Protocol description").
const std::string kRcptRequest =
    "request=smtpd_access_policy\n"
    "protocol_state=RCPT\n"
    "protocol_name=ESMTP\n"
    "client_address=192.0.2.7\n"
    "client_name=mail.example.net\n"
    "client_port=41234\n"
    "reverse_client_name=mail.example.net\n"
    "server_address=198.51.100.1\n"
    "server_port=25\n"
    "helo_name=mail.example.net\n"
    "sender=\n"
    "recipient=user@example.org\n"
    "recipient_count=0\n"
    "queue_id=\n"
    "instance=123.456.7\n"
    "size=12345\n"
    "etrn_domain=\n"
    "stress=\n"
    "sasl_method=\n"
    "sasl_username=\n"
    "sasl_sender=\n"
    "ccert_subject=CN=a=b\n"
    "ccert_issuer=\n"
    "ccert_fingerprint=\n"
    "encryption_protocol=TLSv1.3\n"
    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
    "encryption_keysize=256\n"
    "policy_context=mx\n"
    "compatibility_level=3.6\n"
    "mail_version=3.7.11\n"
    "\n";

Request one(const std::string& bytes) {
  Parser p;
  p.feed(bytes);
  Request r;
  EXPECT_EQ(p.next(r), Parser::Status::kRequest) << to_string(p.error());
  Request more;
  EXPECT_EQ(p.next(more), Parser::Status::kNeedMore);
  EXPECT_EQ(p.buffered(), 0u);
  return r;
}

ParseError bad(const std::string& bytes, ParserLimits limits = {}) {
  Parser p(limits);
  p.feed(bytes);
  Request r;
  EXPECT_EQ(p.next(r), Parser::Status::kError);
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.next(r), Parser::Status::kError);
  p.feed("a=b\n\n");  // ignored: the error is final
  EXPECT_EQ(p.next(r), Parser::Status::kError);
  return p.error();
}

TEST(PolicyParser, RealRequest) {
  const Request r = one(kRcptRequest);
  EXPECT_EQ(r.attribute_count(), 30u);
  EXPECT_TRUE(r.is_access_policy());
  EXPECT_EQ(r.protocol_state(), ProtocolState::kRcpt);
  EXPECT_EQ(r.get("ccert_subject"), "CN=a=b");  // split at the first '='
  EXPECT_EQ(r.sender(), "");
  EXPECT_TRUE(r.has("sender"));
  EXPECT_FALSE(r.has("nothing"));
}

TEST(PolicyParser, EverySplitAndSeveralRequests) {
  const std::string two = kRcptRequest + "request=smtpd_access_policy\nprotocol_state=DATA\n\n";
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{13}, size_t{1000}}) {
    Parser p;
    std::vector<Request> got;
    Request r;
    for (size_t pos = 0; pos < two.size(); pos += step) {
      p.feed(std::string_view(two).substr(pos, step));
      while (p.next(r) == Parser::Status::kRequest) got.push_back(r);
      ASSERT_FALSE(p.failed()) << to_string(p.error());
    }
    ASSERT_EQ(got.size(), 2u) << "step " << step;
    EXPECT_EQ(got[0].recipient(), "user@example.org");
    EXPECT_EQ(got[1].protocol_state(), ProtocolState::kData);
    EXPECT_EQ(got[1].attribute_count(), 2u);  // nothing of the first request leaks into the second
    EXPECT_EQ(p.buffered(), 0u);
  }
}

TEST(PolicyParser, CrLfAndEmptyValuesAndDuplicates) {
  const Request r = one("a=1\r\nb=\r\na=2\r\n\r\n");
  EXPECT_EQ(r.get("a"), "2");  // the last wins
  EXPECT_EQ(r.get("b"), "");
  EXPECT_EQ(r.attribute_count(), 2u);
  EXPECT_EQ(one("x_1=\xc3\xa9=\n\n").get("x_1"), "\xc3\xa9=");
}

TEST(PolicyParser, Errors) {
  EXPECT_EQ(bad("novalue\n\n"), ParseError::kMissingEquals);
  EXPECT_EQ(bad("=v\n\n"), ParseError::kBadName);
  EXPECT_EQ(bad("Request=x\n\n"), ParseError::kBadName);
  EXPECT_EQ(bad("a b=x\n\n"), ParseError::kBadName);
  EXPECT_EQ(bad("a-b=x\n\n"), ParseError::kBadName);
  EXPECT_EQ(bad("a=x\0y\n\n"s), ParseError::kBadOctet);
  EXPECT_EQ(bad("a=x\ry\n\n"), ParseError::kBadOctet);
  EXPECT_EQ(bad("\n"), ParseError::kEmptyRequest);
  Parser after;  // an empty line right after a good request
  after.feed("a=1\n\n\n");
  Request r;
  EXPECT_EQ(after.next(r), Parser::Status::kRequest);
  EXPECT_EQ(after.next(r), Parser::Status::kError);
  EXPECT_EQ(after.error(), ParseError::kEmptyRequest);
}

TEST(PolicyParser, LineLimit) {
  ParserLimits l;
  l.max_line = 10;
  EXPECT_EQ(one("a=12345678\n\n").get("a"), "12345678");  // exactly 10
  Parser ok(l);
  ok.feed("a=12345678\r\n\n");  // the CR does not count
  Request r;
  EXPECT_EQ(ok.next(r), Parser::Status::kRequest);
  EXPECT_EQ(bad("a=123456789\n\n", l), ParseError::kLineTooLong);

  // An endless line fails during feed(), before its end arrives, and nothing is kept.
  Parser p(l);
  for (int i = 0; i < 11; ++i) p.feed("x");
  EXPECT_FALSE(p.failed());  // 11 = 10 + a possible CR
  p.feed("x");
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.error(), ParseError::kLineTooLong);
  EXPECT_EQ(p.buffered(), 0u);

  Parser big;  // the default 4096
  big.feed("a=" + std::string(5000, 'v'));
  EXPECT_EQ(big.error(), ParseError::kLineTooLong);
}

TEST(PolicyParser, AttributeLimit) {
  ParserLimits l;
  l.max_attributes = 3;
  Parser p(l);
  p.feed("a=1\nb=2\nc=3\n\n");
  Request r;
  EXPECT_EQ(p.next(r), Parser::Status::kRequest);
  EXPECT_EQ(r.attribute_count(), 3u);
  EXPECT_EQ(bad("a=1\nb=2\nc=3\nd=4\n\n", l), ParseError::kTooManyAttributes);
  EXPECT_EQ(bad("a=1\na=2\na=3\na=4\n\n", l), ParseError::kTooManyAttributes);  // lines count

  std::string many;
  for (int i = 0; i < 101; ++i) many += "n" + std::to_string(i) + "=v\n";
  EXPECT_EQ(bad(many + "\n"), ParseError::kTooManyAttributes);
}

TEST(PolicyParser, PartialRequestIsNotReturned) {
  Parser p;
  p.feed("a=1\nb=2\n");
  Request r;
  EXPECT_EQ(p.next(r), Parser::Status::kNeedMore);
  EXPECT_EQ(p.pending_attributes(), 2u);
  p.feed("\n");
  EXPECT_EQ(p.next(r), Parser::Status::kRequest);
  EXPECT_EQ(r.get("b"), "2");
}

}  // namespace
}  // namespace backstop::postfix_policy
