// Runs the classifier over every fixture in tests/fixtures (the folder names the expected class)
// and checks the key facts listed in tests/fixtures/README.md; also tests PatternSet (compile
// errors, match offsets), ReasonTable::categorize, the built-in rule tables and to_json.
#include "classify/classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "classify/json.h"
#include "classify/pattern_set.h"
#include "classify/reason.h"
#include "classify/rules.h"
#include "message/mailbox.h"

namespace backstop::classify {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

const fs::path kFixtures = BACKSTOP_FIXTURES;

const Classifier& classifier() {
  static const std::unique_ptr<Classifier> c = Classifier::create();
  return *c;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// The messages of one fixture: "dir/name.eml", or "mbox/two.mbox#N" for each of an mbox's.
std::string message_of(const std::string& id) {
  size_t hash = id.find('#');
  if (hash == std::string::npos) return read_file(kFixtures / id);
  static std::string mbox;  // views below point into it
  mbox = read_file(kFixtures / id.substr(0, hash));
  auto msgs = message::split_mbox(mbox);
  size_t n = std::stoul(id.substr(hash + 1));
  return n >= 1 && n <= msgs.size() ? std::string(msgs[n - 1]) : std::string();
}

std::vector<std::string> fixture_files() {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(kFixtures, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".eml") continue;
    out.push_back(fs::relative(it->path(), kFixtures).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// ---- Every fixture is of the class its folder names ------------------------------------

class FolderClass : public ::testing::TestWithParam<std::string> {};

TEST_P(FolderClass, MatchesTheFolder) {
  const std::string& id = GetParam();
  std::string expected = id.substr(0, id.find('/'));
  Classification c = classifier().classify(read_file(kFixtures / id));
  EXPECT_EQ(to_string(c.cls), expected) << id;
  EXPECT_EQ(c.evidence.empty(), c.cls == Class::kNone);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FolderClass, ::testing::ValuesIn(fixture_files()),
                         [](const auto& info) { return test_name(info.param); });

// ---- Key facts (tests/fixtures/README.md) ---------------------------------------------

// nullptr: not asserted. Recipients are checked in order for bounces; URL hosts as a set for
// every class but none; message_id "" means "none could be recovered".
struct Facts {
  const char* id;
  const char* cls;
  const char* kind = nullptr;
  const char* action = nullptr;
  const char* status = nullptr;
  const char* reason = nullptr;
  std::vector<std::string> recipients = {};
  const char* reporting_mta = nullptr;
  const char* diagnostic_has = nullptr;
  const char* message_id = nullptr;
  const char* origin_ip = nullptr;
  std::vector<std::string> urls = {};
  int headers_only = -1;  // -1 unchecked, 0 false, 1 true
  const char* evidence = nullptr;
};

void PrintTo(const Facts& f, std::ostream* os) {
  *os << f.id;
}

// clang-format off
const std::vector<Facts>& all_facts() {
  static const std::vector<Facts> facts = {
      {"bounce/postfix_dsn_user_unknown.eml", "bounce", "dsn", "failed", "5.1.1", "user-unknown",
       {"kpatel@example.net"}, "mx.example.net", "User unknown in local recipient table",
       "a81f93c2e4b7.20240312081358@ws-pc17.lan.example.org", "62.141.37.200",
       {"spam-shop.example.net", "deals.example.org"}, 0, "rfc3464-delivery-status"},
      {"bounce/sendmail_dsn_headers.eml", "bounce", "dsn", "failed", "5.1.1", "user-unknown",
       {"m.oduya@example.org"}, "relay2.example.org", "User unknown",
       "6f2c1d7a-0e55-4b8e-9c1f-33a2b7d1e0c4@example.com", "93.184.12.7", {}, 1},
      {"bounce/qmail_legacy.eml", "bounce", "legacy", "failed", "5.1.1", "user-unknown",
       {"r.lindqvist@example.org"}, "mail.example.org", nullptr,
       "000d01da75af$3c1e2b40$0a00000a@user-pc", "109.173.5.66",
       {"bonus-claim.example.net", "spam-shop.example.net"}, 0, "qmail-send"},
      {"bounce/exim_failed.eml", "bounce", "legacy", "failed", "5.1.1", "user-unknown",
       {"d.hargreaves@example.net"}, "mx2.example.net", "550 5.1.1",
       "CAK7v9e2N1_wqPq5y4@mail.example.com", "37.120.160.11",
       {"parcel-fee.example.net", "spam-shop.example.net"}, 0, "exim-x-failed-recipients"},
      {"bounce/office365_ndr.eml", "bounce", "dsn", "failed", "5.1.10", "user-unknown",
       {"h.ng@contoso-mail.example.com"}, "am9pr02mb7102.eurprd02.prod.example.com",
       "RecipientNotFound", "PAXPR09MB5521D0E93F1B@PAXPR09MB5521.eurprd09.prod.example.org",
       "154.41.229.17", {"invoice-portal.example.net", "spam-shop.example.net"}, 0},
      {"bounce/domino_failure.eml", "bounce", "legacy", "failed", "5.0.0", "user-unknown",
       {"hvogel@example.org"}, nullptr, nullptr,
       "20240321073305.004410@dsl-178-19-221-40.example.net", "178.19.221.40",
       {"pay-verify.example.net", "spam-shop.example.net"}, 0, "domino-groupwise-ndr"},
      {"bounce/gmail_dsn_failure.eml", "bounce", "legacy", "failed", "5.1.1", "user-unknown",
       {"sofia.almeida@example.org"}, "googlemail.example.com", "Recipient address rejected",
       "d41d8cd98f00b204e9800998ecf8427e@example.com", "91.214.64.8",
       {"rx-discount.example.net", "www.spam-shop.example.net"}, 0},
      {"bounce/delay_warning.eml", "bounce", "dsn", "delayed", "4.4.7", "expired",
       {"l.ferrari@example.org"}, "smtp.example.net", "Connection timed out",
       "cruise.5512.20240325020209@app3.internal.example.org", "95.216.20.117", {}, 1},
      {"bounce/mailbox_full.eml", "bounce", "legacy", "failed", "5.2.2", "mailbox-full",
       {"g.brandt@example.org"}, "gateway.example.org", "Mailbox full",
       "1711459536.0AB1C2.7781@example.com", "94.23.157.201",
       {"claim-prize.example.net", "spam-shop.example.net"}, 0, "sendmail-bounce"},
      {"bounce/host_unknown.eml", "bounce", "dsn", "failed", "5.4.4", "host-unknown",
       {"admin@mail.exampel-shop.example"}, "out1.example.net", "Host or domain name not found",
       "9e0d11200c.7f3a@vps-51-75.example.org", "51.75.144.23",
       {"seo-rank.example.net", "spam-shop.example.net"}, 0},
      {"bounce/spam_blocked.eml", "bounce", "dsn", "failed", "5.7.1", "spam-blocked",
       {"w.tanaka@example.net"}, "relay.example.org", "blocked using dnsbl.example.net",
       "20240328105114.GA19203@bot-pc", "73.42.190.5",
       {"easy-money.example.net", "spam-shop.example.net"}, 0},
      {"bounce/headless_fragment.eml", "bounce", "legacy", "failed", "5.1.1", "user-unknown",
       {"ghost.user@example.net"}, "mx3.example.net", "User unknown in virtual mailbox table",
       "", "", {}, -1, "postfix-bounce"},
      {.id = "autoreply/rfc3834_auto_replied.eml", .cls = "autoreply",
       .message_id = "5d8a1c7e.77f3.4b2e@hr-mailer.example.com",
       .evidence = "rfc3834-auto-reply-header"},
      {.id = "autoreply/german_abwesenheitsnotiz.eml", .cls = "autoreply",
       .message_id = "20240402101502.3311.vertrieb@example.com", .evidence = "subject-auto-reply"},
      {.id = "autoreply/office_automatic_reply.eml", .cls = "autoreply",
       .message_id = "pay.20240403144017.9921@example.com", .evidence = "subject-auto-reply"},
      {.id = "autoreply/lotus_auto_out_of_office.eml", .cls = "autoreply", .message_id = "",
       .evidence = "subject-auto-reply"},
      {.id = "challenge-response/boxtrapper_verify.eml", .cls = "challenge-response",
       .message_id = "B7F1E0A4.9921.4c0e@example.com", .origin_ip = "45.137.21.60",
       .headers_only = 1, .evidence = "challenge-header"},
      {.id = "challenge-response/tmda_confirm.eml", .cls = "challenge-response",
       .message_id = "000601da880f$c2a7b0e0$6501a8c0@pc-4a2b", .origin_ip = "31.14.252.118",
       .urls = {"invoice-check.example.net"}, .headers_only = 0},
      {.id = "virus-notice/scanner_notice.eml", .cls = "virus-notice",
       .message_id = "20240408054115.5872.qmail@example.com", .origin_ip = "77.56.121.203",
       .headers_only = 1, .evidence = "body-virus-found"},
      {.id = "feedback-report/arf_abuse.eml", .cls = "feedback-report",
       .message_id = "earn.77120.20240409151244@snd.example.org", .origin_ip = "185.220.101.44",
       .urls = {"easy-money.example.net", "spam-shop.example.net"}, .headers_only = 0,
       .evidence = "rfc5965-feedback-report"},
      {"none/personal_ham.eml", "none"},
      {"none/list_post_quoting_bounce.eml", "none"},
      {"none/bugzilla_notification.eml", "none"},
      {"none/newsletter.eml", "none"},
      {"none/re_out_of_office_schedule.eml", "none"},
      {"none/github_notification.eml", "none"},
      {"mbox/two.mbox#1", "bounce", "dsn", "failed", "5.1.1", "user-unknown",
       {"o.nilsen@example.org"}, "mx.example.org", "user unknown",
       "20240422072959.71141.shop@example.com", "5.9.71.14", {"spam-shop.example.net"}, 0},
      {"mbox/two.mbox#2", "none"},
  };
  return facts;
}
// clang-format on

class KeyFacts : public ::testing::TestWithParam<Facts> {};

TEST_P(KeyFacts, AsListedInTheReadme) {
  const Facts& f = GetParam();
  std::string raw = message_of(f.id);
  ASSERT_FALSE(raw.empty()) << f.id;
  Classification c = classifier().classify(raw);
  ASSERT_EQ(to_string(c.cls), std::string(f.cls)) << f.id;
  if (c.cls == Class::kBounce) {
    if (f.kind) {
      EXPECT_EQ(c.kind, f.kind);
    }
    if (f.action) {
      EXPECT_EQ(c.action, f.action);
    }
    if (f.status) {
      EXPECT_EQ(c.status, f.status);
    }
    if (f.reason) {
      EXPECT_EQ(c.reason, f.reason);
    }
    EXPECT_THAT(c.recipients, ElementsAreArray(f.recipients));
    if (f.reporting_mta) {
      EXPECT_EQ(c.reporting_mta, f.reporting_mta);
    }
    if (f.diagnostic_has) {
      EXPECT_THAT(c.diagnostic, HasSubstr(f.diagnostic_has));
    }
  }
  if (c.cls == Class::kNone) {
    EXPECT_FALSE(c.original.found);
    return;
  }
  const Original& o = c.original;
  if (f.message_id) {
    EXPECT_EQ(o.message_id, f.message_id);
  }
  if (f.origin_ip) {
    EXPECT_EQ(o.origin_ip, f.origin_ip);
  }
  EXPECT_THAT(o.urls, UnorderedElementsAreArray(f.urls));
  if (f.headers_only >= 0) {
    EXPECT_TRUE(o.found);
    EXPECT_EQ(o.headers_only, f.headers_only == 1);
  }
  if (f.evidence) {
    EXPECT_THAT(c.evidence, Contains(std::string(f.evidence)));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, KeyFacts, ::testing::ValuesIn(all_facts()),
                         [](const auto& info) { return test_name(info.param.id); });

TEST(Fixtures, EveryFixtureHasFactsAndEveryFactAFixture) {
  std::set<std::string> on_disk, listed;
  for (const auto& f : fixture_files()) on_disk.insert(f);
  for (const auto& f : all_facts())
    if (std::string(f.id).find('#') == std::string::npos) listed.insert(f.id);
  EXPECT_EQ(on_disk, listed);
  EXPECT_GE(on_disk.size(), 25u);
  auto msgs = message::split_mbox(read_file(kFixtures / "mbox/two.mbox"));
  EXPECT_EQ(msgs.size(), 2u);
}

TEST(Fixtures, OriginalReceivedChainsAreReadHopByHop) {
  Classification c = classifier().classify(message_of("bounce/postfix_dsn_user_unknown.eml"));
  ASSERT_EQ(c.original.received.size(), 2u);
  EXPECT_EQ(c.original.received[0],
            (Hop{"smtp-out.example.org", "62.141.37.200", "mx.example.net"}));
  EXPECT_EQ(c.original.received[1],
            (Hop{"ws-pc17.lan.example.org", "192.168.10.45", "smtp-out.example.org"}));
  EXPECT_EQ(c.original.from, "\"Julie Moreau\" <j.moreau@example.com>");
  EXPECT_EQ(c.original.to, "kpatel@example.net");
  EXPECT_EQ(c.original.subject, "Cheap watches, best prices this week only");
  EXPECT_EQ(c.original.date, "Tue, 12 Mar 2024 09:13:58 +0100");
}

TEST(Fixtures, CrlfAndLfGiveTheSameResult) {
  std::string crlf = message_of("bounce/office365_ndr.eml");
  ASSERT_NE(crlf.find("\r\n"), std::string::npos);
  std::string lf;
  for (char ch : crlf)
    if (ch != '\r') lf.push_back(ch);
  Classification a = classifier().classify(crlf), b = classifier().classify(lf);
  EXPECT_EQ(a.cls, b.cls);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.recipients, b.recipients);
  EXPECT_EQ(a.original.message_id, b.original.message_id);
  EXPECT_EQ(a.original.origin_ip, b.original.origin_ip);
}

TEST(Classifier, ConcurrentUseGivesTheSameAnswers) {
  std::vector<std::string> files = fixture_files();
  std::vector<std::string> raws;
  for (const auto& f : files) raws.push_back(read_file(kFixtures / f));
  std::vector<Class> expected;
  for (const auto& r : raws) expected.push_back(classifier().classify(r).cls);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (size_t i = 0; i < raws.size(); ++i)
          if (classifier().classify(raws[i]).cls != expected[i]) ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(Classifier, EmptyAndTinyInputs) {
  for (std::string_view raw : {"", "\n", "\r\n\r\n", "From ", ":", "Subject:"}) {
    Classification c = classifier().classify(raw);
    EXPECT_EQ(c.cls, Class::kNone) << raw;
  }
}

// ---- to_json --------------------------------------------------------------------------

TEST(ToJson, KeysByClass) {
  Classification bounce = classifier().classify(message_of("bounce/qmail_legacy.eml"));
  auto j = to_json(bounce, "q.eml");
  EXPECT_EQ(j["file"], "q.eml");
  EXPECT_EQ(j["class"], "bounce");
  for (auto key : {"kind", "action", "status", "diagnostic", "reporting_mta", "recipients",
                   "reason", "original", "evidence"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (auto key : {"found", "message_id", "from", "to", "subject", "date", "received", "origin_ip",
                   "urls", "headers_only"})
    EXPECT_TRUE(j["original"].contains(key)) << key;
  EXPECT_EQ(j["original"]["origin_ip"], "109.173.5.66");

  Classification none = classifier().classify(message_of("none/personal_ham.eml"));
  auto n = to_json(none, "h.eml");
  EXPECT_EQ(n["class"], "none");
  EXPECT_FALSE(n.contains("original"));
  EXPECT_FALSE(n.contains("status"));
  EXPECT_TRUE(n["evidence"].empty());
}

TEST(ToJson, InvalidUtf8IsReplaced) {
  Classification c;
  c.cls = Class::kBounce;
  c.diagnostic = "550 \xff\xfe bad";
  auto j = to_json(c, "f\xc3");
  EXPECT_EQ(j["diagnostic"], "550 \xEF\xBF\xBD\xEF\xBF\xBD bad");
  EXPECT_EQ(j["file"], "f\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)j.dump());
}

// Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid UTF-8 too
// (RFC 3629 3); a strict dump() throws on them.
TEST(ToJson, OverlongAndSurrogateSequencesAreReplaced) {
  Classification c;
  c.cls = Class::kBounce;
  c.diagnostic = "a\xC0\xAF b\xED\xA0\x80 c\xF5\x80\x80\x80 d";
  auto j = to_json(c, "f");
  EXPECT_NO_THROW((void)j.dump());
}

// ---- PatternSet -------------------------------------------------------------------------

TEST(PatternSet, CompileErrorNamesTheExpression) {
  std::string error;
  auto set = PatternSet::compile({"fine", "(unclosed"}, &error);
  EXPECT_EQ(set, nullptr);
  EXPECT_THAT(error, HasSubstr("(unclosed"));
  EXPECT_NE(error.find(" in: "), std::string::npos);
  EXPECT_EQ(PatternSet::compile({"[z-a]"}, nullptr), nullptr);  // no error string is fine
}

TEST(PatternSet, FirstMatchEndOffsets) {
  std::string error;
  auto set = PatternSet::compile({"abc", "b+c", "zzz", "^x"}, &error);
  ASSERT_NE(set, nullptr) << error;
  EXPECT_EQ(set->size(), 4u);
  std::vector<size_t> ends;
  set->scan("xxABCbbc abc", ends);
  ASSERT_EQ(ends.size(), 4u);
  EXPECT_EQ(ends[0], 5u);  // "ABC" at 2..5, case-insensitive
  EXPECT_EQ(ends[1], 5u);  // "BC" ends at 5 (the first end reported)
  EXPECT_EQ(ends[2], PatternSet::kNoMatch);
  EXPECT_EQ(ends[3], 1u);
}

TEST(PatternSet, DotAndNewlines) {
  auto set = PatternSet::compile({"a.c", "(?s)a.c", "^line2", "(?m)^line2"}, nullptr);
  ASSERT_NE(set, nullptr);
  std::vector<size_t> ends;
  set->scan("a\nc\nline2", ends);
  EXPECT_EQ(ends[0], PatternSet::kNoMatch);
  EXPECT_EQ(ends[1], 3u);
  EXPECT_EQ(ends[2], PatternSet::kNoMatch);
  EXPECT_EQ(ends[3], 9u);
}

TEST(PatternSet, EmptyTextAndReuse) {
  auto set = PatternSet::compile({"x"}, nullptr);
  ASSERT_NE(set, nullptr);
  std::vector<size_t> ends = {1, 2, 3};
  set->scan("", ends);
  EXPECT_THAT(ends, ElementsAreArray({PatternSet::kNoMatch}));
  set->scan("yx", ends);
  EXPECT_EQ(ends[0], 2u);
}

TEST(PatternSet, SeveralSetsAcrossThreads) {
  auto a = PatternSet::compile({"bounce", "daemon"}, nullptr);
  auto b = PatternSet::compile({"(out|away) of (the )?office", "vacation", "x{3,}"}, nullptr);
  ASSERT_TRUE(a && b);
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<size_t> e;
      for (int i = 0; i < 200; ++i) {
        a->scan("mailer-daemon bounce", e);
        if (e[0] != 20 || e[1] != 13) ++bad[t];
        b->scan("I am out of office", e);
        if (e[0] != 18 || e[1] != PatternSet::kNoMatch) ++bad[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int n : bad) EXPECT_EQ(n, 0);
}

TEST(Rules, BuiltInTablesCompileAndNamesAreUnique) {
  ASSERT_NE(Classifier::create(), nullptr);
  std::set<std::string_view> names;
  for (const Rule& r : rules()) {
    std::string error;
    EXPECT_NE(PatternSet::compile({std::string(r.regex)}, &error), nullptr) << r.name << error;
    EXPECT_TRUE(names.insert(r.name).second) << "duplicate rule name " << r.name;
  }
  EXPECT_GT(names.size(), 10u);
}

// ---- ReasonTable ----------------------------------------------------------------------

class Reason : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    table_ = ReasonTable::create(&error).release();
    ASSERT_NE(table_, nullptr) << error;
  }
  static void TearDownTestSuite() { delete table_; }
  static std::string cat(std::string_view status, std::string_view text) {
    return std::string(table_->categorize(status, text));
  }
  static inline ReasonTable* table_ = nullptr;
};

TEST_F(Reason, StatusCodeWhenTheTextSaysNothingKnown) {
  EXPECT_EQ(cat("5.1.1", ""), "user-unknown");
  EXPECT_EQ(cat("5.1.0", "x"), "user-unknown");
  EXPECT_EQ(cat("5.1.6", ""), "user-unknown");
  EXPECT_EQ(cat("5.2.1", ""), "user-unknown");
  EXPECT_EQ(cat("5.1.2", ""), "host-unknown");
  EXPECT_EQ(cat("5.4.4", ""), "host-unknown");
  EXPECT_EQ(cat("5.2.2", ""), "mailbox-full");
  EXPECT_EQ(cat("4.2.2", ""), "mailbox-full");
  EXPECT_EQ(cat("5.3.4", ""), "message-too-large");
  EXPECT_EQ(cat("5.2.3", ""), "message-too-large");
  EXPECT_EQ(cat("4.4.7", ""), "expired");
  EXPECT_EQ(cat("5.7.1", ""), "policy");
  EXPECT_EQ(cat("5.7.26", ""), "policy");
  EXPECT_EQ(cat("5.0.0", ""), "other");
  EXPECT_EQ(cat("", ""), "other");
  EXPECT_EQ(cat("5", ""), "other");
}

TEST_F(Reason, TextDecidesFirst) {
  EXPECT_EQ(cat("5.7.1", "Client host [192.0.2.1] blocked using zen.example.net"), "spam-blocked");
  EXPECT_EQ(cat("5.0.0", "550 User unknown"), "user-unknown");
  EXPECT_EQ(cat("5.1.1", "552 Mailbox is full"), "mailbox-full");
  EXPECT_EQ(cat("5.0.0", "552 Message size exceeds fixed limit"), "message-too-large");
  EXPECT_EQ(cat("5.0.0", "Host or domain name not found. Name service error"), "host-unknown");
  EXPECT_EQ(cat("4.0.0", "connect to mx.example.org[192.0.2.9]:25: Connection timed out"),
            "expired");
  EXPECT_EQ(cat("5.0.0", "554 5.7.1 <a@example.org>: Relay access denied"), "policy");
  EXPECT_EQ(cat("5.0.0", "550 5.7.1 Message rejected as spam by Content Filtering"),
            "spam-blocked");
  EXPECT_EQ(cat("5.1.10",
                "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address "
                "lookup"),
            "user-unknown");
  EXPECT_EQ(cat("5.0.0", "Sorry, no mailbox here by that name. (#5.1.1)"), "user-unknown");
  EXPECT_EQ(cat("5.0.0", "nothing recognisable at all"), "other");
}

// Lotus Domino's unknown-user text says "not listed in Domino Directory": a directory miss,
// not a DNSBL listing.
TEST_F(Reason, DominoDirectoryMissIsUserUnknown) {
  EXPECT_EQ(cat("5.0.0", "User Hans Vogel (hvogel@example.org) not listed in Domino Directory"),
            "user-unknown");
}

}  // namespace
}  // namespace backstop::classify
