// `backstop batv sign|verify`: BATV (prvs) tags from the command line, for scripts, for checking
// a key file, and for interop tests against Exim. Thin: flags in, batv::Prvs, one line out.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "batv/key_ring.h"
#include "batv/prvs.h"
#include "commands.h"
#include "core/clock.h"

namespace backstop::app {

namespace {

constexpr int kExitValid = 0;
constexpr int kExitNotValid = 1;
constexpr int kExitUsage = 2;
constexpr int64_t kMaxNow = 253402300799;  // 9999-12-31T23:59:59Z, a sane calendar range

struct BatvOptions {
  std::string key_file;
  int lifetime_days = batv::kDefaultLifetimeDays;
  std::optional<int64_t> now;
  std::optional<int> signing_key;
  std::string address;
};

constexpr const char* kFormatHelp =
    "A BATV tag turns user@example.org into prvs=KDDDSSSSSS=user@example.org, where\n"
    "  K       is the key number (0-9) from the key file,\n"
    "  DDD     is the expiry day: days since 1970-01-01 (UTC), mod 1000,\n"
    "  SSSSSS  is the first 3 bytes, in hex, of HMAC-SHA1(secret, \"KDDDuser@example.org\").\n"
    "Only bounces of mail we really sent come back to a tagged address with a good tag, so\n"
    "backscatter from forged senders can be refused. The format is the one Exim's ${prvs} and\n"
    "${prvscheck} use; tags interoperate both ways.\n"
    "\n"
    "KEY FILE\n"
    "  One key per line: a digit 0-9, blanks, then the secret (the rest of the line, trimmed;\n"
    "  inner blanks are part of it). Lines whose first non-blank character is '#' and blank\n"
    "  lines are ignored. The key on the LAST line signs; every listed key verifies. To rotate,\n"
    "  append a new key (it signs from then on) and delete the old one once the lifetime has\n"
    "  passed, so tags already out still verify. Keep the file private (chmod 600).\n";

constexpr const char* kSignHelp =
    "\n"
    "Prints ADDRESS with a tag made by the signing key, expiring lifetime days from today.\n"
    "With Exim verifying our tags, keep --lifetime-days at 7 or less: Exim's own check only\n"
    "handles the day counter's wrap from 999 to 000 for tags that expire within 7 days.\n"
    "The local part is signed as written; the domain is lower-cased first. An address that is\n"
    "already tagged is signed afresh (its old tag is replaced, not nested).\n"
    "\n"
    "EXIT STATUS\n"
    "  0  the tagged address was printed\n"
    "  2  usage error, unreadable or invalid key file, or ADDRESS is not local@domain\n"
    "\n"
    "EXAMPLE\n"
    "  $ printf '3 correct horse battery staple\\n' > keys; chmod 600 keys\n"
    "  $ backstop batv sign --key-file keys user@example.org\n"
    "  prvs=3788xxxxxx=user@example.org\n";

constexpr const char* kVerifyHelp =
    "\n"
    "Accepts prvs=KDDDSSSSSS=local@domain and the older prvs=local=KDDDSSSSSS@domain; the\n"
    "\"prvs=\" prefix and the hex digits may be in any case. Prints one verdict line:\n"
    "  valid ADDRESS (key K, expires YYYY-MM-DD)   good signature, inside its window\n"
    "  expired ADDRESS (key K, expired YYYY-MM-DD) good signature, outside its window\n"
    "  bad-signature ADDRESS (key K)               not made by our keys (also when key K is\n"
    "                                              not in the key file; the line says so)\n"
    "  untagged ADDRESS                            no \"prvs=\" prefix\n"
    "  malformed ADDRESS                           \"prvs=\" but not a tag (or over 512 bytes)\n"
    "ADDRESS is the bare address with the tag removed.\n"
    "\n"
    "EXPIRY\n"
    "  With today the current day number (UTC) and ahead = (DDD - today) mod 1000, a tag with a\n"
    "  good signature is valid when ahead <= lifetime (through the end of day today + ahead);\n"
    "  otherwise it expired on day today + ahead - 1000. So the wrap from day 999 to 000 is\n"
    "  seamless; a tag only comes back when its day stamp repeats, 1000 days after it was made.\n"
    "\n"
    "EXIT STATUS\n"
    "  0  valid\n"
    "  1  expired, bad-signature, untagged or malformed\n"
    "  2  usage error, unreadable or invalid key file\n";

void usage_error(const std::string& message) {
  fmt::print(stderr, "backstop batv: {}\n", message);
}

// "2026-12-01" for a day number since 1970-01-01.
std::string format_day(int64_t day) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// Loads the key file and checks the flags; nullopt after printing why (exit status 2).
std::optional<batv::Prvs> build(const BatvOptions& o) {
  if (o.key_file.empty()) {
    usage_error("--key-file is required (run with --help for its format)");
    return std::nullopt;
  }
  if (o.address.empty()) {
    usage_error("an ADDRESS is required");
    return std::nullopt;
  }
  if (o.now && (*o.now < 0 || *o.now > kMaxNow)) {
    usage_error(fmt::format("--now must be between 0 and {} (9999-12-31)", kMaxNow));
    return std::nullopt;
  }
  batv::KeyRingResult loaded = batv::load_key_ring(o.key_file);
  if (!loaded.ring) {
    for (const auto& e : loaded.errors) {
      if (e.line > 0)
        usage_error(fmt::format("{}:{}: {}", o.key_file, e.line, e.message));
      else
        usage_error(e.message);
    }
    return std::nullopt;
  }
  if (o.signing_key && !loaded.ring->set_signing(*o.signing_key)) {
    usage_error(fmt::format("--signing-key {}: no such key in {}", *o.signing_key, o.key_file));
    return std::nullopt;
  }
  std::string error;
  auto prvs = batv::Prvs::make(std::move(*loaded.ring), o.lifetime_days, &error);
  if (!prvs) usage_error("--lifetime-days: " + error);
  return prvs;
}

int run_sign(const BatvOptions& o, const core::Clock& clock) {
  const auto prvs = build(o);
  if (!prvs) return kExitUsage;
  const auto tagged = prvs->sign(o.address, clock);
  if (!tagged) {
    usage_error(
        fmt::format("cannot sign '{}': not local@domain, control characters, or longer "
                    "than {} bytes once tagged",
                    o.address, batv::kMaxAddressLength));
    return kExitUsage;
  }
  fmt::print("{}\n", *tagged);
  return 0;
}

int run_verify(const BatvOptions& o, const core::Clock& clock) {
  const auto prvs = build(o);
  if (!prvs) return kExitUsage;
  const batv::Verification v = prvs->verify(o.address, clock);
  const std::string_view verdict = batv::to_string(v.status);
  switch (v.status) {
    case batv::Status::kValid:
      fmt::print("{} {} (key {}, expires {})\n", verdict, v.address, v.key,
                 format_day(v.expiry_day));
      return kExitValid;
    case batv::Status::kExpired:
      fmt::print("{} {} (key {}, expired {})\n", verdict, v.address, v.key,
                 format_day(v.expiry_day));
      break;
    case batv::Status::kBadSignature:
      fmt::print("{} {} (key {}{})\n", verdict, v.address, v.key,
                 v.key_known ? "" : ", not in the key file");
      break;
    case batv::Status::kUntagged:
    case batv::Status::kMalformed:
      fmt::print("{} {}\n", verdict, v.address);
      break;
  }
  return kExitNotValid;
}

// The flags both commands share.
void add_common(CLI::App* cmd, BatvOptions& o, const std::string& address_help) {
  cmd->add_option("--key-file", o.key_file, "Key file of 'K secret' lines (see below). Required.")
      ->type_name("FILE");
  cmd->add_option("--lifetime-days", o.lifetime_days,
                  "Days a tag stays valid after it is made, 1-998 (default 7, as Exim).")
      ->type_name("N");
  cmd->add_option("--now", o.now, "Pretend the time is UNIXTIME (seconds since 1970); for tests.")
      ->type_name("UNIXTIME")
      ->group("Testing");
  cmd->add_option("ADDRESS", o.address, address_help)->type_name("");
}

}  // namespace

void register_batv(CLI::App& app, Runner& run) {
  CLI::App* batv = app.add_subcommand(
      "batv", "Sign and verify BATV (prvs) envelope-sender tags, compatible with Exim.");
  batv->require_subcommand(1);
  batv->footer(kFormatHelp);

  auto sign_opts = std::make_shared<BatvOptions>();
  CLI::App* sign = batv->add_subcommand("sign", "Print ADDRESS with a BATV tag.");
  add_common(sign, *sign_opts, "The envelope sender to tag, local@domain. Required.");
  sign->add_option("--signing-key", sign_opts->signing_key,
                   "Sign with key K, not the key on the key file's last line.")
      ->type_name("K");
  sign->footer(std::string(kSignHelp) + "\n" + kFormatHelp);
  sign->callback([&run, sign_opts] {
    run = [sign_opts] {
      const core::SystemClock system;
      const core::FixedClock fixed(sign_opts->now.value_or(0));
      return run_sign(*sign_opts, sign_opts->now ? static_cast<const core::Clock&>(fixed)
                                                 : static_cast<const core::Clock&>(system));
    };
  });

  auto verify_opts = std::make_shared<BatvOptions>();
  CLI::App* verify =
      batv->add_subcommand("verify", "Check the BATV tag of ADDRESS; exit 0 only if it is valid.");
  add_common(verify, *verify_opts, "The (tagged) address to check. Required.");
  verify->footer(std::string(kVerifyHelp) + "\n" + kFormatHelp);
  verify->callback([&run, verify_opts] {
    run = [verify_opts] {
      const core::SystemClock system;
      const core::FixedClock fixed(verify_opts->now.value_or(0));
      return run_verify(*verify_opts, verify_opts->now ? static_cast<const core::Clock&>(fixed)
                                                       : static_cast<const core::Clock&>(system));
    };
  });
}

}  // namespace backstop::app
