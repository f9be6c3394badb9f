// Pure helpers of the Redis store: server addresses, glob escaping for SCAN MATCH, stream ids
// and the feed cursor's text form. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::store {

struct HostPort {
  std::string host;
  int port = 6379;
  bool operator==(const HostPort&) const = default;
};

// "host:port", "host" (port 6379), "[v6addr]:port" or "[v6addr]"; nullopt for anything else
// (empty host, bad or out-of-range port, spaces).
std::optional<HostPort> parse_host_port(std::string_view text);

// text with the glob metacharacters of Redis MATCH patterns (* ? [ ] \ and ^ - inside classes)
// escaped, so it matches itself literally.
std::string glob_escape(std::string_view text);

// Position in one server's feed stream: the stream's generation (a random hex id chosen when
// the stream is created, so a wiped and recreated stream is noticed) and the sequence number of
// the last entry read. epoch "" with seq 0: the stream did not exist.
struct FeedPos {
  std::string epoch;
  int64_t seq = 0;
  bool operator==(const FeedPos&) const = default;
};

// "r1;EPOCH:SEQ,EPOCH:SEQ" (one per server, in configuration order).
std::string encode_cursor(const std::vector<FeedPos>& positions);
// The positions, or nullopt if text is not a cursor for exactly `servers` servers.
std::optional<std::vector<FeedPos>> decode_cursor(std::string_view text, size_t servers);

// Feed stream entries have ids "SEQ-0"; the sequence number, or nullopt.
std::optional<int64_t> stream_seq(std::string_view id);

// A fresh random epoch (16 hex digits).
std::string new_epoch();

}  // namespace backstop::store
