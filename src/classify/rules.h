// The pattern tables: every rule that can fire, with the field it reads, what it is evidence
// of, and its regular expression. Compiled once into one PatternSet per field (rules.cpp).
#pragma once

#include <span>
#include <string_view>

namespace backstop::classify {

enum class Field { kSubject, kFrom, kBody };

enum class Signal {
  kBounceSubject,   // subject of a non-delivery report
  kBounceFrom,      // From of a mailer daemon or postmaster
  kBounceBody,      // a phrase only non-delivery reports use
  kBounceWeak,      // a phrase typical of, but not unique to, non-delivery reports
  kDelaySubject,    // a delay warning's subject
  kAutoReplySubject,
  kAutoReplyBody,
  kChallengeBody,   // challenge-response: asks the sender to prove they are human
  kChallengeVendor, // names a challenge-response system
  kVirusSubject,
  kVirusBody,
  kVirusFrom,       // a virus scanner's notice sender
  kFeedbackSubject, // a provider's complaint notice (with the message attached)
  kFeedbackBody,    // a provider's complaint or unsubscribe notice
  kNotReply,        // mail that is automated but answers nothing (lists, trackers)
};

struct Rule {
  std::string_view name;  // shown in "evidence"
  Field field;
  Signal signal;
  std::string_view regex;
};

std::span<const Rule> rules();

}  // namespace backstop::classify
