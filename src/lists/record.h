// A list entry as the reputation store keeps it (under a key such as "block:192.0.2.0/24"):
// what is listed, why, by which node, when, and until when; encoded as one short line of text.
// Decoding treats the stored text as untrusted (another node, or a person with redis-cli,
// may have written it).
//
// Encoding: space-separated key=value fields, in this order when written:
//   v=1 net=192.0.2.0/24 reason=backscatter node=mx1 added=1700000000 expires=1700086400
//   v=1 domain=*.example.com reason=manual node=admin added=1700000000 expires=0 note=see%20ticket
// net= or domain= (exactly one); reason, node and note are percent-encoded (every byte outside
// '!'..'~', and '%', becomes %XX); expires=0 means never; note is optional. Unknown keys are
// ignored (for later versions); a missing, repeated or malformed field is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "lists/cidr.h"
#include "lists/domain_pattern.h"

namespace backstop::lists {

inline constexpr size_t kMaxRecordField = 255;  // decoded bytes of reason, node, note
inline constexpr size_t kMaxRecordText = 2048;  // encoded bytes of a whole record

struct ListRecord {
  std::variant<Cidr, DomainPattern> subject;
  std::string reason;   // a reason name, e.g. "backscatter"; not empty
  std::string node;     // the node (or person) that added it; not empty
  int64_t added = 0;    // Unix seconds
  int64_t expires = 0;  // Unix seconds; 0: never
  std::string note;     // free text, may be empty
  bool operator==(const ListRecord&) const = default;

  bool expired(int64_t now) const { return expires != 0 && now >= expires; }
  // "192.0.2.0/24" or "*.example.com": the text a store key is made of.
  std::string subject_str() const;
};

// Fields longer than kMaxRecordField bytes are cut to that length.
std::string encode_record(const ListRecord& record);
std::optional<ListRecord> decode_record(std::string_view text, std::string* error = nullptr);

}  // namespace backstop::lists
