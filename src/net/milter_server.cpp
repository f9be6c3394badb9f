// The milter front end; see milter_server.h.
#include "net/milter_server.h"

#include "milter/decoder.h"
#include "net/milter_filter.h"

namespace backstop::net {
namespace {

// Bytes in, decoded commands to the filter, reply packets out.
class MilterConversation {
 public:
  explicit MilterConversation(policy::Engine& engine)
      : decoder_(std::make_unique<milter::Decoder>()),
        filter_(std::make_unique<MilterFilter>(engine)) {}
  bool on_bytes(std::string_view bytes, std::string& out) {
    decoder_->feed(bytes);
    milter::Command command;
    for (;;) {
      auto status = decoder_->next(command);
      if (status == milter::Decoder::Status::kNeedMore) return true;
      if (status == milter::Decoder::Status::kError) return false;
      if (!filter_->handle(command, out)) return false;
    }
  }

 private:
  std::unique_ptr<milter::Decoder> decoder_;
  std::unique_ptr<MilterFilter> filter_;
};

}  // namespace

void MilterServer::start() {
  auto idle = [this] { return cfg_ ? cfg_->milter.timeout : std::chrono::seconds(300); };
  listener_.start(
      [this, idle](asio::ip::tcp::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), MilterConversation(engine_), idle()),
                       asio::detached);
      },
      [this, idle](asio::local::stream_protocol::socket s) {
        asio::co_spawn(io_, run_conversation(std::move(s), MilterConversation(engine_), idle()),
                       asio::detached);
      });
}

}  // namespace backstop::net
