// Unit tests of the SMTP command-line parser (RFC 5321 4.1.1 / 4.1.2, RFC 1870, RFC 6152,
// RFC 6531): verbs, paths in every legal and several illegal shapes, ESMTP parameters.
#include "smtp/command.h"

#include <gtest/gtest.h>

#include <limits>

namespace backstop::smtp {
namespace {

Command ok(std::string_view line) {
  ParseResult r = parse_command(line);
  const auto* c = std::get_if<Command>(&r);
  EXPECT_NE(c, nullptr) << line << " -> " << std::get<SyntaxError>(r).reply.text;
  return c ? *c : Command{};
}

core::Reply err(std::string_view line) {
  ParseResult r = parse_command(line);
  const auto* e = std::get_if<SyntaxError>(&r);
  EXPECT_NE(e, nullptr) << line << " parsed";
  return e ? e->reply : core::Reply{};
}

TEST(Command, VerbsAreCaseInsensitive) {
  EXPECT_EQ(ok("ehlo x").verb, Verb::kEhlo);
  EXPECT_EQ(ok("HeLo x").verb, Verb::kHelo);
  EXPECT_EQ(ok("quit").verb, Verb::kQuit);
  EXPECT_EQ(ok("StartTLS").verb, Verb::kStartTls);
  EXPECT_EQ(ok("noop").verb, Verb::kNoop);
  EXPECT_EQ(ok("DATA").verb, Verb::kData);
  EXPECT_EQ(ok("RSET  ").verb, Verb::kRset);  // trailing spaces are not an argument
}

TEST(Command, UnknownAndUnimplementedVerbs) {
  EXPECT_EQ(ok("FROB x").verb, Verb::kUnknown);
  EXPECT_EQ(ok("").verb, Verb::kUnknown);
  EXPECT_EQ(ok("   ").verb, Verb::kUnknown);
  EXPECT_EQ(ok("MAILFROM:<a@b>").verb, Verb::kUnknown);
  EXPECT_EQ(ok("GET / HTTP/1.0").verb, Verb::kUnknown);
  for (auto v : {"AUTH PLAIN", "BDAT 10 LAST", "ETRN example.org", "ATRN", "TURN", "SEND FROM:<a>",
                 "SOML", "SAML"})
    EXPECT_EQ(ok(v).verb, Verb::kNotImplemented) << v;
  EXPECT_EQ(parse_verb("rcpt TO:<a@b>"), Verb::kRcpt);
  EXPECT_EQ(parse_verb("quit\t"), Verb::kQuit);
}

TEST(Command, ControlCharactersAreRefused) {
  const std::string nul("NOOP a\0b", 8);
  EXPECT_EQ(err(nul).code, 500);
  EXPECT_EQ(err(nul).enhanced, "5.5.2");
  EXPECT_EQ(err("HELO a\rb").code, 500);
  EXPECT_EQ(err("HELO a\x7f").code, 500);
  EXPECT_EQ(ok("HELO\thost").verb, Verb::kHelo);  // HT is whitespace
}

TEST(Command, HeloKeepsTheFirstWord) {
  EXPECT_EQ(ok("EHLO mail.example.net").arg, "mail.example.net");
  EXPECT_EQ(ok("EHLO [192.0.2.1]").arg, "[192.0.2.1]");
  EXPECT_EQ(ok("HELO  host extra words").arg, "host");
  EXPECT_EQ(err("EHLO").code, 501);
  EXPECT_EQ(err("HELO   ").enhanced, "5.5.4");
}

TEST(Command, CommandsWithoutArguments) {
  for (auto line : {"DATA x", "RSET x", "STARTTLS x"}) {
    EXPECT_EQ(err(line).code, 501) << line;
    EXPECT_EQ(err(line).enhanced, "5.5.4") << line;
  }
  EXPECT_EQ(ok("QUIT now").verb, Verb::kQuit);  // the client wants to go: let it
  EXPECT_EQ(ok("NOOP anything").arg, "anything");
  EXPECT_EQ(ok("HELP mail").arg, "mail");
  EXPECT_EQ(ok("VRFY Smith").arg, "Smith");
  EXPECT_EQ(err("VRFY").code, 501);
}

TEST(Command, MailNullPath) {
  Command c = ok("MAIL FROM:<>");
  EXPECT_EQ(c.verb, Verb::kMail);
  EXPECT_FALSE(c.path);
  EXPECT_FALSE(c.params.size);
  c = ok("MAIL FROM:<> SIZE=1234");
  EXPECT_FALSE(c.path);
  EXPECT_EQ(c.params.size, 1234u);
  EXPECT_EQ(c.params.raw, "SIZE=1234");
}

TEST(Command, MailSimpleAndDomainCase) {
  Command c = ok("mail from:<Joe.Bloggs@Mail.Example.NET>");
  ASSERT_TRUE(c.path);
  EXPECT_EQ(c.path->local, "Joe.Bloggs");  // the local part is case-sensitive (RFC 5321 2.4)
  EXPECT_EQ(c.path->domain, "mail.example.net");
  EXPECT_FALSE(c.utf8_path);
  EXPECT_EQ(ok("MAIL FROM:<a@localhost>").path->domain, "localhost");
}

TEST(Command, SloppyClients) {
  EXPECT_EQ(ok("MAIL FROM: <a@example.net>").path->str(), "a@example.net");
  EXPECT_EQ(ok("MAIL FROM:a@example.net").path->str(), "a@example.net");
  EXPECT_EQ(ok("MAIL FROM:a@example.net SIZE=5").params.size, 5u);
  EXPECT_EQ(ok("MAIL FROM:<a@example.net>   SIZE=5    BODY=7BIT  ").params.body, "7BIT");
  EXPECT_EQ(ok("RCPT TO:  <b@example.org>").path->str(), "b@example.org");
}

TEST(Command, QuotedLocalParts) {
  Command c = ok(R"(MAIL FROM:<"john doe"@example.net>)");
  ASSERT_TRUE(c.path);
  EXPECT_EQ(c.path->local, R"("john doe")");
  c = ok(R"(RCPT TO:<"a\"b>c"@example.org>)");  // escaped quote, ">" inside quotes
  ASSERT_TRUE(c.path);
  EXPECT_EQ(c.path->local, R"("a\"b>c")");
  c = ok(R"(RCPT TO:<"@"@example.org>)");
  ASSERT_TRUE(c.path);
  EXPECT_EQ(c.path->local, R"("@")");
  EXPECT_EQ(err(R"(MAIL FROM:<"unterminated@example.net>)").enhanced, "5.1.7");
  EXPECT_EQ(err(R"(MAIL FROM:<"bad\)").code, 501);
  EXPECT_EQ(err("MAIL FROM:<\"tab\there\"@example.net>").code, 501);
}

TEST(Command, SourceRoutesAreIgnored) {
  Command c = ok("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>");
  ASSERT_TRUE(c.path);
  EXPECT_EQ(c.path->str(), "userc@d.bar.org");
  EXPECT_EQ(ok("MAIL FROM:<@a.example:u@b.example>").path->str(), "u@b.example");
  EXPECT_EQ(err("RCPT TO:<@hosta.int,userc@d.bar.org>").enhanced, "5.1.3");
  EXPECT_EQ(err("RCPT TO:<@:u@b.example>").code, 501);
  EXPECT_EQ(err("RCPT TO:<@a.example,:u@b.example>").code, 501);
}

TEST(Command, AddressLiterals) {
  EXPECT_EQ(ok("RCPT TO:<postmaster@[192.0.2.1]>").path->domain, "[192.0.2.1]");
  EXPECT_EQ(ok("RCPT TO:<u@[IPv6:2001:db8::1]>").path->domain, "[ipv6:2001:db8::1]");
  EXPECT_EQ(err("RCPT TO:<u@[]>").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@[192.0.2.1>").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@[a[b]>").code, 501);
}

TEST(Command, BadDomains) {
  for (auto line : {"RCPT TO:<u@-a.example>", "RCPT TO:<u@a-.example>", "RCPT TO:<u@a..example>",
                    "RCPT TO:<u@.example>", "RCPT TO:<u@example.>", "RCPT TO:<u@>",
                    "RCPT TO:<u@exa_mple.org>", "RCPT TO:<u@exa mple.org>"}) {
    core::Reply r = err(line);
    EXPECT_EQ(r.code, 501) << line;
    EXPECT_EQ(r.enhanced, "5.1.3") << line;
  }
}

TEST(Command, BadPaths) {
  EXPECT_EQ(err("MAIL FROM:<a@example.net").text,
            "Bad sender address syntax: missing > after address");
  EXPECT_EQ(err("MAIL FROM:<a@example.net>SIZE=1").text,
            "Bad sender address syntax: garbage after address");
  EXPECT_EQ(err("MAIL FROM:<@example.net>").text, "Bad sender address syntax: bad source route");
  EXPECT_EQ(err("MAIL FROM:<example.net>").text, "Bad sender address syntax: missing @domain");
  EXPECT_EQ(err("MAIL FROM:<>>").code, 501);
  EXPECT_EQ(err("MAIL FROM:<<a@b>>").code, 501);
  EXPECT_EQ(err("MAIL FROM:").code, 501);
  EXPECT_EQ(err("MAIL TO:<a@b>").text, "Syntax: MAIL FROM:<address>");
  EXPECT_EQ(err("MAIL <a@b>").enhanced, "5.5.2");
  EXPECT_EQ(err("RCPT FROM:<a@b>").text, "Syntax: RCPT TO:<address>");
  EXPECT_EQ(err("RCPT TO:<>").text, "Bad recipient address syntax: empty address");
}

TEST(Command, Lengths) {
  const std::string local256(256, 'a'), local257(257, 'a');
  EXPECT_TRUE(ok("RCPT TO:<" + local256 + "@example.org>").path);
  EXPECT_EQ(err("RCPT TO:<" + local257 + "@example.org>").text,
            "Bad recipient address syntax: path too long");
  std::string domain;
  while (domain.size() < 256) domain += "abcdefghi.";
  domain += "org";
  EXPECT_EQ(err("RCPT TO:<u@" + domain + ">").text, "Bad recipient address syntax: path too long");
}

TEST(Command, Postmaster) {
  Command c = ok("RCPT TO:<Postmaster>");
  EXPECT_TRUE(c.postmaster);
  EXPECT_FALSE(c.path);
  EXPECT_TRUE(ok("RCPT TO:<POSTMASTER>").postmaster);
  EXPECT_TRUE(ok("RCPT TO:postmaster").postmaster);
  c = ok("RCPT TO:<Postmaster@Example.org>");
  EXPECT_FALSE(c.postmaster);
  EXPECT_EQ(c.path->str(), "Postmaster@example.org");
  EXPECT_EQ(err("MAIL FROM:<Postmaster>").code, 501);  // only RCPT has the short form
}

TEST(Command, Smtputf8Addresses) {
  Command c = ok("MAIL FROM:<用户@例子.广告> SMTPUTF8");
  ASSERT_TRUE(c.path);
  EXPECT_TRUE(c.utf8_path);
  EXPECT_TRUE(c.params.smtputf8);
  EXPECT_EQ(c.path->local, "用户");
  EXPECT_EQ(c.path->domain, "例子.广告");
  c = ok("RCPT TO:<\"pelé\"@example.org>");
  EXPECT_TRUE(c.utf8_path);
  // The parser only reports non-ASCII; whether SMTPUTF8 was given is the session's check.
  EXPECT_TRUE(ok("MAIL FROM:<pelé@example.net>").utf8_path);
  EXPECT_FALSE(ok("MAIL FROM:<pele@example.net> SMTPUTF8").utf8_path);
}

TEST(Command, MailParameters) {
  Command c = ok("MAIL FROM:<a@b.example> size=100 body=8bitmime SmtpUtf8");
  EXPECT_EQ(c.params.size, 100u);
  EXPECT_EQ(c.params.body, "8BITMIME");
  EXPECT_TRUE(c.params.smtputf8);
  EXPECT_EQ(c.params.raw, "size=100 body=8bitmime SmtpUtf8");
  EXPECT_EQ(ok("MAIL FROM:<a@b.example> BODY=7BIT").params.body, "7BIT");
  EXPECT_EQ(ok("MAIL FROM:<a@b.example> SIZE=0").params.size, 0u);
  EXPECT_EQ(ok("MAIL FROM:<a@b.example> SIZE=99999999999999999999").params.size,
            std::numeric_limits<uint64_t>::max());
}

TEST(Command, BadMailParameters) {
  struct Case {
    const char* params;
    int code;
    const char* enhanced;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"SIZE=", 501, "5.5.4"},
           {"SIZE", 501, "5.5.4"},
           {"SIZE=12a", 501, "5.5.4"},
           {"SIZE=-1", 501, "5.5.4"},
           {"SIZE=123456789012345678901", 501, "5.5.4"},  // RFC 1870: at most 20 digits
           {"SIZE=1 SIZE=2", 501, "5.5.4"},
           {"BODY=8BIT", 501, "5.5.4"},
           {"BODY", 501, "5.5.4"},
           {"BODY=7BIT BODY=7BIT", 501, "5.5.4"},
           {"BODY=BINARYMIME", 555, "5.5.4"},
           {"SMTPUTF8=1", 501, "5.5.4"},
           {"SMTPUTF8 SMTPUTF8", 501, "5.5.4"},
           {"RET=FULL", 555, "5.5.4"},
           {"ENVID=abc", 555, "5.5.4"},
           {"AUTH=<>", 555, "5.5.4"},
           {"X-UNKNOWN", 555, "5.5.4"},
           {"-BAD=1", 501, "5.5.4"},
           {"B@D=1", 501, "5.5.4"},
           {"X=a=b", 501, "5.5.4"},
           {"=1", 501, "5.5.4"},
       }) {
    core::Reply r = err(std::string("MAIL FROM:<a@b.example> ") + c.params);
    EXPECT_EQ(r.code, c.code) << c.params;
    EXPECT_EQ(r.enhanced, c.enhanced) << c.params;
  }
  EXPECT_EQ(err("MAIL FROM:<a@b.example> RET=HDRS").text, "Unsupported parameter RET");
  const std::string long_kw(200, 'K');
  EXPECT_EQ(err("MAIL FROM:<a@b.example> " + long_kw).text,
            "Unsupported parameter " + std::string(32, 'K'));
}

TEST(Command, RcptParametersAreUnsupported) {
  EXPECT_EQ(err("RCPT TO:<a@b.example> NOTIFY=NEVER").code, 555);
  EXPECT_EQ(err("RCPT TO:<a@b.example> ORCPT=rfc822;a@b.example").text,
            "Unsupported parameter ORCPT");
  EXPECT_EQ(err("RCPT TO:<a@b.example> =x").code, 501);
  EXPECT_TRUE(ok("RCPT TO:<a@b.example>   ").path);
}

TEST(Command, ParsePathDirectly) {
  PathResult r = parse_path("<a@b.example> X=1", true, false);
  EXPECT_EQ(r.error, nullptr);
  EXPECT_EQ(r.params, "X=1");
  r = parse_path("<>", true, false);
  EXPECT_TRUE(r.null_path);
  EXPECT_FALSE(r.address);
  r = parse_path("<>", false, true);
  EXPECT_NE(r.error, nullptr);
}

}  // namespace
}  // namespace backstop::smtp
