// The drill's workload classes and the flags that shape them: the --mix weights, --relay,
// --recipients and --duration. Pure parsing of command-line text (trusted to be typed by the
// operator, still checked fully: every error names what is wrong).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/ip.h"

namespace backstop::drill {

// What one drill session plays. The order is the report's order.
enum class MsgClass : uint8_t {
  kBackscatter,  // bounces, auto-replies, challenge-response to forged and real local parts
  kProbe,        // sender-address-verification probe: MAIL FROM:<>, RCPT, QUIT
  kUnknown,      // spam to users that do not exist
  kLegit,        // ordinary mail to real recipients
  kLegitBounce,  // bounces of mail the domain really sent (BATV-tagged, or quoting our relay)
};
inline constexpr size_t kClassCount = 5;
inline constexpr std::array<MsgClass, kClassCount> kAllClasses = {
    MsgClass::kBackscatter, MsgClass::kProbe, MsgClass::kUnknown, MsgClass::kLegit,
    MsgClass::kLegitBounce};

// "backscatter", "probes", "unknown", "legit", "legit-bounces": the --mix names, the report's
// and the X-Drill-Class header's.
std::string_view to_string(MsgClass c);
std::optional<MsgClass> class_from_string(std::string_view name);

// Relative weights of the classes; at least one is non-zero.
struct Mix {
  std::array<uint32_t, kClassCount> weight{};
  uint32_t operator[](MsgClass c) const { return weight[static_cast<size_t>(c)]; }
  uint64_t total() const;
  bool operator==(const Mix&) const = default;
};

// The default: backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1.
Mix default_mix();

// "backscatter=90,probes=3,unknown=4,legit=2,legit-bounces=1": classes not named get weight
// 0; names are case-insensitive; blanks around items are allowed. nullopt and *error on an
// unknown class (the valid names are listed), a missing '=', a weight that is not a whole
// number 0..1000000, a class named twice, an empty item, or all weights 0.
std::optional<Mix> parse_mix(std::string_view text, std::string* error);

// "backscatter=90,probes=3,...", every class, in the report's order.
std::string format_mix(const Mix& mix);

// Picks classes in proportion to the weights, interleaved evenly (smooth weighted round robin,
// as nginx balances upstreams): with weights 90/3/4/2/1 every run of 100 picks holds exactly
// 90, 3, 4, 2 and 1, so even a short drill plays every class.
class ClassPicker {
 public:
  explicit ClassPicker(const Mix& mix) : mix_(mix) {}
  MsgClass next();

 private:
  Mix mix_;
  std::array<int64_t, kClassCount> current_{};
};

// --relay out.example.org=192.0.2.10: our outbound relay's name and address, which a
// legitimate bounce quotes as the hop the remote site received the original from.
struct Relay {
  std::string host;
  core::IpAddress ip;
};
std::optional<Relay> parse_relay(std::string_view text, std::string* error);

// --recipients a@example.org,b@example.org: real mailboxes of the target domain. Each must be
// local@domain with that domain (case-insensitive); duplicates are errors.
std::optional<std::vector<core::Address>> parse_recipients(std::string_view text,
                                                           std::string_view domain,
                                                           std::string* error);

// --duration: "30s", "2m", "1h", "500ms", or a plain number of seconds; more than 0 and at
// most 24 hours.
std::optional<std::chrono::milliseconds> parse_drill_duration(std::string_view text,
                                                              std::string* error);

}  // namespace backstop::drill
