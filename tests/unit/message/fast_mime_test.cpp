// Unit tests of src/message/fast_mime.h: the hand-written reader must give the same ParsedMessage
// as the GMime walk (parse_message_gmime) on MIME edge cases, hostile structure and every limit.
// Inputs stay under GMime's 4 KiB read buffer, where GMime's reading does not depend on it.
#include "message/fast_mime.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/text.h"
#include "message/mime.h"
#include "message/mime_fields.h"

namespace backstop::message {
namespace {

class FastMime : public ::testing::Test {
 protected:
  void SetUp() override { init_mime(); }
};

void expect_same_headers(const Headers& a, const Headers& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.fields()[i].name, b.fields()[i].name) << where << " field " << i;
    EXPECT_EQ(a.fields()[i].value, b.fields()[i].value) << where << " field " << i;
  }
}

// Both readers, field by field; returns the fast reader's view for further checks.
ParsedMessage expect_same(std::string_view raw, const Limits& limits = {}) {
  ParsedMessage a = parse_message(raw, limits);
  ParsedMessage b = parse_message_gmime(raw, limits);
  EXPECT_EQ(a.parsed, b.parsed);
  EXPECT_EQ(a.limit_reached, b.limit_reached);
  EXPECT_EQ(a.content_type, b.content_type);
  EXPECT_EQ(a.report_type, b.report_type);
  expect_same_headers(a.headers, b.headers, "top");
  EXPECT_EQ(a.parts.size(), b.parts.size());
  for (size_t i = 0; i < std::min(a.parts.size(), b.parts.size()); ++i) {
    EXPECT_EQ(a.parts[i].type, b.parts[i].type) << "part " << i;
    EXPECT_EQ(a.parts[i].filename, b.parts[i].filename) << "part " << i;
    EXPECT_EQ(a.parts[i].text, b.parts[i].text) << "part " << i;
    EXPECT_EQ(a.parts[i].message_depth, b.parts[i].message_depth) << "part " << i;
  }
  EXPECT_EQ(a.attached.size(), b.attached.size());
  for (size_t i = 0; i < std::min(a.attached.size(), b.attached.size()); ++i) {
    std::string where = "attached " + std::to_string(i);
    expect_same_headers(a.attached[i].headers, b.attached[i].headers, where);
    EXPECT_EQ(a.attached[i].headers_only, b.attached[i].headers_only) << where;
    EXPECT_EQ(a.attached[i].depth, b.attached[i].depth) << where;
    EXPECT_EQ(a.attached[i].body_text, b.attached[i].body_text) << where;
  }
  return a;
}

constexpr std::string_view kReport =
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
    "To: j@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=Delivery-Status;\n"
    "\tboundary=\"5B2A.1700000000/mx.example.net\"\n"
    "\n"
    "This is a MIME-encapsulated message.\n"
    "\n"
    "--5B2A.1700000000/mx.example.net\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "<gone@example.org>: host mx.example.org said: 550 5.1.1 unknown user\n"
    "\n"
    "--5B2A.1700000000/mx.example.net\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; gone@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "\n"
    "--5B2A.1700000000/mx.example.net\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Received: from [198.51.100.7] by mx.example.com; Mon, 2 Oct 2023 10:00:00 +0000\n"
    "Message-ID: <abc@example.com>\n"
    "From: j@example.com\n"
    "Subject: hello\n"
    "Content-Type: text/plain\n"
    "\n"
    "Visit http://spam.example/offer\n"
    "\n"
    "--5B2A.1700000000/mx.example.net--\n"
    "epilogue\n";

TEST_F(FastMime, DsnReportWithAttachedOriginal) {
  ParsedMessage m = expect_same(kReport);
  EXPECT_EQ(m.content_type, "multipart/report");
  EXPECT_EQ(m.report_type, "delivery-status");
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_EQ(m.parts[1].type, "message/delivery-status");
  EXPECT_EQ(m.parts[2].message_depth, 1);
  ASSERT_EQ(m.attached.size(), 1u);
  EXPECT_EQ(m.attached[0].headers.get_or_empty("Message-ID"), "<abc@example.com>");
  EXPECT_FALSE(m.attached[0].headers.has("Content-Type"));  // GMime keeps it on the part
  EXPECT_EQ(m.attached[0].body_text, "Visit http://spam.example/offer\n\n");
}

TEST_F(FastMime, CrlfAndMixedLineEnds) {
  std::string crlf;
  for (char c : kReport) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  expect_same(crlf);
  // LF content before CRLF delimiter lines: GMime drops two bytes, as if both were CRLF.
  expect_same("Content-Type: multipart/mixed; boundary=b\n\n--b\r\n\nab\n--b\r\n\ncd\r\n--b--\r\n");
  expect_same("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\r\n");
}

TEST_F(FastMime, NestedMultipartsWithPrologueAndEpilogue) {
  expect_same(
      "From: a@example.org\nContent-Type: multipart/mixed; boundary=outer\n\nprologue\n"
      "--outer\nContent-Type: multipart/alternative; boundary=\"inner one\"\n\n"
      "--inner one\nContent-Type: text/plain\n\nplain\n"
      "--inner one\nContent-Type: text/html\n\n<p>html &amp; <b>bold</b><br>x\n"
      "--inner one--\ninner epilogue\n"
      "--outer\nContent-Type: application/pdf; name=\"r.pdf\"\n"
      "Content-Disposition: attachment; filename=\"report.pdf\"\n"
      "Content-Transfer-Encoding: base64\n\nJVBERi0=\n"
      "--outer--\nouter epilogue\n");
  // The inner multipart never closes: the outer delimiter ends it.
  expect_same(
      "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
      "Content-Type: multipart/alternative; boundary=i\n\n--i\n\nin\n--o\n\nafter\n--o--\n");
  // ...and an outer closing delimiter does too.
  expect_same(
      "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
      "Content-Type: multipart/alternative; boundary=i\n\n--i\n\nin\n--o--\n");
}

TEST_F(FastMime, Base64WithLineBreaksAndGarbage) {
  ParsedMessage m = expect_same(
      "Content-Type: text/plain\nContent-Transfer-Encoding: BASE64\n\n"
      "SGVsbG8s\nIHdv cmxk\n!!*#$%&!!\nIQ==\n.\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].text, "Hello, world!");
  expect_same("Content-Type: text/plain\nContent-Transfer-Encoding: base64 (x)\n\nSGk=");
  expect_same("Content-Type: text/plain\nContent-Transfer-Encoding: base64;\n\nSGk=");
}

TEST_F(FastMime, QuotedPrintableSoftBreaksAndJunk) {
  ParsedMessage m = expect_same(
      "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
      "soft=\nbreak =3D =3d =ZZ =\r\ncrlf=20\ntrailing=");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_TRUE(m.parts[0].text.starts_with("softbreak = ="));
}

TEST_F(FastMime, LostAndMissingBoundaries) {
  // No boundary parameter: the whole body is the prologue, read as text.
  ParsedMessage m =
      expect_same("Content-Type: multipart/mixed\n\nThis is the mail system.\r\n<a@b.c>: gone\n");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].text, "This is the mail system.\n<a@b.c>: gone\n");
  // A boundary that never shows up, one only in the preamble text, and no closing delimiter.
  expect_same("Content-Type: multipart/mixed; boundary=zz\n\nno delimiter here --zz\n");
  expect_same("Content-Type: multipart/mixed; boundary=zz\n\nsee --zz below\n--zzz\n--zz \n\nx\n");
  expect_same("Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\npart\n");
  expect_same("Content-Type: multipart/mixed; boundary=zz\n\n--zz--\n");
  expect_same("Content-Type: multipart/mixed; boundary=zz\n\n--zz");
  expect_same("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n----\n");
}

TEST_F(FastMime, PartHeadersEndingAtDelimiterOrJunk) {
  expect_same(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nX-A: 1\n"
      "--b\nContent-Type: text/html\n\n<i>x</i>\n--b--\n");
  // Text straight after the delimiter: GMime drops lines until the first field or blank line.
  expect_same(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nThis is text\nmore: text\n\nbody\n"
      "--b\nno headers at all\n--b\n\nlast\n--b--\n");
  expect_same("Content-Type: multipart/mixed; boundary=b\n\n--b\n:bad\n x\nA: 1\n:empty\n\nb\n");
  expect_same("Content-Type: multipart/mixed; boundary=b\n\n--b\n");
  expect_same("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain");
}

TEST_F(FastMime, TopHeaderBlockRules) {
  EXPECT_FALSE(expect_same("This is not a header\nSubject: x\n\nbody\n").parsed);
  EXPECT_FALSE(expect_same("Subject: x\nfoo").parsed);  // the input ends inside a field name
  EXPECT_FALSE(expect_same("").parsed);
  EXPECT_TRUE(
      expect_same("From mbox@example.org Mon Oct  2 10:00:00 2023\nSubject: x\n\nb\n").parsed);
  EXPECT_TRUE(expect_same(">From mbox@example.org\nSubject: x\n\nb\n").parsed);
  expect_same("Subject: x\nfoo bar");
  expect_same("Subject: headers only, no body");
  expect_same("Subject: no blank line\nthis line is dropped\nX-Then: a field\n\nbody\n");
  expect_same("Subject : spaced name\nX-8bit: caf\xc3\xa9\nX-NUL: a\0b\n\nx\n");
  expect_same("Subject: a\n\tb\n  c\r\n\nx\n");
  expect_same("\n\nbody only\n");
  expect_same("\r");
  expect_same("Subject: x\r");
}

TEST_F(FastMime, ContentTypeFieldVariants) {
  for (std::string_view ct : {"multipart/mixed; boundary=\"a b\"",
                              "multipart/mixed; boundary=a (comment)",
                              "multipart/mixed (c) ; boundary = a",
                              "multipart/mixed; foo; boundary=a",
                              "multipart/mixed; boundary=a; boundary=b",
                              "MULTIPART/Mixed; BOUNDARY=a",
                              "multipart/mixed; boundary=\"a\\\"b\"",
                              "multipart/mixed; boundary=\"unclosed",
                              "multipart/mixed; boundary==_a=_",
                              "multipart/mixed; boundary*=us-ascii''a",
                              "multipart/mixed; boundary*0=a; boundary*1=b",
                              "multipart/mixed; boundary=\"=?x?\"",
                              "multipart/mixed;\r\n boundary=a",
                              "multipart; boundary=a",
                              "/mixed; boundary=a",
                              "text",
                              "text/",
                              "(unclosed text/plain",
                              "image/png; name=\"=?utf-8?q?x=C3=A9.png?=\"",
                              "text/plain; charset=\"iso-8859-1\"; format=flowed"}) {
    std::string raw = "Content-Type: " + std::string(ct) +
                      "\nContent-Type: text/plain\n\nshadowed\n";  // the last one counts
    expect_same(raw);
    raw =
        "Content-Type: " + std::string(ct) + "\n\n--a\n\none\n--a b\n\ntwo\n--ab\n\nthree\n--a--\n";
    expect_same(raw);
  }
}

TEST_F(FastMime, AttachedMessages) {
  // message/global, an encoded (opaque) message, an empty one, text/rfc822-headers, digest.
  expect_same(
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
      "--b\nContent-Type: message/global\n\nMessage-ID: <g@x>\nSubject: g\n\nglobal body\n"
      "--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n"
      "--b\nContent-Type: message/rfc822\n\n--b\nContent-Type: text/rfc822-headers\n\n"
      "Received: from a by b\nMessage-ID: <h@x>\nFrom: x@y\n\n--b--\n");
  expect_same(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n"
      "--d\nContent-Type: text/plain\n\nnot a message\n--d\n\nSubject: three\n"
      "Content-Type: multipart/mixed; boundary=e\n\n--e\n\ninner\n--e--\n--d--\n");
  expect_same("Content-Type: message/rfc822\n\nSubject: inner\n\nbody\n");
  expect_same("Content-Type: message/rfc822\n\nnot headers\n");
  expect_same(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
      "Subject: inner\nContent-Type: multipart/alternative; boundary=c\n\n"
      "--c\n\ninner text\n--c\nContent-Type: message/rfc822\n\nSubject: deeper\n\ndeep\n--c--\n"
      "--b--\n");
}

TEST_F(FastMime, CharsetsAreConvertedAsGMimeDoes) {
  for (std::string_view charset :
       {"iso-8859-1", "ISO-8859-15", "windows-1252", "iso-2022-jp", "unicode-1-1-utf-7", "utf-7",
        "shift_jis", "x-unknown-charset", "UTF-8", "us-ascii", "utf8", "koi8-r"}) {
    std::string raw = "Content-Type: text/plain; charset=" + std::string(charset) + "\n\n";
    raw += "caf\xe9 \x81\x8d \x1b$B$3$s$K$A$O\x1b(B +ZeVnLIqe- ok\x00 after nul\n";
    expect_same(raw);
    expect_same(raw + std::string("\xe3\x81"));  // an incomplete sequence at the end
  }
  expect_same("Content-Type: text/html; charset=iso-8859-1\n\n<p>caf\xe9</p>\n");
  expect_same("Content-Type: text/rfc822-headers; charset=iso-8859-1\n\nSubject: caf\xe9\n");
}

TEST_F(FastMime, FilenamesAndOtherEncodings) {
  expect_same(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain; name=ct-name.txt\n\nx\n"
      "--b\nContent-Type: text/plain\nContent-Disposition: attachment;\n"
      " filename*=utf-8''caf%C3%A9.txt\n\nx\n"
      "--b\nContent-Type: text/plain\nContent-Disposition: inline; filename=\"=?utf-8?b?w6k=?=\"\n"
      "\nx\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\n"
      "begin 644 a.txt\n#86)C\n`\nend\n"
      "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n8bit\n"
      "--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: quoted-printable\n\n"
      "Status: 5.1.1=\n\n--b--\n");
}

TEST_F(FastMime, EveryLimit) {
  std::string many = "Content-Type: multipart/mixed; boundary=b\nSubject: s\n";
  for (int i = 0; i < 8; ++i) many += "X-" + std::to_string(i) + ": " + std::string(30, 'v') + "\n";
  many += "\n";
  for (int i = 0; i < 6; ++i)
    many += "--b\nContent-Type: text/plain\n\n" + std::string(50, char('a' + i)) + "\n";
  many += "--b\nContent-Type: message/rfc822\n\nSubject: in\nX-1: 1\nX-2: 2\n\nin body\n--b--\n";
  std::string deep = "Subject: deep\n";
  for (int i = 0; i < 6; ++i)
    deep += "Content-Type: multipart/mixed; boundary=d" + std::to_string(i) + "\n\n--d" +
            std::to_string(i) + "\n";
  deep += "\ninnermost\n";
  for (const std::string& raw : {many, deep, std::string(kReport)}) {
    for (int n = 0; n < 7; ++n) {
      Limits l;
      l.max_message_bytes = n == 0 ? 200 : l.max_message_bytes;
      l.max_depth = n == 1 ? 2 : l.max_depth;
      l.max_parts = n == 2 ? 3 : l.max_parts;
      l.max_headers = n == 3 ? 2 : l.max_headers;
      l.max_line = n == 4 ? 10 : l.max_line;
      l.max_part_text = n == 5 ? 20 : l.max_part_text;
      if (n == 6) l.max_parts = 0;
      SCOPED_TRACE("limit " + std::to_string(n));
      expect_same(raw, l);
    }
  }
  Limits few;
  few.max_parts = 2;
  EXPECT_TRUE(expect_same(many, few).limit_reached);
}

TEST_F(FastMime, DeepNestingPastGMimeLimits) {
  // "Content-Type :" is not counted by the Content-Type cut, so this nests 1,100 levels deep.
  std::string raw = "Subject: deep\n";
  for (int i = 0; i < 1100; ++i) raw += "Content-Type : multipart/mixed; boundary=x\n\n--x\n";
  raw += "\nend\n";
  ParsedMessage m = expect_same(raw);
  EXPECT_TRUE(m.limit_reached);
  raw = "Subject: deep\n";
  for (int i = 0; i < 600; ++i) raw += "Content-Type : message/rfc822\n\nSubject: level\n";
  expect_same(raw + "\nend\n");
}

// The reference for bound_message_input: the line scan mime.cpp did before.
std::string_view reference_bound(std::string_view raw, const Limits& limits, bool& cut) {
  if (raw.size() > limits.max_message_bytes) {
    raw = raw.substr(0, limits.max_message_bytes);
    cut = true;
  }
  int seen = 0;
  size_t pos = 0;
  while (pos < raw.size()) {
    if (core::istarts_with(raw.substr(pos, 13), "content-type:") && ++seen > limits.max_parts) {
      cut = true;
      return raw.substr(0, pos);
    }
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return raw;
}

TEST_F(FastMime, BoundInputMatchesTheLineScan) {
  std::mt19937 rng(17);
  const std::vector<std::string> pieces = {
      "Content-Type: a\n", "content-type:", "CONTENT-TYPE:x", "c", "C\n", "\n", "text ", "\nc",
      "Content-Typo:\n"};
  for (int k = 0; k < 20000; ++k) {
    std::string raw;
    int n = static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) raw += pieces[rng() % pieces.size()];
    Limits l;
    l.max_parts = static_cast<int>(rng() % 6);
    l.max_message_bytes = rng() % 3 ? raw.size() + 1 : rng() % (raw.size() + 1);
    bool cut_a = false, cut_b = false;
    ASSERT_EQ(bound_message_input(raw, l, cut_a), reference_bound(raw, l, cut_b)) << raw;
    ASSERT_EQ(cut_a, cut_b) << raw;
  }
}

TEST_F(FastMime, CollapseMatchesCore) {
  std::mt19937 rng(23);
  const std::string alphabet = "ab \t\r\n\v:";
  for (int k = 0; k < 50000; ++k) {
    std::string s(rng() % 70, 'x');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    ASSERT_EQ(mime_fields::collapse(s), core::collapse_space(s)) << s;
  }
}

// Random edits of small messages (under GMime's 4 KiB buffer, so exact agreement is expected).
TEST_F(FastMime, MutatedMessagesAgree) {
  const std::vector<std::string> seeds = {
      std::string(kReport),
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n"
      "Content-Transfer-Encoding: quoted-printable\n\na=3Db=\nc\n--b\nContent-Type: "
      "message/rfc822\n\nSubject: x\nContent-Type: multipart/alternative; boundary=c\n\n"
      "--c\n\nin\n--c--\n--b--\n"};
  const std::string alphabet = "-\n\r :;=\"ab\t";
  std::mt19937 rng(4242);
  for (int k = 0; k < 4000; ++k) {
    std::string raw = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (raw.size() + 1);
      switch (rng() % 4) {
        case 0:
          raw.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 1:
          if (at < raw.size()) raw.erase(at, 1 + rng() % 8);
          break;
        case 2:
          raw.insert(at, "\n--b");
          break;
        default:
          raw.insert(at, raw.substr(rng() % raw.size(), rng() % 40));
          break;
      }
    }
    SCOPED_TRACE(raw);
    expect_same(raw);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace backstop::message
