// The drill's message pools: real mail sorted into what each class sends (backscatter
// templates, legitimate bounces carrying our evidence, ham, spam), from a labelled corpus or
// by the classifier. Corpus mail is untrusted; a message that cannot be used is counted and
// left out, never half-used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batv/prvs.h"
#include "classify/classifier.h"
#include "core/address.h"
#include "drill/mix.h"
#include "drill/readdress.h"

namespace backstop::drill {

// Bigger messages are left out of the pools (a drill measures the SMTP transaction, not
// bandwidth; real backscatter quotes at most the original's headers or a bounded copy).
inline constexpr size_t kMaxPoolMessageBytes = 1u << 20;

// One row of the corpus's labels.tsv: "path<TAB>class<TAB>...", a header row "path\tclass".
struct LabelledPath {
  std::string path;
  std::string label;  // "bounce", "autoreply", "challenge-response", "virus-notice", "ham", ...
};
std::vector<LabelledPath> parse_labels(std::string_view tsv);

// The labels whose messages the drill uses ("bounce", "autoreply", "challenge-response",
// "virus-notice" for backscatter; "ham"; "spam").
bool is_backscatter_label(std::string_view label);
bool is_used_label(std::string_view label);

struct WorkloadConfig {
  std::string domain;                     // the target domain, lower-case
  std::vector<core::Address> recipients;  // its real mailboxes; at least one
  std::optional<batv::Prvs> prvs;         // the target's keys: tags for legitimate bounces
  std::optional<Relay> relay;             // the target's outbound relay
  int64_t now = 0;                        // Unix time for dates and BATV days
  std::string token;                      // this run's id, in every X-Drill-Id
};

struct PoolCounts {
  size_t read = 0;
  size_t backscatter = 0;      // bounce-class templates
  size_t bounces = 0;          // of those, bounces (DSNs and NDRs): the BATV legitimate bounces
  size_t relay_bounces = 0;    // corpus bounces with our relay's hop inserted and verified
  size_t relay_synthetic = 0;  // written from scratch because no corpus bounce could take it
  size_t legit = 0;
  size_t spam = 0;
  size_t too_large = 0;
  size_t unreadable = 0;     // no header block
  size_t quotes_relay = 0;   // bounces naming our relay's address: legitimate, not backscatter
  size_t ham_not_clean = 0;  // labelled ham that the classifier calls bounce-class
  size_t other = 0;          // classes the drill does not send (feedback reports, fragments)
};

// The pools, immutable once built; shared by every session thread.
struct Workload {
  WorkloadConfig cfg;
  std::vector<Template> backscatter;
  std::vector<uint32_t> bounces;  // indices into backscatter of the bounces
  std::vector<Template> relay_bounces;
  struct Plain {
    std::string text;    // normalized, delivery fields removed
    std::string sender;  // envelope sender from its From field; empty: make one up
  };
  std::vector<Plain> legit;
  std::vector<Plain> spam;
  std::vector<std::string> tagged;  // tagged[i]: a BATV tag of recipients[i] (empty: no key)
  PoolCounts counts;

  // Why the mix cannot be played with these pools (a class with weight and nothing to send),
  // or nullopt when it can.
  std::optional<std::string> check(const Mix& mix) const;
};

// Sorts messages into pools. add() as many as wanted, then finish().
class PoolBuilder {
 public:
  PoolBuilder(const classify::Classifier& classifier, WorkloadConfig cfg);
  // label: the corpus's class, or empty to have the classifier decide (then "none" goes to the
  // ham and the spam pools alike; the content of mail to unknown users hardly matters).
  void add(std::string_view bytes, std::string_view label);
  // Adds synthetic relay bounces when the corpus gave none, signs the recipients' tags.
  Workload finish() &&;
  const PoolCounts& counts() const { return w_.counts; }

 private:
  void add_backscatter(std::string_view raw, const classify::Classification& c, bool is_bounce);
  void add_relay_bounce(const std::string& normalized, const classify::Classification& c);
  bool relay_hop_verified(const Template& t) const;
  bool names_relay(std::string_view raw) const;
  std::string sender_of(std::string_view normalized) const;

  const classify::Classifier& classifier_;
  Workload w_;
  static constexpr size_t kMaxRelayBounces = 200;
};

}  // namespace backstop::drill
