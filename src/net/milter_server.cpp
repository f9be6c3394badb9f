// The milter front end; see milter_server.h.
#include "net/milter_server.h"

#include "milter/decoder.h"
#include "net/milter_filter.h"

namespace backstop::net {
namespace {

// Bytes in, decoded commands to the filter, reply packets out.
class MilterConversation final : public Conversation {
 public:
  explicit MilterConversation(policy::Engine& engine) : filter_(engine) {}
  bool on_bytes(std::string_view bytes, std::string& out) override {
    decoder_.feed(bytes);
    milter::Command command;
    for (;;) {
      auto status = decoder_.next(command);
      if (status == milter::Decoder::Status::kNeedMore) return true;
      if (status == milter::Decoder::Status::kError) return false;
      if (!filter_.handle(command, out)) return false;
    }
  }

 private:
  milter::Decoder decoder_;
  MilterFilter filter_;
};

}  // namespace

std::unique_ptr<StreamServer> make_milter_server(asio::io_context& io, policy::Engine& engine) {
  return std::make_unique<StreamServer>(
      io, "milter", [&engine] { return std::make_unique<MilterConversation>(engine); });
}

}  // namespace backstop::net
