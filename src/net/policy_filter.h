// The Postfix policy delegation front end's logic (check_policy_service, SMTPD_POLICY_README):
// maps each request onto the policy engine's stages and the verdict back onto an action. No
// I/O: policy_server.cpp owns the socket; the tests drive this class with requests.
//
// Postfix asks once per RCPT (and, where configured, at DATA and END-OF-MESSAGE), each request
// carrying the whole session so far; requests of one message share an "instance". The first
// request of an instance runs connect, HELO and MAIL; every RCPT request runs the recipient
// checks; DATA runs the DATA checks. A refusal is answered with its own code ("550 5.1.1
// text"), so Postfix logs and answers what the engine decided. The protocol does not show the
// message: content decisions (backscatter by classification) need the milter or the shield.
#pragma once

#include <string>

#include "policy/engine.h"
#include "postfix_policy/request.h"

namespace backstop::net {

class PolicyFilter {
 public:
  explicit PolicyFilter(policy::Engine& engine) : engine_(engine) {}
  // The response to send ("action=...\n\n").
  std::string answer(const postfix_policy::Request& request);

 private:
  // Runs connect, HELO and MAIL for a new instance; the first refusal, if any.
  core::Verdict start(const postfix_policy::Request& request);
  std::string respond(const core::Verdict& v) const;

  policy::Engine& engine_;
  std::string instance_;
  policy::SessionState state_;
  core::Verdict session_verdict_;  // a refusal at connect, HELO or MAIL, for every later request
};

}  // namespace backstop::net
