// libFuzzer target fuzz_mime_headers: the plain-text parsers of src/message over arbitrary bytes:
// parse_header_block, find_header_block, parse_received, parse_delivery_status, the original's
// helpers (origin_ip, find_url_hosts, extract_message_id) and the mbox splitter. Aborts on a
// broken invariant (offsets past the input, limits not kept).
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "message/dsn.h"
#include "message/headers.h"
#include "message/mailbox.h"
#include "message/original.h"
#include "message/received.h"

namespace {

using namespace backstop::message;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte picks a small header limit, so the cap is exercised too.
  size_t max_headers = size > 0 ? 1 + data[0] % 64 : 16;

  HeaderBlock block = parse_header_block(text, max_headers);
  check(block.body_offset <= text.size());
  check(block.headers.size() <= max_headers);

  std::vector<Hop> hops;
  if (auto found = find_header_block(text, max_headers)) {
    check(found->body_offset <= text.size());
    check(found->headers.size() <= max_headers);
    for (auto value : found->headers.all("Received")) {
      ReceivedHop r = parse_received(value);
      hops.push_back({r.from_host, r.from_ip, r.by_host});
    }
    (void)extract_message_id(found->headers.get_or_empty("Message-ID"));
  }
  // Every line as a Received value, as a quoted original's chain would give it.
  for (auto line : backstop::core::split_lines(text)) {
    ReceivedHop r = parse_received(line);
    check(r.from_host.size() <= line.size() && r.by_host.size() <= line.size());
    if (hops.size() < 64) hops.push_back({r.from_host, r.from_ip, r.by_host});
  }
  std::string origin = origin_ip(hops);
  check(origin.size() <= 45);

  DeliveryStatus ds = parse_delivery_status(text, 10);
  check(ds.recipients.size() <= 10);
  for (const auto& r : ds.recipients) (void)strip_type(r.diagnostic);

  check(find_url_hosts(text, 8).size() <= 8);
  (void)extract_message_id(text);

  if (looks_like_mbox(text)) {
    for (auto m : split_mbox(text))
      check(m.data() >= text.data() && m.data() + m.size() <= text.data() + text.size());
  }
  return 0;
}
