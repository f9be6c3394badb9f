// The Postfix policy front end; see policy_server.h.
#include "net/policy_server.h"

#include "net/policy_filter.h"
#include "postfix_policy/parser.h"

namespace backstop::net {
namespace {

// Bytes in, requests to the filter, actions out. A malformed request closes the connection
// (Postfix logs it and retries with a new one), as the protocol has no error reply.
class PolicyConversation {
 public:
  explicit PolicyConversation(policy::Engine& engine)
      : parser_(std::make_unique<postfix_policy::Parser>()),
        filter_(std::make_unique<PolicyFilter>(engine)) {}
  bool on_bytes(std::string_view bytes, std::string& out) {
    parser_->feed(bytes);
    postfix_policy::Request request;
    for (;;) {
      auto status = parser_->next(request);
      if (status == postfix_policy::Parser::Status::kNeedMore) return true;
      if (status == postfix_policy::Parser::Status::kError) return false;
      out += filter_->answer(request);
    }
  }

 private:
  std::unique_ptr<postfix_policy::Parser> parser_;
  std::unique_ptr<PolicyFilter> filter_;
};

}  // namespace

void PolicyServer::start() {
  auto idle = [this] { return cfg_ ? cfg_->policy.timeout : std::chrono::seconds(300); };
  listener_.start(
      [this, idle](asio::ip::tcp::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), PolicyConversation(engine_), idle()),
                       asio::detached);
      },
      [this, idle](asio::local::stream_protocol::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), PolicyConversation(engine_), idle()),
                       asio::detached);
      });
}

}  // namespace backstop::net
