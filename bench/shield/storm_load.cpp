// storm_load: plays the reject path of a backscatter storm against an SMTP server on loopback,
// for the shield benchmark (bench/shield/run.sh, docs/benchmarks.md "Shield reject path").
//
// Each session: connect (from a random 127.x.y.z source, so TIME_WAIT does not cap the run),
// greeting, EHLO, MAIL FROM:<>, RCPT TO:<--rcpt>, DATA, a real bounce (a built-in RFC 3464 DSN
// of about 4 kB, or the --message files in turn), end of data (a shield should answer 550),
// QUIT. It counts every reply by stage and code, the errors, and the latency of whole sessions
// and of the end-of-data reply.
//
// --idle instead holds sessions open after EHLO (for the memory per idle session), writes
// --ready-file once all are established, and QUITs them after --hold seconds.
//
// It bounds itself: --duration (at most 3600 s) and --sessions (in all), a time limit on every
// reply (--timeout), and a hard stop at duration + timeout. It only talks to loopback targets.
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUse = asio::experimental::as_tuple(asio::use_awaitable);

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  tcp::endpoint target{asio::ip::make_address("127.0.0.1"), 2525};
  std::string target_text = "127.0.0.1:2525";
  int concurrency = 50;
  int threads = 1;
  double duration = 10;
  uint64_t sessions = 1'000'000;
  std::string rcpt = "info@example.org";
  std::string helo = "mta7.bounces.example.net";
  std::vector<std::string> message_files;
  bool pipelining = false;
  bool json = false;
  bool idle = false;
  double hold = 20;
  double timeout = 10;
  std::string ready_file;
  bool spread = true;
  bool print_message = false;
};

constexpr int kMaxConcurrency = 20000;
constexpr int kMaxThreads = 64;
constexpr double kMaxDuration = 3600;
constexpr uint64_t kMaxSessions = 100'000'000;

void usage(FILE* f) {
  std::fputs(
      "usage: storm_load [OPTIONS]\n"
      "Plays the reject path of a backscatter storm against a loopback SMTP server: connect,\n"
      "EHLO, MAIL FROM:<>, RCPT TO:<rcpt>, DATA, a bounce, (expects 550), QUIT.\n"
      "  --target HOST:PORT   loopback address only (127.0.0.0/8, ::1); default 127.0.0.1:2525\n"
      "  --concurrency N      sessions in flight (default 50, at most 20000)\n"
      "  --threads N          client threads, each with its own event loop (default 1)\n"
      "  --duration S         stop starting sessions after S seconds (default 10, at most 3600)\n"
      "  --sessions N         stop after N sessions in all (default 1000000)\n"
      "  --rcpt ADDR          the recipient (default info@example.org)\n"
      "  --helo NAME          the EHLO name (default mta7.bounces.example.net)\n"
      "  --message FILE       a message to send (repeatable; used in turn); default: a built-in\n"
      "                       RFC 3464 DSN of about 4 kB quoting forged spam\n"
      "  --pipelining         send MAIL, RCPT and DATA in one write (RFC 2920)\n"
      "  --timeout S          time allowed for each reply (default 10)\n"
      "  --no-spread          do not bind to random 127.x.y.z source addresses\n"
      "  --idle               connect and EHLO --concurrency sessions, hold them --hold seconds\n"
      "                       (default 20), then QUIT; --ready-file FILE is written when all\n"
      "                       are established\n"
      "  --json               print the report as one JSON object\n"
      "  --print-message      print the built-in bounce (for --rcpt) and exit\n",
      f);
}

bool parse_number(const char* s, double& out) {
  char* end = nullptr;
  out = std::strtod(s, &end);
  return end && *end == '\0' && end != s;
}

// HOST:PORT or [V6]:PORT, numeric only, and loopback only.
bool parse_target(const std::string& text, tcp::endpoint& ep, std::string& error) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto rb = text.find(']');
    if (rb == std::string::npos || rb + 1 >= text.size() || text[rb + 1] != ':') {
      error = "expected [address]:port";
      return false;
    }
    host = text.substr(1, rb - 1);
    port = text.substr(rb + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      error = "expected address:port";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  asio::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    error = "not a numeric address: '" + host + "'";
    return false;
  }
  if (!addr.is_loopback()) {
    error = "refusing non-loopback target " + host + " (this is a load generator)";
    return false;
  }
  double p = 0;
  if (!parse_number(port.c_str(), p) || p < 1 || p > 65535 || p != static_cast<int>(p)) {
    error = "bad port '" + port + "'";
    return false;
  }
  ep = tcp::endpoint(addr, static_cast<uint16_t>(p));
  return true;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  auto fail = [](const std::string& msg) -> std::optional<Options> {
    std::fprintf(stderr, "storm_load: %s\n", msg.c_str());
    usage(stderr);
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    auto number = [&](double lo, double hi, double& out) {
      const char* v = value();
      return v && parse_number(v, out) && out >= lo && out <= hi;
    };
    double d = 0;
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--target") {
      const char* v = value();
      std::string err;
      if (!v) return fail("--target needs HOST:PORT");
      if (!parse_target(v, o.target, err)) return fail("--target " + std::string(v) + ": " + err);
      o.target_text = v;
    } else if (a == "--concurrency") {
      if (!number(1, kMaxConcurrency, d)) return fail("--concurrency: 1 to 20000");
      o.concurrency = static_cast<int>(d);
    } else if (a == "--threads") {
      if (!number(1, kMaxThreads, d)) return fail("--threads: 1 to 64");
      o.threads = static_cast<int>(d);
    } else if (a == "--duration") {
      if (!number(0.1, kMaxDuration, d)) return fail("--duration: 0.1 to 3600 seconds");
      o.duration = d;
    } else if (a == "--sessions") {
      if (!number(1, static_cast<double>(kMaxSessions), d)) return fail("--sessions: 1 to 1e8");
      o.sessions = static_cast<uint64_t>(d);
    } else if (a == "--rcpt") {
      const char* v = value();
      if (!v || !std::strchr(v, '@') || std::strpbrk(v, "<> \r\n")) return fail("--rcpt ADDR");
      o.rcpt = v;
    } else if (a == "--helo") {
      const char* v = value();
      if (!v || !*v || std::strpbrk(v, " \r\n")) return fail("--helo NAME");
      o.helo = v;
    } else if (a == "--message") {
      const char* v = value();
      if (!v) return fail("--message FILE");
      o.message_files.emplace_back(v);
    } else if (a == "--pipelining") {
      o.pipelining = true;
    } else if (a == "--timeout") {
      if (!number(0.1, 600, d)) return fail("--timeout: 0.1 to 600 seconds");
      o.timeout = d;
    } else if (a == "--no-spread") {
      o.spread = false;
    } else if (a == "--idle") {
      o.idle = true;
    } else if (a == "--hold") {
      if (!number(0, kMaxDuration, d)) return fail("--hold: 0 to 3600 seconds");
      o.hold = d;
    } else if (a == "--ready-file") {
      const char* v = value();
      if (!v) return fail("--ready-file FILE");
      o.ready_file = v;
    } else if (a == "--print-message") {
      o.print_message = true;
    } else if (a == "--json") {
      o.json = true;
    } else {
      return fail("unknown option " + a);
    }
  }
  if (o.threads > o.concurrency) o.threads = o.concurrency;
  if (o.target.address().is_v6()) o.spread = false;  // ::1 is the only v6 loopback address
  return o;
}

// ---------------------------------------------------------------------------------------------
// Messages

// A Postfix-style RFC 3464 DSN for a spam run that forged RCPT as its sender: the kind of
// bounce a storm is made of. It carries no evidence of our own mail (no BATV tag, no Received
// line from our relays), so a shield must refuse it at end of data.
std::string builtin_bounce(const std::string& rcpt) {
  std::string domain = rcpt.substr(rcpt.find('@') + 1);
  std::string t =
      "Received: from mx-out3.mail.example.net (mx-out3.mail.example.net [198.51.100.23])\n"
      "\tby mta7.bounces.example.net (Postfix) with ESMTP id 4Xk2Lq0Zt7z9v\n"
      "\tfor <RCPT>; Tue, 24 Nov 2026 01:32:07 +0000 (UTC)\n"
      "Date: Tue, 24 Nov 2026 01:32:07 +0000 (UTC)\n"
      "From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\n"
      "Subject: Undelivered Mail Returned to Sender\n"
      "To: RCPT\n"
      "Auto-Submitted: auto-replied\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status;\n"
      "\tboundary=\"4Xk2Lq0Zt7z9v.1795483927/mail.example.net\"\n"
      "Content-Transfer-Encoding: 8bit\n"
      "Message-Id: <20261124013207.4Xk2Lq0Zt7z9v@mail.example.net>\n"
      "\n"
      "This is a MIME-encapsulated message.\n"
      "\n"
      "--4Xk2Lq0Zt7z9v.1795483927/mail.example.net\n"
      "Content-Description: Notification\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "This is the mail system at host mail.example.net.\n"
      "\n"
      "I'm sorry to have to inform you that your message could not\n"
      "be delivered to one or more recipients. It's attached below.\n"
      "\n"
      "For further assistance, please send mail to postmaster.\n"
      "\n"
      "If you do so, please include this problem report. You can\n"
      "delete your own text from the attached returned message.\n"
      "\n"
      "                   The mail system\n"
      "\n"
      "<k.lindqvist@example.net>: host mx1.example.net[198.51.100.40] said: 550 5.1.1\n"
      "    <k.lindqvist@example.net>: Recipient address rejected: User unknown in\n"
      "    virtual mailbox table (in reply to RCPT TO command)\n"
      "\n"
      "--4Xk2Lq0Zt7z9v.1795483927/mail.example.net\n"
      "Content-Description: Delivery report\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mail.example.net\n"
      "X-Postfix-Queue-ID: 4Xk2Lq0Zt7z9v\n"
      "X-Postfix-Sender: rfc822; RCPT\n"
      "Arrival-Date: Tue, 24 Nov 2026 01:32:05 +0000 (UTC)\n"
      "\n"
      "Final-Recipient: rfc822; k.lindqvist@example.net\n"
      "Original-Recipient: rfc822;k.lindqvist@example.net\n"
      "Action: failed\n"
      "Status: 5.1.1\n"
      "Remote-MTA: dns; mx1.example.net\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <k.lindqvist@example.net>: Recipient address\n"
      "    rejected: User unknown in virtual mailbox table\n"
      "\n"
      "--4Xk2Lq0Zt7z9v.1795483927/mail.example.net\n"
      "Content-Description: Undelivered Message\n"
      "Content-Type: message/rfc822\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "Return-Path: <RCPT>\n"
      "Received: from [203.0.113.87] (unknown [203.0.113.87])\n"
      "\tby mail.example.net (Postfix) with ESMTP id 4Xk2Lq0Zt7z9v\n"
      "\tfor <k.lindqvist@example.net>; Tue, 24 Nov 2026 01:32:05 +0000 (UTC)\n"
      "Received: from dsl-87.pool.example.com (dsl-87.pool.example.com [203.0.113.87])\n"
      "\tby [203.0.113.87] with SMTP id 1a2b3c4d5e6f; Tue, 24 Nov 2026 02:31:58 +0100\n"
      "Message-ID: <7f3a9c01e2b4d5.4711@DOMAIN>\n"
      "Date: Tue, 24 Nov 2026 02:31:58 +0100\n"
      "From: \"Pharmacy Online\" <RCPT>\n"
      "To: <k.lindqvist@example.net>\n"
      "Subject: Your exclusive 80% discount is waiting\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"----=_NextPart_000_0012_01DA1E2B\"\n"
      "X-Mailer: Microsoft Outlook Express 6.00.2900.5512\n"
      "\n"
      "This is a multi-part message in MIME format.\n"
      "\n"
      "------=_NextPart_000_0012_01DA1E2B\n"
      "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
      "Content-Transfer-Encoding: 7bit\n"
      "\n"
      "Dear customer,\n"
      "\n"
      "Only this week: every order ships free, discreet packaging, no prescription\n"
      "needed. Save up to 80% on the brands you know. Our pharmacists answer your\n"
      "questions around the clock.\n"
      "\n"
      "Visit http://pharma-deals.example.com/offer?id=4711 and enter your code\n"
      "SAVE80 at checkout.\n"
      "\n"
      "To stop receiving these offers, reply with REMOVE in the subject line.\n"
      "\n"
      "------=_NextPart_000_0012_01DA1E2B\n"
      "Content-Type: text/html; charset=\"iso-8859-1\"\n"
      "Content-Transfer-Encoding: 7bit\n"
      "\n"
      "<html><body><p>Dear customer,</p>\n"
      "<p>Only this week: every order ships free, discreet packaging, no prescription\n"
      "needed. Save up to <b>80%</b> on the brands you know.</p>\n"
      "<p><a href=\"http://pharma-deals.example.com/offer?id=4711\">Order now</a> and enter\n"
      "your code <b>SAVE80</b> at checkout.</p>\n"
      "<p>To stop receiving these offers, reply with REMOVE in the subject line.</p>\n"
      "</body></html>\n"
      "\n"
      "------=_NextPart_000_0012_01DA1E2B--\n"
      "\n"
      "--4Xk2Lq0Zt7z9v.1795483927/mail.example.net--\n";
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = t.find(from, p)) != std::string::npos; p += to.size())
      t.replace(p, from.size(), to);
  };
  replace_all("RCPT", rcpt);
  replace_all("DOMAIN", domain);
  return t;
}

// The DATA payload: CRLF line ends, dot-stuffed (RFC 5321 4.5.2), and the final ".".
std::string data_payload(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 8);
  bool line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n') {
      if (out.empty() || out.back() != '\r') out += '\r';
      out += '\n';
      line_start = true;
      continue;
    }
    if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) {
      out += "\r\n";  // a bare CR ends a line too
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!out.empty() && !(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0))
    out += "\r\n";
  out += ".\r\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics

enum Stage { kGreeting, kEhlo, kMail, kRcpt, kData, kEod, kQuit, kStages };
constexpr std::array<const char*, kStages> kStageNames = {"greeting", "ehlo", "mail", "rcpt",
                                                          "data",     "eod",  "quit"};

struct Stats {
  uint64_t started = 0;    // sessions begun (connect attempted)
  uint64_t completed = 0;  // sessions that got a reply to QUIT (or were closed by the server
                           // after a final reply) without a transport error
  uint64_t failed = 0;     // sessions ended by an error (refused, reset, timeout, EOF)
  uint64_t bytes_sent = 0;
  uint64_t idle_established = 0;
  std::array<std::array<uint64_t, 600>, kStages> replies{};
  std::map<std::string, uint64_t> errors;
  std::vector<uint32_t> session_us;
  std::vector<uint32_t> eod_us;

  void merge(const Stats& o) {
    started += o.started;
    completed += o.completed;
    failed += o.failed;
    bytes_sent += o.bytes_sent;
    idle_established += o.idle_established;
    for (int s = 0; s < kStages; ++s)
      for (int c = 0; c < 600; ++c) replies[s][c] += o.replies[s][c];
    for (const auto& [k, v] : o.errors) errors[k] += v;
    session_us.insert(session_us.end(), o.session_us.begin(), o.session_us.end());
    eod_us.insert(eod_us.end(), o.eod_us.begin(), o.eod_us.end());
  }
};

// Shared by all threads.
struct Shared {
  const Options& opt;
  std::vector<std::string> payloads;
  Clock::time_point t0;
  Clock::time_point stop_starting;  // no new sessions after this
  Clock::time_point hard_stop;      // everything still open is closed at this time
  std::atomic<uint64_t> claimed{0};
  std::atomic<uint64_t> next_payload{0};
  std::atomic<int> idle_pending{0};  // --idle: sessions not yet established (or failed)
  std::atomic<uint64_t> idle_established{0};

  explicit Shared(const Options& o) : opt(o) {}
  bool claim() {
    if (Clock::now() >= stop_starting) return false;
    return claimed.fetch_add(1, std::memory_order_relaxed) < opt.sessions;
  }
};

// ---------------------------------------------------------------------------------------------
// Client

// One worker's connection slot; the per-thread sweeper closes a socket whose deadline passed.
struct Slot {
  std::optional<tcp::socket> sock;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
};

class ThreadLoop {
 public:
  ThreadLoop(Shared& shared, int workers, uint64_t seed)
      : shared_(shared), io_(1), sweeper_(io_), hold_(io_), rng_(seed), slots_(workers) {
    hold_.expires_at(Clock::time_point::max());
  }
  void run();
  // --idle: lets the held sessions go on to QUIT (from any thread).
  void release() {
    asio::post(io_, [this] {
      released_ = true;
      hold_.cancel();
    });
  }
  Stats& stats() { return stats_; }

 private:
  asio::awaitable<void> worker(int index);
  asio::awaitable<bool> session(Slot& slot, bool idle);
  void sweep();
  asio::ip::address_v4 random_source() {
    uint32_t r = static_cast<uint32_t>(rng_());
    uint32_t x = (r >> 8) & 0xff, y = (r >> 16) & 0xff, z = 1 + (r & 0xff) % 254;
    return asio::ip::address_v4((127u << 24) | (x << 16) | (y << 8) | z);
  }

  Shared& shared_;
  asio::io_context io_;
  asio::steady_timer sweeper_;
  asio::steady_timer hold_;
  std::mt19937_64 rng_;
  std::vector<Slot> slots_;
  Stats stats_;
  int running_ = 0;
  bool released_ = false;
};

// Reads one (possibly multi-line) reply from sock into code; false on a transport error.
struct ReplyReader {
  std::string buf;
  size_t start = 0;

  // A complete reply at the front of buf: its code, and consumes it. -1 if none yet.
  int take() {
    size_t pos = start;
    while (true) {
      size_t nl = buf.find('\n', pos);
      if (nl == std::string::npos) return -1;
      std::string_view line(buf.data() + pos, nl - pos);
      bool last = line.size() < 4 || line[3] != '-';
      if (last) {
        int code = -2;  // malformed
        if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
            std::isdigit(static_cast<unsigned char>(line[1])) &&
            std::isdigit(static_cast<unsigned char>(line[2])))
          code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        start = nl + 1;
        if (start == buf.size()) {
          buf.clear();
          start = 0;
        }
        return code;
      }
      pos = nl + 1;
    }
  }

  asio::awaitable<int> read(tcp::socket& sock, std::string& error) {
    while (true) {
      int code = take();
      if (code != -1) {
        if (code == -2) error = "malformed reply";
        co_return code < 0 ? -1 : code;
      }
      if (start > 0) {
        buf.erase(0, start);
        start = 0;
      }
      if (buf.size() > 65536) {
        error = "reply longer than 64 KiB";
        co_return -1;
      }
      char chunk[2048];
      auto [ec, n] = co_await sock.async_read_some(asio::buffer(chunk), kUse);
      if (ec) {
        error = ec == asio::error::eof ? "connection closed by server" : ec.message();
        co_return -1;
      }
      buf.append(chunk, n);
    }
  }
};

uint32_t micros_since(Clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
  return us > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(us);
}

void ThreadLoop::run() {
  running_ = static_cast<int>(slots_.size());
  for (int i = 0; i < static_cast<int>(slots_.size()); ++i)
    asio::co_spawn(io_, worker(i), asio::detached);
  sweep();
  io_.run();
}

// Every 50 ms: close sockets past their deadline, and everything at the hard stop.
void ThreadLoop::sweep() {
  auto now = Clock::now();
  bool hard = now >= shared_.hard_stop;
  for (auto& s : slots_) {
    if (s.sock && s.sock->is_open() && (hard || now >= s.deadline)) {
      s.timed_out = true;
      asio::error_code ec;
      s.sock->close(ec);
    }
  }
  if (hard) hold_.cancel();
  if (running_ == 0) return;
  sweeper_.expires_after(std::chrono::milliseconds(50));
  sweeper_.async_wait([this](const asio::error_code& ec) {
    if (!ec) sweep();
  });
}

asio::awaitable<void> ThreadLoop::worker(int index) {
  Slot& slot = slots_[index];
  if (shared_.opt.idle) {
    if (shared_.claim()) co_await session(slot, true);
  } else {
    while (shared_.claim()) co_await session(slot, false);
  }
  if (--running_ == 0) sweeper_.cancel();
}

asio::awaitable<bool> ThreadLoop::session(Slot& slot, bool idle) {
  const Options& opt = shared_.opt;
  auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.timeout));
  ++stats_.started;
  auto t_start = Clock::now();
  slot.timed_out = false;
  slot.sock.emplace(io_);
  tcp::socket& sock = *slot.sock;
  ReplyReader reader;
  std::string error;
  Stage stage = kGreeting;
  bool connected = false;
  bool idle_counted = false;
  auto arm = [&] { slot.deadline = Clock::now() + timeout; };
  auto finish = [&](bool ok) {
    slot.deadline = Clock::time_point::max();
    if (!ok) {
      ++stats_.failed;
      std::string what = slot.timed_out ? std::string("timeout") : error;
      ++stats_.errors[std::string(connected ? kStageNames[stage] : "connect") + ": " + what];
    } else {
      ++stats_.completed;
      if (!idle) stats_.session_us.push_back(micros_since(t_start));
    }
    if (idle && !idle_counted) {
      idle_counted = true;  // a failed idle session no longer holds up the ready signal
      --shared_.idle_pending;
    }
    asio::error_code ec;
    sock.close(ec);
    slot.sock.reset();
    return ok;
  };
  auto send = [&](std::string_view data) -> asio::awaitable<bool> {
    arm();
    auto [ec, n] = co_await asio::async_write(sock, asio::buffer(data.data(), data.size()), kUse);
    stats_.bytes_sent += n;
    if (ec) {
      error = ec.message();
      co_return false;
    }
    co_return true;
  };
  auto reply = [&](Stage s) -> asio::awaitable<int> {
    stage = s;
    arm();
    int code = co_await reader.read(sock, error);
    if (code >= 0 && code < 600) ++stats_.replies[s][code];
    co_return code;
  };

  // Connect, from a random 127.x.y.z so that each source address has its own port range.
  arm();
  asio::error_code ec;
  for (int attempt = 0;; ++attempt) {
    sock.open(opt.target.protocol(), ec);
    if (ec) break;
    if (opt.spread) {
      int one = 1;
#ifdef IP_BIND_ADDRESS_NO_PORT
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
      sock.bind(tcp::endpoint(random_source(), 0), ec);
      if (ec) break;
    }
    std::tie(ec) = co_await sock.async_connect(opt.target, kUse);
    if (!ec || attempt >= 3 || slot.timed_out ||
        (ec != asio::error::address_in_use && ec.value() != EADDRNOTAVAIL))
      break;
    asio::error_code ignored;
    sock.close(ignored);
  }
  if (ec) {
    error = ec.message();
    co_return finish(false);
  }
  connected = true;
  sock.set_option(tcp::no_delay(true), ec);

  int code = co_await reply(kGreeting);
  if (code < 0) co_return finish(false);
  bool go = code == 220;
  if (go) {
    if (!co_await send("EHLO " + opt.helo + "\r\n")) co_return finish(false);
    code = co_await reply(kEhlo);
    if (code < 0) co_return finish(false);
    go = code == 250;
  }
  if (idle) {
    idle_counted = true;
    if (go) {
      ++stats_.idle_established;
      ++shared_.idle_established;
    }
    --shared_.idle_pending;
    slot.deadline = shared_.hard_stop;
    if (!released_) {
      auto [hec] = co_await hold_.async_wait(kUse);
      (void)hec;
    }
    if (slot.timed_out) co_return finish(false);
    go = false;  // straight to QUIT
  }
  if (go) {
    const std::string& payload =
        shared_.payloads[shared_.next_payload.fetch_add(1, std::memory_order_relaxed) %
                         shared_.payloads.size()];
    std::string mail = "MAIL FROM:<>\r\n";
    std::string rcpt = "RCPT TO:<" + opt.rcpt + ">\r\n";
    int mail_code, rcpt_code, data_code;
    if (opt.pipelining) {
      if (!co_await send(mail + rcpt + "DATA\r\n")) co_return finish(false);
      if ((mail_code = co_await reply(kMail)) < 0) co_return finish(false);
      if ((rcpt_code = co_await reply(kRcpt)) < 0) co_return finish(false);
      if ((data_code = co_await reply(kData)) < 0) co_return finish(false);
    } else {
      if (!co_await send(mail)) co_return finish(false);
      if ((mail_code = co_await reply(kMail)) < 0) co_return finish(false);
      rcpt_code = data_code = 0;
      if (mail_code == 250) {
        if (!co_await send(rcpt)) co_return finish(false);
        if ((rcpt_code = co_await reply(kRcpt)) < 0) co_return finish(false);
        if (rcpt_code == 250) {
          if (!co_await send("DATA\r\n")) co_return finish(false);
          if ((data_code = co_await reply(kData)) < 0) co_return finish(false);
        }
      }
    }
    if (data_code == 354) {
      if (!co_await send(payload)) co_return finish(false);
      auto t_eod = Clock::now();
      if ((code = co_await reply(kEod)) < 0) co_return finish(false);
      stats_.eod_us.push_back(micros_since(t_eod));
    }
  }
  if (!co_await send("QUIT\r\n")) co_return finish(false);
  if ((code = co_await reply(kQuit)) < 0) co_return finish(false);
  co_return finish(true);
}

// ---------------------------------------------------------------------------------------------
// Report

uint32_t percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += c;
    }
  }
  return out;
}

void report(const Options& opt, Stats& st, double wall, size_t payload_bytes) {
  double rate = wall > 0 ? static_cast<double>(st.completed) / wall : 0;
  struct Lat {
    uint32_t p50, p90, p99, max;
  };
  auto lat = [](std::vector<uint32_t>& v) {
    Lat l{percentile(v, 50), percentile(v, 90), percentile(v, 99), 0};
    if (!v.empty()) l.max = *std::max_element(v.begin(), v.end());
    return l;
  };
  Lat ls = lat(st.session_us), le = lat(st.eod_us);
  uint64_t eod_5xx = 0, eod_250 = 0;
  for (int c = 500; c < 600; ++c) eod_5xx += st.replies[kEod][c];
  eod_250 = st.replies[kEod][250];

  if (opt.json) {
    std::printf(
        "{\"target\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,\"threads\":%d,"
        "\"pipelining\":%s,\"message_bytes\":%zu,\"wall_s\":%.3f,"
        "\"sessions_started\":%" PRIu64 ",\"sessions_completed\":%" PRIu64
        ",\"sessions_failed\":%" PRIu64 ",\"sessions_per_s\":%.1f,\"bytes_sent\":%" PRIu64
        ",\"idle_established\":%" PRIu64 ",\"eod_5xx\":%" PRIu64 ",\"eod_250\":%" PRIu64 ",",
        json_escape(opt.target_text).c_str(), opt.idle ? "idle" : "storm", opt.concurrency,
        opt.threads, opt.pipelining ? "true" : "false", payload_bytes, wall, st.started,
        st.completed, st.failed, rate, st.bytes_sent, st.idle_established, eod_5xx, eod_250);
    std::printf("\"replies\":{");
    const char* sep = "";
    for (int s = 0; s < kStages; ++s) {
      const char* inner = "";
      for (int c = 0; c < 600; ++c) {
        if (!st.replies[s][c]) continue;
        if (!*inner) std::printf("%s\"%s\":{", sep, kStageNames[s]);
        std::printf("%s\"%d\":%" PRIu64, inner, c, st.replies[s][c]);
        inner = ",";
        sep = ",";
      }
      if (*inner) std::printf("}");
    }
    std::printf("},\"errors\":{");
    bool first = true;
    for (const auto& [k, v] : st.errors) {
      std::printf("%s\"%s\":%" PRIu64, first ? "" : ",", json_escape(k).c_str(), v);
      first = false;
    }
    std::printf(
        "},\"latency_us\":{\"session\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u},"
        "\"eod\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u}}}\n",
        ls.p50, ls.p90, ls.p99, ls.max, le.p50, le.p90, le.p99, le.max);
    return;
  }
  std::printf("storm_load: %s, %s, concurrency %d, %d thread(s)%s, message %zu bytes\n",
              opt.target_text.c_str(), opt.idle ? "idle sessions" : "reject path", opt.concurrency,
              opt.threads, opt.pipelining ? ", pipelining" : "", payload_bytes);
  std::printf("  wall %.2f s; sessions started %" PRIu64 ", completed %" PRIu64 ", failed %" PRIu64
              "; %.1f sessions/s\n",
              wall, st.started, st.completed, st.failed, rate);
  if (opt.idle) std::printf("  idle sessions established: %" PRIu64 "\n", st.idle_established);
  std::printf("  replies by stage:\n");
  for (int s = 0; s < kStages; ++s) {
    bool any = false;
    for (int c = 0; c < 600; ++c) {
      if (!st.replies[s][c]) continue;
      if (!any) std::printf("    %-9s", kStageNames[s]);
      std::printf(" %d x%" PRIu64, c, st.replies[s][c]);
      any = true;
    }
    if (any) std::printf("\n");
  }
  if (!opt.idle)
    std::printf("  end of data: %" PRIu64 " x 5xx (the expected reject), %" PRIu64 " x 250\n",
                eod_5xx, eod_250);
  if (!st.errors.empty()) {
    std::printf("  errors:\n");
    for (const auto& [k, v] : st.errors) std::printf("    %-50s %" PRIu64 "\n", k.c_str(), v);
  }
  if (!opt.idle) {
    std::printf("  latency, whole session: p50 %u us, p90 %u us, p99 %u us, max %u us\n", ls.p50,
                ls.p90, ls.p99, ls.max);
    std::printf("  latency, end of data reply: p50 %u us, p90 %u us, p99 %u us, max %u us\n",
                le.p50, le.p90, le.p99, le.max);
  }
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(argc, argv);
  if (!parsed) return 2;
  const Options& opt = *parsed;

  if (opt.print_message) {
    std::fputs(builtin_bounce(opt.rcpt).c_str(), stdout);
    return 0;
  }
  Shared shared(opt);
  size_t payload_bytes = 0;
  if (opt.message_files.empty()) {
    shared.payloads.push_back(data_payload(builtin_bounce(opt.rcpt)));
  } else {
    for (const auto& f : opt.message_files) {
      std::string text;
      if (!read_file(f, text)) {
        std::fprintf(stderr, "storm_load: cannot read %s\n", f.c_str());
        return 2;
      }
      shared.payloads.push_back(data_payload(text));
    }
  }
  for (const auto& p : shared.payloads) payload_bytes += p.size();
  payload_bytes /= shared.payloads.size();

  // Enough descriptors for the sessions (the hard limit is the caller's business).
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
      rl.rlim_cur < static_cast<rlim_t>(opt.concurrency) + 64) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(opt.concurrency) + 64);
    ::setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < static_cast<rlim_t>(opt.concurrency) + 16)
      std::fprintf(stderr, "storm_load: warning: only %llu file descriptors (ulimit -n)\n",
                   static_cast<unsigned long long>(rl.rlim_cur));
  }

  auto seconds = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  shared.t0 = Clock::now();
  if (opt.idle) {
    // Every session is started at once; the hold ends the run.
    shared.stop_starting = shared.t0 + seconds(kMaxDuration);
    shared.hard_stop = shared.t0 + seconds(3 * opt.timeout + opt.hold);
    shared.idle_pending = opt.concurrency;
  } else {
    shared.stop_starting = shared.t0 + seconds(opt.duration);
    shared.hard_stop = shared.stop_starting + seconds(opt.timeout);
  }

  std::vector<std::unique_ptr<ThreadLoop>> loops;
  std::random_device rd;
  for (int t = 0; t < opt.threads; ++t) {
    int workers = opt.concurrency / opt.threads + (t < opt.concurrency % opt.threads ? 1 : 0);
    loops.push_back(
        std::make_unique<ThreadLoop>(shared, workers, (uint64_t{rd()} << 32) ^ rd() ^ t));
  }
  std::vector<std::thread> threads;
  for (auto& l : loops) threads.emplace_back([&l] { l->run(); });

  if (opt.idle) {
    // Wait for every session to be established (or to fail), say so, hold, then release.
    while (shared.idle_pending.load() > 0 && Clock::now() < shared.t0 + seconds(opt.timeout * 2))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    uint64_t established = shared.idle_established.load();
    std::fprintf(stderr, "storm_load: ready: %" PRIu64 " idle sessions established\n", established);
    if (!opt.ready_file.empty()) {
      std::ofstream f(opt.ready_file);
      f << established << "\n";
    }
    std::this_thread::sleep_for(seconds(opt.hold));
    for (auto& l : loops) l->release();
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Clock::now() - shared.t0).count();
  Stats total;
  for (auto& l : loops) total.merge(l->stats());
  report(opt, total, wall, payload_bytes);
  return total.failed > 0 && total.completed == 0 ? 1 : 0;
}
