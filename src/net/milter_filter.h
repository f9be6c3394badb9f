// The milter front end's logic: maps the MTA's milter commands (src/milter decodes them) onto
// the policy engine's stages and the engine's verdicts back onto milter replies. No I/O: the
// server (milter_server.cpp) owns the socket; the tests drive this class with commands.
//
// Stages: CONNECT, HELO and MAIL are evaluated when they arrive, but the MTA is asked not to
// wait for their answers (SMFIP_NR_CONN, NR_HELO, NR_MAIL): a refusal of any of them is
// answered at every RCPT of the transaction (like Postfix's smtpd_delay_reject). Postfix sends
// unanswered commands in one write with the next command it waits for, so a session costs it
// two round trips to the milter (OPTNEG, RCPT) instead of five. An MTA that does not offer a
// no-reply flag gets the answer at that command; a CONNECT or HELO refusal is then answered at
// MAIL, because only at MAIL do the macros tell whether the session is outbound (SASL
// {auth_authen}, {daemon_name} in [milter] outbound_daemons, or a client in [relays] networks).
// Inbound: RCPT answers what is known at RCPT (unknown user, bad BATV tag, blocklist, storm),
// per recipient; end of message answers the bounce decisions and adds X-Backstop; recipients
// with a valid BATV tag are replaced by the bare address. Outbound: the envelope sender is
// BATV-signed (SMFIR_CHGFROM) and the Message-ID recorded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "milter/command.h"
#include "milter/negotiate.h"
#include "policy/engine.h"

namespace backstop::net {

class MilterFilter {
 public:
  // The most of a message kept for classification; the rest is passed through unread (the
  // parts that identify a bounce and its original come first).
  static constexpr size_t kMaxClassified = 2u << 20;

  explicit MilterFilter(policy::Engine& engine) : engine_(engine) {}

  // Handles one command; appends the reply packets to out (none for commands that expect
  // none). Returns false when the connection must be closed (QUIT, failed negotiation).
  bool handle(const milter::Command& command, std::string& out);

  // What went wrong when handle() returned false for something other than QUIT.
  const std::string& error() const { return error_; }
  uint32_t negotiated_protocol() const { return protocol_; }
  const policy::SessionState& state() const { return state_; }

 private:
  void on_connect(const milter::Connect& c, std::string& out);
  void on_helo(const milter::Helo& h, std::string& out);
  void on_mail(const milter::Mail& m, std::string& out);
  core::Verdict mail_verdict(const milter::Mail& m);
  void on_rcpt(const milter::Rcpt& r, std::string& out);
  void on_data(std::string& out);
  void on_end_of_message(const milter::EndOfBody& e, std::string& out);
  void reset_message();
  void reply(char command, const core::Verdict& v, std::string& out);
  std::string macro(const std::string& name) const;
  bool is_outbound() const;

  policy::Engine& engine_;
  policy::SessionState state_;
  uint32_t protocol_ = 0;  // negotiated SMFIP_* flags
  std::map<std::string, std::string> macros_;
  core::Verdict pending_;  // a CONNECT/HELO refusal, answered at MAIL (or RCPT)
  // This transaction's MAIL-stage refusal when the MTA did not wait for the MAIL answer
  // (SMFIP_NR_MAIL): every RCPT gets it.
  core::Verdict mail_refusal_;
  std::string message_;  // headers and body as the classifier reads them
  std::string headers_;  // the header block alone (outbound: the Message-ID)
  bool truncated_ = false;
  std::vector<std::pair<std::string, std::string>> rewrites_;  // tagged -> bare recipient
  std::string error_;
};

// What backstop asks of the MTA in option negotiation (exposed for the tests).
milter::FilterWants milter_wants();

}  // namespace backstop::net
