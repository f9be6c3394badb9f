// Durations ("30s", "5m", "2h", "1d", or a plain number of seconds) and byte sizes ("512K",
// "25M", "1G", or a plain number of bytes) as written in the configuration file. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace backstop::config {

// "30s", "5m", "2h", "1d", or digits alone (seconds). No sign, no blanks, no fractions.
// nullopt for anything else, or when the value does not fit in 32 bits of seconds (136 years).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest exact form: 300s -> "5m", 90s -> "90s", 0s -> "0s".
std::string format_duration(std::chrono::seconds d);

// "1048576", "512K", "25M", "1G" (binary multiples; "KiB", "MiB", "GiB" and "KB", "MB", "GB"
// mean the same; case-insensitive). nullopt for anything else or above 2^53 bytes.
std::optional<uint64_t> parse_size(std::string_view text);

// The shortest exact form: 26214400 -> "25M", 1000 -> "1000".
std::string format_size(uint64_t bytes);

}  // namespace backstop::config
