// JSON form of a classification, one object per message (the `classify --json` output).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "classify/result.h"

namespace backstop::classify {

nlohmann::json to_json(const Classification& c, std::string_view file);

}  // namespace backstop::classify
