// Unit tests of src/message/mime.h: the flat view of a message that GMime parses (top headers,
// leaf parts with decoded text, attached messages and header-only parts) and html_to_text.
#include "message/mime.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::message {
namespace {

class Mime : public ::testing::Test {
 protected:
  void SetUp() override { init_mime(); }
};

const Part* part_of(const ParsedMessage& m, std::string_view type) {
  for (const auto& p : m.parts)
    if (p.type == type) return &p;
  return nullptr;
}

TEST_F(Mime, SimpleTextMessage) {
  ParsedMessage m = parse_message(
      "From: Marta <marta@example.net>\r\nTo: ben@example.com\r\nSubject: hike\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n\r\nSee you Saturday.\r\n");
  EXPECT_TRUE(m.parsed);
  EXPECT_FALSE(m.limit_reached);
  EXPECT_EQ(m.content_type, "text/plain");
  EXPECT_EQ(m.headers.get_or_empty("Subject"), "hike");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].message_depth, 0);
  EXPECT_NE(m.parts[0].text.find("See you Saturday."), std::string::npos);
  EXPECT_TRUE(m.attached.empty());
}

TEST_F(Mime, NoContentTypeDefaultsToTextPlain) {
  ParsedMessage m = parse_message("Subject: x\n\nhello\n");
  EXPECT_EQ(m.content_type, "text/plain");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].text, "hello\n");
}

TEST_F(Mime, FoldedHeaderValuesAreCollapsed) {
  ParsedMessage m = parse_message("Subject: a long\n\tfolded subject\nFrom: a@example.org\n\nb\n");
  EXPECT_EQ(m.headers.get_or_empty("Subject"), "a long folded subject");
}

constexpr std::string_view kReport =
    "From: MAILER-DAEMON@mx.example.net\n"
    "To: j@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=Delivery-Status; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain\n"
    "\n"
    "This is the mail system at host mx.example.net.\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; k@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--B\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <orig@example.com>\n"
    "From: j@example.com\n"
    "Subject: spam\n"
    "Content-Type: text/plain\n"
    "\n"
    "Buy at http://spam-shop.example.net/buy\n"
    "--B--\n";

TEST_F(Mime, DeliveryStatusReport) {
  ParsedMessage m = parse_message(kReport);
  EXPECT_EQ(m.content_type, "multipart/report");
  EXPECT_EQ(m.report_type, "delivery-status");
  const Part* ds = part_of(m, "message/delivery-status");
  ASSERT_NE(ds, nullptr);
  EXPECT_NE(ds->text.find("Status: 5.1.1"), std::string::npos);
  EXPECT_EQ(ds->message_depth, 0);
  ASSERT_EQ(m.attached.size(), 1u);
  const AttachedMessage& a = m.attached[0];
  EXPECT_EQ(a.depth, 1);
  EXPECT_FALSE(a.headers_only);
  EXPECT_EQ(a.headers.get_or_empty("Message-ID"), "<orig@example.com>");
  EXPECT_NE(a.body_text.find("http://spam-shop.example.net/buy"), std::string::npos);
  // The original's own text part is listed with its depth.
  bool inner = false;
  for (const auto& p : m.parts)
    if (p.message_depth == 1 && p.text.find("spam-shop") != std::string::npos) inner = true;
  EXPECT_TRUE(inner);
}

TEST_F(Mime, Rfc822HeadersPartIsAHeadersOnlyAttachment) {
  ParsedMessage m = parse_message(
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"X\"\n"
      "From: MAILER-DAEMON@relay.example.org\n\n"
      "--X\nContent-Type: text/plain\n\nnotice\n"
      "--X\nContent-Type: text/rfc822-headers\n\n"
      "Received: from a.example.org ([85.1.2.3]) by relay.example.org; x\n"
      "Message-ID: <h@example.com>\nSubject: s\n"
      "--X--\n");
  ASSERT_EQ(m.attached.size(), 1u);
  EXPECT_TRUE(m.attached[0].headers_only);
  EXPECT_EQ(m.attached[0].headers.get_or_empty("Message-ID"), "<h@example.com>");
  EXPECT_TRUE(part_of(m, "text/rfc822-headers"));
}

TEST_F(Mime, TransferEncodingsAndCharsets) {
  ParsedMessage m = parse_message(
      "Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"Z\"\n\n"
      "--Z\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
      "SGFsbG8gV2VsdA==\n"
      "--Z\nContent-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "nicht im B=FCro\n"
      "--Z\nContent-Type: application/octet-stream; name=\"doc.pif\"\n"
      "Content-Disposition: attachment; filename=\"doc.pif\"\n"
      "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n"
      "--Z--\n");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[0].text, "Hallo Welt");
  EXPECT_NE(m.parts[1].text.find("nicht im B\xC3\xBCro"), std::string::npos);  // now UTF-8
  EXPECT_EQ(m.parts[2].type, "application/octet-stream");
  EXPECT_EQ(m.parts[2].filename, "doc.pif");
  EXPECT_TRUE(m.parts[2].text.empty());
}

TEST_F(Mime, HtmlPartsBecomeText) {
  ParsedMessage m = parse_message(
      "Subject: x\nContent-Type: text/html\n\n<html><body><p>Hello&nbsp;<b>there</b></p></body>"
      "</html>\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].type, "text/html");
  EXPECT_EQ(m.parts[0].text.find('<'), std::string::npos);
  EXPECT_NE(m.parts[0].text.find("Hello  there"), std::string::npos);
}

TEST_F(Mime, LostBoundaryKeepsTheTextAsPlain) {
  // "boundary=" on an unfolded line of its own is not a parameter: the parts are lost.
  ParsedMessage m = parse_message(
      "Subject: Mail delivery failed\nContent-Type: multipart/mixed;\n"
      "\nboundary=\"Q\"\n--Q\nContent-Type: text/plain\n\n"
      "A message that you sent could not be delivered\n--Q--\n");
  EXPECT_TRUE(m.parsed);
  bool seen = false;
  for (const auto& p : m.parts)
    if (p.text.find("could not be delivered") != std::string::npos) seen = true;
  EXPECT_TRUE(seen);
}

TEST_F(Mime, NestedAttachedMessagesCountDepth) {
  ParsedMessage m = parse_message(
      "Subject: outer\nContent-Type: message/rfc822\n\n"
      "Subject: middle\nMessage-ID: <m@example.org>\nContent-Type: message/rfc822\n\n"
      "Subject: inner\nMessage-ID: <i@example.org>\n\ninner text\n");
  ASSERT_EQ(m.attached.size(), 2u);
  EXPECT_EQ(m.attached[0].depth, 1);
  EXPECT_EQ(m.attached[0].headers.get_or_empty("Subject"), "middle");
  EXPECT_EQ(m.attached[1].depth, 2);
  ASSERT_FALSE(m.parts.empty());
  EXPECT_EQ(m.parts.back().message_depth, 2);
}

TEST_F(Mime, EmptyAndGarbageInput) {
  ParsedMessage empty = parse_message("");
  EXPECT_TRUE(empty.parts.size() <= 1);
  std::string bin;
  for (int i = 0; i < 10000; ++i) bin.push_back(static_cast<char>((i * 131) ^ (i >> 3)));
  ParsedMessage g = parse_message(bin);
  EXPECT_LE(g.parts.size(), 200u);
}

TEST(HtmlToText, TagsEntitiesAndBlocks) {
  EXPECT_EQ(html_to_text("<p>a</p><p>b<br>c</p>", 1000), "\na\n\nb\nc\n");
  EXPECT_EQ(html_to_text("x&lt;y&gt;z &amp; &quot;q&quot; &#39;s&#39; u&#64;example.org", 1000),
            "x<y>z & \"q\" 's' u@example.org");
  EXPECT_EQ(html_to_text("a&unknown;b &", 1000), "a&unknown;b &");
  EXPECT_EQ(html_to_text("<span>in</span>line", 1000), " in line");
}

TEST(HtmlToText, DropsStyleScriptAndComments) {
  EXPECT_EQ(html_to_text("<style>p {color:red}</style>A<script>var x = '<p>';</script>B"
                         "<!-- hidden <b>text</b> -->C",
                         1000),
            "ABC");
  EXPECT_EQ(html_to_text("<STYLE type=x>p{}</STYLE>ok", 1000), "ok");
}

TEST(HtmlToText, UnterminatedConstructsEndTheText) {
  EXPECT_EQ(html_to_text("text <a href=\"never closed", 1000), "text  ");
  EXPECT_EQ(html_to_text("before<script>forever", 1000), "before");
  EXPECT_EQ(html_to_text("before<!-- forever", 1000), "before");
  EXPECT_EQ(html_to_text("", 1000), "");
}

TEST(HtmlToText, KeepsLinkTargets) {
  std::string t = html_to_text("<p>see <a href=\"https://shop.example.net/x\">here</a></p>", 1000);
  EXPECT_NE(t.find("https://shop.example.net/x"), std::string::npos) << t;
  EXPECT_NE(t.find("here"), std::string::npos);
}

TEST(HtmlToText, MaxBytes) {
  std::string html(10000, 'x');
  EXPECT_EQ(html_to_text(html, 100).size(), 100u);
  EXPECT_EQ(html_to_text("abcdef", 0), "");
}

}  // namespace
}  // namespace backstop::message
