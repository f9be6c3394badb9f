// Test doubles for the SMTP session: a scripted Delegate that records every call and answers
// from tables, and a MessageSink in memory. Trusts the test that configures it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "smtp/session.h"

namespace backstop::smtp::testing {

inline core::Verdict verdict_for(const core::Reply& r) {
  if (r.code >= 500) return core::Verdict::reject(core::Reason::kNone, r);
  if (r.code >= 400) return core::Verdict::tempfail(core::Reason::kNone, r);
  return core::Verdict::proceed();
}

class FakeDelegate : public Delegate {
 public:
  // Answers; absent keys proceed.
  std::optional<core::Verdict> connect;
  std::map<std::string, core::Verdict> helo;   // by HELO name
  std::map<std::string, core::Verdict> mail;   // by sender address, "<>" for the null path
  std::map<std::string, core::Verdict> rcpt;   // by recipient address
  std::map<std::string, std::string> rewrite;  // recipient -> rewritten recipient
  std::optional<core::Verdict> data;
  // Set: on_message() answers at once, from inside the callback.
  std::optional<core::Reply> message_reply;
  std::string feed_in_message;  // fed to the session from inside on_message()
  Session* session = nullptr;

  std::vector<std::string> calls;  // "connect", "helo x", "mail <a@b>", ...
  std::vector<Envelope> messages;  // envelopes seen by on_message
  int resets = 0;
  int closes = 0;

  core::Verdict on_connect() override {
    calls.push_back("connect");
    return connect.value_or(core::Verdict::proceed());
  }
  core::Verdict on_helo(std::string_view name, bool extended) override {
    calls.push_back(std::string(extended ? "ehlo " : "helo ") + std::string(name));
    return find(helo, std::string(name));
  }
  core::Verdict on_mail(const Envelope& env) override {
    const std::string key = env.sender ? env.sender->str() : "<>";
    calls.push_back("mail " + key);
    return find(mail, key);
  }
  RcptDecision on_rcpt(const Envelope&, const core::Address& a) override {
    calls.push_back("rcpt " + a.str());
    RcptDecision d{find(rcpt, a.str()), std::nullopt};
    if (auto it = rewrite.find(a.str()); it != rewrite.end()) {
      auto at = it->second.rfind('@');
      d.rewritten = core::Address{it->second.substr(0, at), it->second.substr(at + 1)};
    }
    return d;
  }
  core::Verdict on_data(const Envelope&) override {
    calls.push_back("data");
    return data.value_or(core::Verdict::proceed());
  }
  void on_message(const Envelope& env) override {
    calls.push_back("message");
    messages.push_back(env);
    if (!feed_in_message.empty() && session) session->feed(std::exchange(feed_in_message, ""));
    if (message_reply && session) session->message_result(*message_reply);
  }
  void on_reset() override {
    calls.push_back("reset");
    ++resets;
  }
  void on_close() override {
    calls.push_back("close");
    ++closes;
  }

 private:
  static core::Verdict find(const std::map<std::string, core::Verdict>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? core::Verdict::proceed() : it->second;
  }
};

class MemorySink : public MessageSink {
 public:
  std::string data;
  bool fail = false;
  int resets = 0;
  void reset() override {
    data.clear();
    ++resets;
  }
  bool append(std::string_view bytes) override {
    if (fail) return false;
    data.append(bytes);
    return true;
  }
};

}  // namespace backstop::smtp::testing
