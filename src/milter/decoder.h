// The incremental milter packet decoder, filter side: bytes from the MTA in, typed commands
// (command.h) out. Sans-IO: the caller reads the socket and feeds what arrived, in any split.
// Input is the MTA's, trusted no further than its framing: a packet longer than the limit
// or a malformed one puts the decoder in a final error state; the caller closes the socket
// (the MTA then applies its milter_default_action).
//
// Why not libmilter (DESIGN.md names it): libmilter owns the process's signals (its signal
// thread stops the milter on SIGHUP, which is backstop's reload signal) and runs its own
// thread-per-connection main loop (smfi_main), which cannot share backstop's single asio event
// loop. The wire protocol is small and stable (version 6 since Sendmail 8.14, 2007), so we
// implement it here and fuzz it (tests/fuzz/milter_fuzz.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "milter/command.h"
#include "milter/protocol.h"

namespace backstop::milter {

class Decoder {
 public:
  enum class Status : uint8_t {
    kNeedMore,  // no complete packet buffered: feed more bytes
    kCommand,   // one command decoded into the out argument
    kError,     // the stream is unusable (see error()); close the connection
  };

  // max_packet bounds the packet length field (code + data). Postfix and Sendmail send body
  // chunks of at most 65535 octets; the default (1 MiB) also covers SMFIP_MDS_1M.
  explicit Decoder(size_t max_packet = kDefaultMaxPacket) : max_packet_(max_packet) {}

  // Appends bytes. Ignored once in the error state. An oversized or zero length is refused
  // as soon as its four octets reach the head of the buffer, without waiting for the data.
  void feed(std::string_view bytes);

  // Decodes the next complete packet. Call until kNeedMore (or kError) before feeding again:
  // then the buffer never holds more than one packet plus the last feed.
  Status next(Command& out);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }  // empty unless failed()
  size_t buffered() const { return buffer_.size() - start_; }
  size_t max_packet() const { return max_packet_; }

 private:
  void fail(std::string why);
  bool check_length();  // validates the length field at start_, if complete

  size_t max_packet_;
  std::string buffer_;
  size_t start_ = 0;  // first unconsumed octet of buffer_
  std::string error_;
};

}  // namespace backstop::milter
