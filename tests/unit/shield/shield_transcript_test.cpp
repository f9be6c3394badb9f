// Golden transcripts of the whole shield without sockets: the sans-IO SMTP session, the
// engine delegate and the real policy engine (classifier, BATV, storm detector) with a fixed
// configuration and clock. Each tests/unit/shield/transcripts/*.txt is a conversation:
//   C: line        a client line (CRLF appended); "{{prvs:ADDR}}" becomes ADDR's BATV tag;
//                  "C:" alone is an empty line, "C:<TAB>..." a line starting with a tab
//   S: line        the next reply line expected, exactly
//   # ...          a comment
//   ! client IP    the client address of the session (before the first C:)
//   ! downstream REPLY   what the (simulated) downstream answers accepted messages
// An accepted message's end of DATA is answered with the downstream reply (default
// "250 2.0.0 Ok: queued"); refusals come from the engine, as in the real front end.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "batv/key_ring.h"
#include "batv/prvs.h"
#include "classify/classifier.h"
#include "net/engine_delegate.h"
#include "policy/engine.h"
#include "smtp/session.h"

#ifndef BACKSTOP_SHIELD_TRANSCRIPTS
#error "BACKSTOP_SHIELD_TRANSCRIPTS must name the transcripts directory"
#endif

namespace backstop {
namespace {

constexpr int64_t kNow = 1795559388;  // 2026-11-24
constexpr const char* kKeys = "1 transcript-secret\n";

class NullEvents : public policy::EventSink {
 public:
  void emit(const policy::Event&) override {}
};

class StringSink : public smtp::MessageSink {
 public:
  void reset() override { data.clear(); }
  bool append(std::string_view b) override {
    data.append(b);
    return true;
  }
  std::string data;
};

config::Cidr cidr(const char* ip, int prefix) {
  config::Cidr c;
  c.address = *core::parse_ip(ip);
  c.prefix = prefix;
  return c;
}

std::shared_ptr<config::Config> shield_config() {
  auto c = std::make_shared<config::Config>();
  c->smtp.hostname = "mx.example.org";
  c->domains.local = {"example.org"};
  c->domains.recipients = {"alice@example.org", "bob@example.org", "postmaster@example.org"};
  c->batv.key_text = kKeys;
  c->relays.outbound.networks.push_back(cidr("203.0.113.7", 32));
  c->relays.outbound.hosts.push_back({"out.example.org"});
  c->checks.our_hosts = {"mx.example.org"};
  c->checks.our_ips = {*core::parse_ip("192.0.2.25")};
  c->access.allow.networks.push_back(cidr("192.0.2.200", 32));
  c->access.block.networks.push_back(cidr("192.0.2.66", 32));
  c->backscatter.recipients["postmaster@example.org"] = config::BackscatterAction::kTag;
  c->storm.domain_backscatter = 2;
  return c;
}

std::string substitute(std::string line) {
  size_t open;
  while ((open = line.find("{{prvs:")) != std::string::npos) {
    size_t close = line.find("}}", open);
    std::string addr = line.substr(open + 7, close - open - 7);
    auto ring = batv::parse_key_ring(kKeys);
    auto prvs = batv::Prvs::make(std::move(*ring.ring), 7);
    core::FixedClock clock(kNow);
    line.replace(open, close + 2 - open, *prvs->sign(addr, clock));
  }
  return line;
}

std::vector<std::string> reply_lines(std::string& out) {
  std::vector<std::string> lines;
  size_t pos;
  while ((pos = out.find("\r\n")) != std::string::npos) {
    lines.push_back(out.substr(0, pos));
    out.erase(0, pos + 2);
  }
  return lines;
}

// One transcript; a session per "! client" block shares the engine (so storms carry over).
void run_transcript(const std::filesystem::path& file) {
  static const auto classifier = classify::Classifier::create();
  auto cfg = shield_config();
  policy::MemorySentIndex sent;
  core::FixedClock clock(kNow);
  NullEvents events;
  policy::StormDetector storms(cfg->storm);
  policy::Engine engine(cfg, *classifier, sent, storms, clock, events);

  std::ifstream in(file);
  std::string line;
  int lineno = 0;
  std::string client_ip = "198.18.0.1";
  std::string downstream = "250 2.0.0 Ok: queued";
  std::unique_ptr<policy::SessionState> state;
  std::unique_ptr<net::EngineDelegate> delegate;
  std::unique_ptr<StringSink> sink;
  std::unique_ptr<smtp::Session> session;
  std::vector<std::string> pending;  // replies produced, not yet matched

  auto start = [&] {
    state = std::make_unique<policy::SessionState>();
    state->client.ip = *core::parse_ip(client_ip);
    state->client.ip_text = client_ip;
    delegate = std::make_unique<net::EngineDelegate>(engine, *state, policy::ConnectFacts{1, 1});
    sink = std::make_unique<StringSink>();
    smtp::SessionConfig sc;
    sc.hostname = cfg->smtp.hostname;
    session = std::make_unique<smtp::Session>(sc, *delegate, *sink);
    session->start();
  };
  auto drain = [&] {
    // The front end's end-of-DATA step, as smtp_server.cpp does it (minus the socket).
    while (delegate && delegate->pending()) {
      policy::MessageResult m = engine.message(*state, sink->data);
      core::Reply reply;
      if (m.verdict.refused()) {
        reply = m.verdict.reply;
      } else if (m.verdict.action == core::Action::kDiscard) {
        reply = {250, "2.0.0", "Ok"};
      } else {
        reply.code = std::stoi(downstream.substr(0, 3));
        size_t sp = downstream.find(' ', 4);
        reply.enhanced = downstream.substr(4, sp - 4);
        reply.text = downstream.substr(sp + 1);
      }
      delegate->done();
      session->message_result(reply);
    }
    for (auto& l : reply_lines(session->output())) pending.push_back(l);
  };

  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    SCOPED_TRACE(file.filename().string() + ":" + std::to_string(lineno));
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("! client ")) {
      client_ip = line.substr(9);
      session.reset();
      pending.clear();
      continue;
    }
    if (line.starts_with("! downstream ")) {
      downstream = line.substr(13);
      continue;
    }
    if (!session) start();
    drain();
    if (line.starts_with("C:")) {
      // "C: text", "C:" (an empty line), "C:<TAB>text" (a folded header line).
      std::string text = line.size() > 2 && line[2] == ' ' ? line.substr(3) : line.substr(2);
      session->feed(substitute(text) + "\r\n");
      drain();
    } else if (line.starts_with("S: ")) {
      ASSERT_FALSE(pending.empty()) << "expected reply: " << line.substr(3);
      EXPECT_EQ(pending.front(), line.substr(3));
      pending.erase(pending.begin());
    } else {
      FAIL() << "bad transcript line: " << line;
    }
  }
  EXPECT_TRUE(pending.empty()) << "unmatched reply: " << (pending.empty() ? "" : pending.front());
}

class ShieldTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(ShieldTranscript, Matches) {
  run_transcript(std::filesystem::path(BACKSTOP_SHIELD_TRANSCRIPTS) / GetParam());
}

std::vector<std::string> transcripts() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(BACKSTOP_SHIELD_TRANSCRIPTS))
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(All, ShieldTranscript, ::testing::ValuesIn(transcripts()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace backstop
