// One test group per hard limit in src/message/limits.h, on hostile messages built in code:
// the parse returns, limit_reached is set where the limit cuts the MIME walk, and the message
// is still classified on what was read. Sizes stay small enough for ASan builds.
#include "message/limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "classify/classifier.h"
#include "message/headers.h"
#include "message/mime.h"

namespace backstop::classify {
namespace {

using message::parse_message;
using message::ParsedMessage;

// Headers that make a legacy bounce on their own (Exim's X-Failed-Recipients, a daemon sender
// and an NDR subject), so classification can be checked whatever the limits cut off below.
constexpr std::string_view kBounceHead =
    "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
    "To: sender@example.com\n"
    "Subject: Mail delivery failed: returning message to sender\n"
    "X-Failed-Recipients: lost@example.org\n";

constexpr std::string_view kPlainHead =
    "From: Anna <anna@example.org>\nTo: ben@example.com\nSubject: hello\n";

constexpr std::string_view kEximNotice =
    "This message was created automatically by mail delivery software.\n\n"
    "A message that you sent could not be delivered to one or more of its\n"
    "recipients. This is a permanent error. The following address(es) failed:\n\n"
    "  gone@example.org\n    550 5.1.1 <gone@example.org>: mailbox does not exist\n";

std::string filler(size_t bytes) {
  std::string line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\n";
  std::string out;
  out.reserve(bytes + line.size());
  while (out.size() < bytes) out += line;
  return out;
}

// Compiling the pattern tables is the slow part (seconds under ASan): one classifier per
// distinct set of limits.
Classification classify(std::string_view raw, const Limits& limits = {}) {
  using Key = std::tuple<size_t, int, int, int, size_t, size_t>;
  static std::map<Key, std::unique_ptr<Classifier>> cache;
  Key key{limits.max_message_bytes, limits.max_depth, limits.max_parts,
          limits.max_headers,       limits.max_line,  limits.max_part_text};
  auto& c = cache[key];
  if (!c) c = Classifier::create(limits);
  EXPECT_NE(c, nullptr);
  return c ? c->classify(raw) : Classification{};
}

void expect_bounce_from_head(const Classification& c) {
  EXPECT_EQ(c.cls, Class::kBounce);
  EXPECT_EQ(c.kind, "legacy");
  EXPECT_THAT(c.recipients, ::testing::Contains("lost@example.org"));
}

bool has_text(const ParsedMessage& m, std::string_view needle) {
  for (const auto& p : m.parts)
    if (p.text.find(needle) != std::string::npos) return true;
  return false;
}

TEST(Limits, DefaultsAreTheDocumentedOnes) {
  Limits l;
  EXPECT_EQ(l.max_message_bytes, 32u << 20);
  EXPECT_EQ(l.max_depth, 12);
  EXPECT_EQ(l.max_parts, 200);
  EXPECT_EQ(l.max_headers, 1000);
  EXPECT_EQ(l.max_line, 64u << 10);
  EXPECT_EQ(l.max_part_text, 1u << 20);
}

// ---- max_message_bytes ----------------------------------------------------------------

TEST(MaxMessageBytes, ALargeMessageIsReadUpToTheLimit) {
  Limits l;
  l.max_message_bytes = 64 << 10;
  std::string raw = std::string(kBounceHead) + "Content-Type: text/plain\n\n" +
                    std::string(kEximNotice) + filler(3 << 20);
  ParsedMessage m = parse_message(raw, l);
  EXPECT_TRUE(m.parsed);
  EXPECT_TRUE(m.limit_reached);
  size_t text = 0;
  for (const auto& p : m.parts) text += p.text.size();
  EXPECT_LE(text, l.max_message_bytes);
  expect_bounce_from_head(classify(raw, l));
}

TEST(MaxMessageBytes, EvidencePastTheLimitIsNotRead) {
  std::string raw = std::string(kPlainHead) + "\n" + filler(200 << 10) + std::string(kEximNotice);
  EXPECT_EQ(classify(raw).cls, Class::kBounce);  // within the default limit: read
  Limits l;
  l.max_message_bytes = 64 << 10;
  EXPECT_FALSE(parse_message(raw, Limits{}).limit_reached);
  EXPECT_TRUE(parse_message(raw, l).limit_reached);
  EXPECT_EQ(classify(raw, l).cls, Class::kNone);
}

// ---- max_depth --------------------------------------------------------------------------

// n multiparts, each the only child of the one above; the innermost holds the Exim notice.
std::string nested_multiparts(std::string_view head, int n) {
  std::string raw(head);
  raw += "MIME-Version: 1.0\n";
  for (int i = 0; i < n; ++i)
    raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
           std::to_string(i) + "\n";
  raw += "Content-Type: text/plain\n\n";
  raw += kEximNotice;
  for (int i = n - 1; i >= 0; --i) raw += "\n--b" + std::to_string(i) + "--\n";
  return raw;
}

TEST(MaxDepth, NestingPastTheLimitIsNotWalked) {
  std::string raw = nested_multiparts(kPlainHead, 50);
  Limits deep;
  deep.max_depth = 100;
  deep.max_parts = 1000;
  ParsedMessage all = parse_message(raw, deep);
  EXPECT_FALSE(all.limit_reached);
  EXPECT_TRUE(has_text(all, "created automatically"));
  EXPECT_EQ(classify(raw, deep).cls, Class::kBounce);

  Limits shallow = deep;
  shallow.max_depth = 5;
  ParsedMessage cut = parse_message(raw, shallow);
  EXPECT_TRUE(cut.parsed);
  EXPECT_TRUE(cut.limit_reached);
  EXPECT_FALSE(has_text(cut, "created automatically"));
  EXPECT_EQ(classify(raw, shallow).cls, Class::kNone);
}

TEST(MaxDepth, TenThousandNestedMultiparts) {
  std::string raw = nested_multiparts(kBounceHead, 10000);
  ParsedMessage m = parse_message(raw);
  EXPECT_TRUE(m.parsed);
  EXPECT_TRUE(m.limit_reached);
  EXPECT_LE(m.parts.size(), 1u);
  expect_bounce_from_head(classify(raw));
}

TEST(MaxDepth, TenThousandNestedAttachedMessages) {
  std::string raw(kBounceHead);
  for (int i = 0; i < 10000; ++i)
    raw += "Message-ID: <m" + std::to_string(i) + "@example.org>\nContent-Type: message/rfc822\n\n";
  raw += "Subject: innermost\n\nbody\n";
  Limits l;
  l.max_depth = 6;
  for (const Limits& limits : {Limits{}, l}) {
    ParsedMessage m = parse_message(raw, limits);
    EXPECT_TRUE(m.limit_reached);
    EXPECT_LE(m.attached.size(), static_cast<size_t>(limits.max_depth));
    Classification c = classify(raw, limits);
    expect_bounce_from_head(c);
    EXPECT_EQ(c.original.message_id, "m1@example.org");  // m0 is the notice's own
  }
}

// ---- max_parts ----------------------------------------------------------------------------

std::string many_parts(std::string_view head, int n, bool typed) {
  std::string raw(head);
  raw += "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"p\"\n\n";
  raw += "--p\nContent-Type: text/plain\n\n";
  raw += kEximNotice;
  for (int i = 1; i < n; ++i) {
    raw += typed ? "\n--p\nContent-Type: text/plain\n\npart " : "\n--p\n\npart ";
    raw += std::to_string(i);
  }
  raw += "\n--p--\n";
  return raw;
}

TEST(MaxParts, FewPartsAreAllRead) {
  ParsedMessage m = parse_message(many_parts(kPlainHead, 50, true));
  EXPECT_FALSE(m.limit_reached);
  EXPECT_EQ(m.parts.size(), 50u);
}

TEST(MaxParts, HundredThousandParts) {
  std::string raw = many_parts(kPlainHead, 100000, true);
  ParsedMessage m = parse_message(raw);
  EXPECT_TRUE(m.limit_reached);
  EXPECT_LE(m.parts.size(), 200u);
  EXPECT_GE(m.parts.size(), 100u);
  EXPECT_EQ(classify(raw).cls, Class::kBounce);  // the notice is the first part

  Limits l;
  l.max_parts = 10;
  ParsedMessage few = parse_message(raw, l);
  EXPECT_TRUE(few.limit_reached);
  EXPECT_LE(few.parts.size(), 10u);
  EXPECT_TRUE(has_text(few, "created automatically"));
  EXPECT_EQ(classify(raw, l).cls, Class::kBounce);
}

TEST(MaxParts, PartsWithoutContentTypeAreCountedToo) {
  // No Content-Type lines to cut the input at: the walk's own count must stop.
  std::string raw = many_parts(kPlainHead, 5000, false);
  Limits l;
  l.max_parts = 10;
  ParsedMessage m = parse_message(raw, l);
  EXPECT_TRUE(m.limit_reached);
  EXPECT_LE(m.parts.size(), 10u);
  EXPECT_EQ(classify(raw, l).cls, Class::kBounce);
}

// ---- max_headers --------------------------------------------------------------------------

TEST(MaxHeaders, TopHeadersAreCapped) {
  std::string raw(kBounceHead);
  for (int i = 0; i < 100000; ++i) raw += "X-Filler-" + std::to_string(i) + ": v\n";
  raw += "\n" + std::string(kEximNotice);
  Limits l;
  l.max_headers = 50;
  ParsedMessage m = parse_message(raw, l);
  EXPECT_TRUE(m.parsed);
  EXPECT_EQ(m.headers.size(), 50u);
  EXPECT_TRUE(m.headers.has("X-Failed-Recipients"));
  EXPECT_FALSE(m.headers.has("X-Filler-46"));
  expect_bounce_from_head(classify(raw, l));
}

TEST(MaxHeaders, AMillionHeaderLinesAsText) {
  std::string text;
  text.reserve(6u << 20);
  for (int i = 0; i < 1000000; ++i) text += "X: y\n";
  text += "\nbody\n";
  message::HeaderBlock b = message::parse_header_block(text);
  EXPECT_EQ(b.headers.size(), 1000u);
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(text.substr(b.body_offset), "body\n");
  auto found = message::find_header_block("prose\n" + std::string(text), 20);
  EXPECT_FALSE(found);  // no field there identifies a message
}

TEST(MaxHeaders, QuotedOriginalWithThousandsOfReceivedLines) {
  std::string raw(kBounceHead);
  raw += "\n" + std::string(kEximNotice) +
         "\n------ This is a copy of the message, including all the headers. ------\n\n";
  for (int i = 0; i < 5000; ++i)
    raw += "Received: from h" + std::to_string(i) + ".example.net ([85.1." +
           std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "]) by x.example.org; d\n";
  raw += "Message-ID: <deep@example.org>\nSubject: s\n\nbody\n";
  Limits l;
  l.max_headers = 100;
  Classification c = classify(raw, l);
  expect_bounce_from_head(c);
  EXPECT_TRUE(c.original.found);
  EXPECT_LE(c.original.received.size(), 100u);
  EXPECT_FALSE(c.original.received.empty());
}

// ---- max_line -----------------------------------------------------------------------------

TEST(MaxLine, TenMegabyteHeaderLine) {
  std::string raw = "X-Junk: " + std::string(10u << 20, 'j') + "\n" + std::string(kBounceHead) +
                    "\n" + std::string(kEximNotice);
  Limits l;
  l.max_line = 4096;
  ParsedMessage m = parse_message(raw, l);
  ASSERT_TRUE(m.headers.has("X-Junk"));
  EXPECT_LE(m.headers.get("X-Junk")->size(), l.max_line);
  expect_bounce_from_head(classify(raw, l));
}

TEST(MaxLine, LongSubjectIsCutButStillRead) {
  std::string raw =
      "From: MAILER-DAEMON@mx.example.net\nSubject: Undeliverable: " + std::string(1u << 20, 's') +
      "\nX-Failed-Recipients: lost@example.org\n\n" + std::string(kEximNotice);
  Limits l;
  l.max_line = 1024;
  ParsedMessage m = parse_message(raw, l);
  EXPECT_LE(m.headers.get_or_empty("Subject").size(), l.max_line);
  Classification c = classify(raw, l);
  EXPECT_EQ(c.cls, Class::kBounce);
  EXPECT_THAT(c.evidence, ::testing::Contains("subject-undeliverable"));
}

// ---- max_part_text ------------------------------------------------------------------------

TEST(MaxPartText, DecodedTextIsCut) {
  std::string raw = std::string(kBounceHead) + "Content-Type: text/plain\n\n" +
                    std::string(kEximNotice) + filler(4u << 20);
  Limits l;
  l.max_part_text = 64 << 10;
  ParsedMessage m = parse_message(raw, l);
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_LE(m.parts[0].text.size(), l.max_part_text);
  Classification c = classify(raw, l);
  expect_bounce_from_head(c);
  EXPECT_EQ(c.status, "5.1.1");
}

TEST(MaxPartText, EvidencePastTheLimitIsNotLookedAt) {
  std::string raw = std::string(kPlainHead) + "\n" + filler(200 << 10) + std::string(kEximNotice);
  Limits l;
  l.max_part_text = 64 << 10;
  l.max_message_bytes = 8u << 20;
  EXPECT_EQ(classify(raw).cls, Class::kBounce);
  EXPECT_EQ(classify(raw, l).cls, Class::kNone);
}

TEST(MaxPartText, HtmlAndBase64PartsAreCutAfterDecoding) {
  std::string html = "<html><body>" + std::string(2u << 20, 'h') + "</body></html>";
  std::string b64;
  for (int i = 0; i < (1 << 20) / 4; ++i) b64 += (i % 19 == 18) ? "QUJD\n" : "QUJD";
  std::string raw = std::string(kBounceHead) +
                    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"h\"\n\n"
                    "--h\nContent-Type: text/html\n\n" +
                    html +
                    "\n--h\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + b64 +
                    "\n--h--\n";
  Limits l;
  l.max_part_text = 32 << 10;
  ParsedMessage m = parse_message(raw, l);
  ASSERT_EQ(m.parts.size(), 2u);
  for (const auto& p : m.parts) EXPECT_LE(p.text.size(), l.max_part_text) << p.type;
  EXPECT_EQ(m.parts[1].text.substr(0, 6), "ABCABC");
  expect_bounce_from_head(classify(raw, l));
}

TEST(MaxPartText, HeadlessFragmentIsCutToo) {
  std::string raw = filler(200 << 10) + std::string(kEximNotice);
  Limits l;
  l.max_part_text = 64 << 10;
  EXPECT_EQ(classify(raw).cls, Class::kBounce);
  EXPECT_EQ(classify(raw, l).cls, Class::kNone);
}

TEST(MaxPartText, AttachedOriginalBodyIsBounded) {
  std::string raw = std::string(kBounceHead) +
                    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"o\"\n\n"
                    "--o\nContent-Type: text/plain\n\n" +
                    std::string(kEximNotice) +
                    "\n--o\nContent-Type: message/rfc822\n\nMessage-ID: <big@example.org>\n"
                    "Subject: big\n\nhttp://first.example.net/\n" +
                    filler(1u << 20) + "http://late.example.net/\n--o--\n";
  Limits l;
  l.max_part_text = 16 << 10;
  ParsedMessage m = parse_message(raw, l);
  ASSERT_FALSE(m.attached.empty());
  EXPECT_LE(m.attached[0].body_text.size(), l.max_part_text + 1);
  Classification c = classify(raw, l);
  expect_bounce_from_head(c);
  EXPECT_EQ(c.original.message_id, "big@example.org");
  EXPECT_THAT(c.original.urls, ::testing::ElementsAre("first.example.net"));
}

}  // namespace
}  // namespace backstop::classify
