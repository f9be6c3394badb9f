// The Postfix policy front end; see policy_server.h.
#include "net/policy_server.h"

#include "net/policy_filter.h"
#include "postfix_policy/parser.h"

namespace backstop::net {
namespace {

// Bytes in, requests to the filter, actions out. A malformed request closes the connection
// (Postfix logs it and retries with a new one), as the protocol has no error reply.
class PolicyConversation final : public Conversation {
 public:
  explicit PolicyConversation(policy::Engine& engine) : filter_(engine) {}
  bool on_bytes(std::string_view bytes, std::string& out) override {
    parser_.feed(bytes);
    postfix_policy::Request request;
    for (;;) {
      auto status = parser_.next(request);
      if (status == postfix_policy::Parser::Status::kNeedMore) return true;
      if (status == postfix_policy::Parser::Status::kError) return false;
      out += filter_.answer(request);
    }
  }

 private:
  postfix_policy::Parser parser_;
  PolicyFilter filter_;
};

}  // namespace

std::unique_ptr<StreamServer> make_policy_server(asio::io_context& io, policy::Engine& engine) {
  return std::make_unique<StreamServer>(
      io, "policy", [&engine] { return std::make_unique<PolicyConversation>(engine); });
}

}  // namespace backstop::net
