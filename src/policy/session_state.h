// What the engine knows about one SMTP session and its current transaction. Owned by the
// front end's session, passed to every engine call; the engine fills it in as stages pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/ip.h"

namespace backstop::policy {

struct Client {
  core::IpAddress ip;
  std::string ip_text;
  std::string host;  // forward-confirmed reverse DNS name, or "" (unknown)
};

struct Recipient {
  core::Address address;  // as relayed (BATV tag removed)
  std::string given;      // as the client wrote it
  bool batv_valid = false;
  bool storm = false;  // accepted at RCPT during a storm under strict_stage = "data"
};

struct SessionState {
  Client client;
  std::string helo;
  bool allowlisted = false;
  bool ours = false;  // client is one of our relays or networks
  // Mail our users send out (the milter on a submission service, SASL-authenticated, or from
  // [relays] networks): no inbound checks; the sender is signed and the Message-ID recorded.
  bool outbound = false;
  std::vector<std::string> notes;  // for the X-Backstop header (session-wide)

  // The current transaction.
  bool has_sender = false;
  std::optional<core::Address> sender;  // nullopt with has_sender: the null sender
  std::vector<Recipient> recipients;
  std::vector<std::string> transaction_notes;
  bool sender_allowlisted = false;  // envelope sender's domain in [allow] sender_domains

  bool null_sender() const { return has_sender && !sender; }
  void reset_transaction() {
    has_sender = false;
    sender.reset();
    recipients.clear();
    transaction_notes.clear();
    sender_allowlisted = false;
  }
};

}  // namespace backstop::policy
