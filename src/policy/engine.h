// The policy engine: facts in, a Verdict out, for every stage of a session (connect, HELO,
// MAIL, RCPT, DATA, end of message). No I/O: the configuration snapshot, the classifier, the
// sent index, the storm detector and the clock are handed in; every decision is also emitted
// as an Event. Every front end (SMTP proxy, milter, policy server) maps its protocol onto
// these calls and maps the verdict back; policy never lives in a protocol handler.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "batv/prvs.h"
#include "classify/classifier.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/reply.h"
#include "policy/autolist.h"
#include "policy/event.h"
#include "policy/reputation.h"
#include "policy/sent_index.h"
#include "policy/session_state.h"
#include "policy/storm.h"

namespace backstop::policy {

struct RcptResult {
  core::Verdict verdict;
  std::optional<core::Address> rewritten;  // the address to relay to (BATV tag removed)
};

// The end-of-message decision and what to add to the message if it is accepted.
struct MessageResult {
  core::Verdict verdict;           // kContinue: relay; kDiscard: accept and drop; kTag: relay
  std::string x_backstop;          // value of the X-Backstop header
  std::string extra_header;        // "Name: value" for action tag, else ""
  classify::Classification classification;
};

// What to change in an outbound message at the end of the transaction.
struct OutboundResult {
  std::optional<std::string> sender;  // the BATV-signed envelope sender, when it is signed
  std::string message_id;             // recorded in the sent index ("" when it had none)
};

// Connection counts the front end knows, for the session limits.
struct ConnectFacts {
  uint32_t sessions_total = 0;   // including this one
  uint32_t sessions_from_ip = 0; // including this one
};

class Engine {
 public:
  Engine(std::shared_ptr<const config::Config> config, const classify::Classifier& classifier,
         SentIndex& sent, StormDetector& storms, const core::Clock& clock, EventSink& events);

  // Swaps the configuration snapshot (SIGHUP). Sessions keep the snapshot they started with
  // only for the values they already acted on; later stages see the new one.
  bool reload(std::shared_ptr<const config::Config> config, std::string* error);
  // The shared lists and greylisting (src/reputation); none (nullptr) by default. Not owned.
  void set_reputation(Reputation* reputation) { reputation_ = reputation; }
  const config::Config& config() const { return *config_; }

  // Is the client's forward-confirmed host name worth looking up before connect()? Per
  // [resolver] client_names: "auto" when a host pattern could match it.
  bool wants_client_names() const;
  core::Verdict connect(SessionState& s, const ConnectFacts& facts);
  core::Verdict helo(SessionState& s, std::string_view name);
  core::Verdict mail(SessionState& s, const std::optional<core::Address>& sender);
  RcptResult rcpt(SessionState& s, const core::Address& rcpt);
  core::Verdict data(SessionState& s);
  MessageResult message(SessionState& s, std::string_view raw);
  // Outbound mail at the end of the message (headers are enough): records the Message-ID in
  // the sent index until the BATV lifetime ends, and signs the envelope sender when its domain
  // is one of [batv] sign_domains. Only for sessions marked outbound.
  OutboundResult outbound_message(SessionState& s, std::string_view headers);
  // A downstream answer to an accepted message, for the log.
  void delivered(const SessionState& s, const core::Reply& downstream);

  // Periodic housekeeping (storm expiry); call about once a second.
  void tick();

 private:
  void emit(const SessionState& s, Stage stage, const core::Verdict& v, std::string recipient,
            std::string detail);
  core::Reply refusal(config::CheckAction action, core::Reply permanent) const;
  // After a refusal: automatic listing of the client, as [autolist] says.
  void autolist(const SessionState& s, core::Reason why);
  std::optional<core::Verdict> listed(SessionState& s);
  std::optional<core::Verdict> greylisted(SessionState& s, const core::Address& rcpt);

  std::shared_ptr<const config::Config> config_;
  std::optional<batv::Prvs> prvs_;
  const classify::Classifier& classifier_;
  SentIndex& sent_;
  StormDetector& storms_;
  const core::Clock& clock_;
  EventSink& events_;
  Reputation* reputation_ = nullptr;
  Autolister autolister_;
};

}  // namespace backstop::policy
