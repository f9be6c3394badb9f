// Internal to the config module: the sections added for the other front ends (milter, Postfix
// policy, DNS lists, UDP reports) and the reputation layer (reasons, automatic listing,
// greylisting, the store). load.cpp calls these after the shield's own sections.
#pragma once

#include <toml++/toml.h>

#include "config/config.h"
#include "config/reader.h"
#include "config/values.h"

namespace backstop::config::detail {

// [milter], [policy], [dns] listen/zones, [report].
void read_front_ends(const toml::table& root, Sink& sink, const Paths& paths, Config& c);
// [[reasons]], [autolist], [greylist], [store]; and [batv] sign_domains' default.
void read_reputation(const toml::table& root, Sink& sink, const Paths& paths, Config& c);

// The reasons every configuration has unless a [[reasons]] table of the same name changes it.
std::vector<ReasonConfig> default_reasons();

}  // namespace backstop::config::detail
