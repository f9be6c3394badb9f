// The sections of the other front ends and the reputation layer: defaults, values, errors.
#include <gtest/gtest.h>

#include "config/config.h"

namespace backstop::config {
namespace {

constexpr const char* kMinimal =
    "[downstream]\n"
    "servers = [\"127.0.0.1:10025\"]\n"
    "[domains]\n"
    "local = [\"example.org\", \"example.net\"]\n"
    "recipients = [\"@example.org\"]\n";

LoadResult parse(const std::string& toml) { return parse_config(toml, "test.toml", "/etc/bs"); }

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format_error(e, "test.toml") + "\n";
  return out;
}

// Exactly one error, for key, whose message contains text.
void expect_error(const std::string& toml, const std::string& key, const std::string& text) {
  LoadResult r = parse(toml);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].key, key) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find(text), std::string::npos) << all_errors(r);
  EXPECT_GT(r.errors[0].line, 0);
}

TEST(Sections, DefaultsAreOffAndSane) {
  LoadResult r = parse(kMinimal);
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_TRUE(c.milter.listen.empty());
  EXPECT_EQ(c.milter.outbound_daemons, std::set<std::string>{"ORIGINATING"});
  EXPECT_TRUE(c.policy.listen.empty());
  EXPECT_TRUE(c.dns.listen.empty());
  EXPECT_TRUE(c.report.listen.empty());
  EXPECT_FALSE(c.greylist.enabled);
  EXPECT_EQ(c.greylist.delay, Seconds(300));
  EXPECT_EQ(c.greylist.retry_window, Seconds(2 * 86400));
  EXPECT_EQ(c.greylist.lifetime, Seconds(36 * 86400));
  EXPECT_EQ(c.store.backend, "sqlite");
  EXPECT_EQ(c.store.refresh, Seconds(1));
  // BATV signs the local domains unless told otherwise.
  EXPECT_EQ(c.batv.sign_domains, (std::set<std::string>{"example.net", "example.org"}));
  ASSERT_NE(c.reason("virus"), nullptr);
  EXPECT_EQ(c.reason("virus")->lifetime, Seconds(86400));
  EXPECT_FALSE(c.reason("virus")->permanent);
  ASSERT_NE(c.reason("helo-is-us"), nullptr);
  EXPECT_TRUE(c.reason("helo-is-us")->permanent);
  EXPECT_EQ(c.reason("nonesuch"), nullptr);
}

TEST(Sections, FrontEndsReadTheirListenAddresses) {
  LoadResult r = parse(std::string(kMinimal) +
                       "[milter]\nlisten = [\"127.0.0.1:8891\", \"unix:milter.sock\"]\n"
                       "outbound_daemons = [\"ORIGINATING\", \"submission\"]\ntimeout = \"1m\"\n"
                       "[policy]\nlisten = \"unix:/run/backstop/policy.sock\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->milter.listen,
            (std::vector<std::string>{"127.0.0.1:8891", "unix:/etc/bs/milter.sock"}));
  EXPECT_EQ(r.config->milter.outbound_daemons.size(), 2u);
  EXPECT_EQ(r.config->milter.timeout, Seconds(60));
  EXPECT_EQ(r.config->policy.listen, std::vector<std::string>{"unix:/run/backstop/policy.sock"});
}

TEST(Sections, MilterOnlyNodeNeedsNoDownstream) {
  LoadResult r = parse(
      "[smtp]\nlisten = []\n[milter]\nlisten = \"127.0.0.1:8891\"\n"
      "[domains]\nlocal = \"example.org\"\nrecipients = \"@example.org\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_TRUE(r.config->smtp.listen.empty());
  EXPECT_TRUE(r.config->downstream.servers.empty());
}

TEST(Sections, ListenErrors) {
  expect_error(std::string(kMinimal) + "[milter]\nlisten = \"unix:\"\n", "milter.listen",
               "no socket path");
  expect_error(std::string(kMinimal) + "[policy]\nlisten = \"localhost:9998\"\n",
               "policy.listen", "not an IP address");
  expect_error(std::string(kMinimal) + "[milter]\nlisten = [\"127.0.0.1:1\", \"127.0.0.1:1\"]\n",
               "milter.listen", "listed twice");
}

TEST(Sections, ReasonsOverrideAndExtendTheDefaults) {
  LoadResult r = parse(std::string(kMinimal) +
                       "[[reasons]]\nname = \"virus\"\nlifetime = \"2h\"\nanswer = \"permanent\"\n"
                       "[[reasons]]\nname = \"dictionary\"\nlifetime = \"30m\"\ncode = 9\n"
                       "text = \"Dictionary attack\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  const ReasonConfig* virus = r.config->reason("virus");
  ASSERT_NE(virus, nullptr);
  EXPECT_EQ(virus->lifetime, Seconds(7200));
  EXPECT_TRUE(virus->permanent);
  const ReasonConfig* dict = r.config->reason("dictionary");
  ASSERT_NE(dict, nullptr);
  EXPECT_EQ(dict->code, 9);
  EXPECT_EQ(dict->text, "Dictionary attack");
  EXPECT_FALSE(dict->permanent);
}

TEST(Sections, ReasonErrors) {
  expect_error(std::string(kMinimal) + "[[reasons]]\nlifetime = \"1h\"\n", "reasons[0].name",
               "needs a name");
  expect_error(std::string(kMinimal) + "[[reasons]]\nname = \"a b\"\n", "reasons[0].name",
               "letters, digits");
  expect_error(std::string(kMinimal) + "[[reasons]]\nname = \"x\"\nanswer = \"maybe\"\n",
               "reasons[0].answer", "\"temporary\" or \"permanent\"");
  expect_error(std::string(kMinimal) + "[[reasons]]\nname = \"x\"\ncode = 1\n",
               "reasons[0].code", "out of range");
  expect_error(std::string(kMinimal) + "[[reasons]]\nname = \"x\"\nlifetme = \"1h\"\n",
               "reasons.lifetme", "did you mean 'lifetime'");
  expect_error(std::string(kMinimal) + "[reasons]\nname = \"x\"\n", "reasons",
               "expected tables ([[reasons]])");
}

TEST(Sections, AutolistNamesDeclaredReasons) {
  LoadResult ok = parse(std::string(kMinimal) +
                        "[autolist]\nhelo_is_us = \"helo-is-us\"\nunknown_users = \"unknown-users\"\n"
                        "unknown_users_count = 3\n");
  ASSERT_TRUE(ok.config) << all_errors(ok);
  EXPECT_EQ(ok.config->autolist.helo_is_us, "helo-is-us");
  EXPECT_EQ(ok.config->autolist.unknown_users_count, 3u);
  expect_error(std::string(kMinimal) + "[autolist]\nhelo_is_us = \"nope\"\n",
               "autolist.helo_is_us", "no [[reasons]] is named 'nope'");
}

TEST(Sections, GreylistAndStoreErrors) {
  expect_error(std::string(kMinimal) + "[greylist]\ndelay = \"1h\"\nretry_window = \"30m\"\n",
               "greylist.retry_window", "longer than delay");
  expect_error(std::string(kMinimal) + "[greylist]\nfail = \"closed\"\n", "greylist.fail",
               "\"open\" or \"tempfail\"");
  expect_error(std::string(kMinimal) + "[store]\nbackend = \"redis\"\n", "store.redis",
               "at least one");
  expect_error(std::string(kMinimal) + "[store]\nbackend = \"mysql\"\n", "store.backend",
               "is not one of");
  LoadResult redis = parse(std::string(kMinimal) +
                           "[store]\nbackend = \"redis\"\nredis = [\"127.0.0.1:6379\", "
                           "\"10.0.0.2:6380\"]\nredis_mode = \"replicated\"\n");
  ASSERT_TRUE(redis.config) << all_errors(redis);
  EXPECT_EQ(redis.config->store.redis.size(), 2u);
  EXPECT_EQ(redis.config->store.redis_mode, "replicated");
}

TEST(Sections, Resolver) {
  LoadResult d = parse(kMinimal);
  ASSERT_TRUE(d.config) << all_errors(d);
  EXPECT_TRUE(d.config->resolver.servers.empty());
  EXPECT_EQ(d.config->resolver.timeout, Seconds(5));
  EXPECT_EQ(d.config->resolver.client_names, ClientNames::kAuto);
  LoadResult r = parse(std::string(kMinimal) +
                       "[resolver]\nservers = [\"127.0.0.53\", \"127.0.0.1:5353\", \"[::1]:53\"]\n"
                       "timeout = \"2s\"\nclient_names = \"always\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->resolver.servers.size(), 3u);
  EXPECT_EQ(r.config->resolver.timeout, Seconds(2));
  EXPECT_EQ(r.config->resolver.client_names, ClientNames::kAlways);
  expect_error(std::string(kMinimal) + "[resolver]\nservers = [\"dns.example\"]\n",
               "resolver.servers", "is not an IP address");
  expect_error(std::string(kMinimal) + "[resolver]\nclient_names = \"sometimes\"\n",
               "resolver.client_names", "is not one of");
  expect_error(std::string(kMinimal) + "[resolver]\ntimeout = 0\n", "resolver.timeout", "");
}

TEST(Sections, DnsAndReports) {
  expect_error(std::string(kMinimal) + "[dns]\nlisten = \"127.0.0.1:5353\"\n", "dns.listen",
               "no zone is");
  expect_error(std::string(kMinimal) + "[dns]\nblock_zone = \"not a zone\"\n", "dns.block_zone",
               "");
  expect_error(std::string(kMinimal) + "[report]\nlisten = \"127.0.0.1:7999\"\n",
               "report.key_file", "need a key file");
  LoadResult r = parse(std::string(kMinimal) +
                       "[dns]\nlisten = \"127.0.0.1:5353\"\nblock_zone = \"BL.Example.org.\"\n"
                       "allow_zone = \"wl.example.org\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->dns.block_zone, "bl.example.org");
  EXPECT_EQ(r.config->dns.ns, r.config->smtp.hostname);
}

}  // namespace
}  // namespace backstop::config
