// Decision log formatting; see log_sink.h and docs/log-format.md.
#include "monitor/log_sink.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace backstop::monitor {
namespace {

std::string verdict_word(const policy::Event& e) {
  switch (e.action) {
    case core::Action::kReject: return "REJECT";
    case core::Action::kTempfail: return "TEMPFAIL";
    case core::Action::kDiscard: return "DISCARD";
    case core::Action::kTag: return "TAG";
    case core::Action::kAccept: return "ACCEPT";
    case core::Action::kContinue:
      return e.stage == policy::Stage::kStorm ? "STORM" : "ACCEPT";
  }
  return "ACCEPT";
}

std::string clock_time(int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

}  // namespace

void Counters::count(const policy::Event& e) {
  size_t i = static_cast<size_t>(e.reason);
  if (i >= kReasons) return;
  bool refused = e.action == core::Action::kReject || e.action == core::Action::kTempfail;
  (refused ? rejected_ : accepted_)[i]++;
}

std::string Counters::summary() const {
  std::string out;
  for (size_t i = 0; i < kReasons; ++i) {
    auto name = core::to_string(static_cast<core::Reason>(i));
    if (rejected_[i]) out += std::string(out.empty() ? "" : " ") + "rejected." + std::string(name) + "=" + std::to_string(rejected_[i]);
    if (accepted_[i]) out += std::string(out.empty() ? "" : " ") + "accepted." + std::string(name) + "=" + std::to_string(accepted_[i]);
  }
  return out;
}

std::string format_text(const policy::Event& e) {
  std::string line = clock_time(e.time, "%H:%M:%S");
  line += ' ';
  line += verdict_word(e);
  line += ' ';
  line += core::to_string(e.reason);
  if (e.stage != policy::Stage::kStorm) {
    line += ' ';
    line += e.client_host.empty() ? "unknown" : e.client_host;
    line += " [" + e.client_ip + "]";
    if (!e.sender.empty()) line += ' ' + e.sender;
    if (!e.recipient.empty()) line += " -> " + e.recipient;
    if (e.code) line += ' ' + std::to_string(e.code);
  }
  if (!e.detail.empty()) line += ' ' + e.detail;
  return line;
}

std::string format_json(const policy::Event& e) {
  nlohmann::json j;
  j["time"] = clock_time(e.time, "%Y-%m-%dT%H:%M:%SZ");
  j["stage"] = std::string(policy::to_string(e.stage));
  j["verdict"] = std::string(core::to_string(e.action));
  j["reason"] = std::string(core::to_string(e.reason));
  if (e.code) j["code"] = e.code;
  j["client_host"] = e.client_host;
  j["client_ip"] = e.client_ip;
  if (!e.helo.empty()) j["helo"] = e.helo;
  if (!e.sender.empty()) j["sender"] = e.sender;
  if (!e.recipient.empty()) j["recipient"] = e.recipient;
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void LogSink::emit(const policy::Event& e) {
  std::lock_guard lock(mu_);
  counters_.count(e);
  std::string line = format_ == LogFormat::kJson ? format_json(e) : format_text(e);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void LogSink::notice(std::string_view level, std::string_view text) {
  std::lock_guard lock(mu_);
  std::string line;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (format_ == LogFormat::kJson) {
    nlohmann::json j{{"time", clock_time(now, "%Y-%m-%dT%H:%M:%SZ")},
                     {"level", std::string(level)},
                     {"message", std::string(text)}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = clock_time(now, "%H:%M:%S") + " " + std::string(level) + " " + std::string(text);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace backstop::monitor
