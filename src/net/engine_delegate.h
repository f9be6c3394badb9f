// Maps the SMTP session's questions (smtp::Delegate) onto the policy engine for one session,
// and the engine's verdicts back. No I/O: the front end (smtp_server.cpp) owns the socket and
// the relay, and the shield transcript tests drive it without sockets.
#pragma once

#include "policy/engine.h"
#include "smtp/session.h"

namespace backstop::net {

class EngineDelegate final : public smtp::Delegate {
 public:
  EngineDelegate(policy::Engine& engine, policy::SessionState& state, policy::ConnectFacts facts)
      : engine_(engine), state_(state), facts_(facts) {}

  core::Verdict on_connect() override { return engine_.connect(state_, facts_); }
  core::Verdict on_helo(std::string_view name, bool) override {
    state_.reset_transaction();
    return engine_.helo(state_, name);
  }
  core::Verdict on_mail(const smtp::Envelope& env) override {
    return engine_.mail(state_, env.sender);
  }
  smtp::RcptDecision on_rcpt(const smtp::Envelope&, const core::Address& rcpt) override {
    policy::RcptResult r = engine_.rcpt(state_, rcpt);
    return {std::move(r.verdict), std::move(r.rewritten)};
  }
  core::Verdict on_data(const smtp::Envelope&) override { return engine_.data(state_); }
  // End of DATA: the front end takes over (classification, relay) and answers the session.
  void on_message(const smtp::Envelope& env) override {
    pending_ = true;
    envelope_ = env;
  }
  void on_reset() override { state_.reset_transaction(); }
  void on_close() override {}

  bool pending() const { return pending_; }
  const smtp::Envelope& envelope() const { return envelope_; }
  void done() { pending_ = false; }

 private:
  policy::Engine& engine_;
  policy::SessionState& state_;
  policy::ConnectFacts facts_;
  bool pending_ = false;
  smtp::Envelope envelope_;
};

}  // namespace backstop::net
