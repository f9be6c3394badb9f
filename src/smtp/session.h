// The SMTP server session (RFC 5321) as a sans-IO state machine: bytes from the client go in
// through feed(), replies to send come out of output(), and every policy question goes to the
// Delegate, which maps it onto the engine. No sockets, timers or files here: the front end
// (src/net) owns those and tells the session when a timer fired or TLS is up.
// Trusts nothing it is fed: every line, address and count is bounded by SessionLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/reply.h"

namespace backstop::smtp {

struct SessionLimits {
  size_t max_command_line = 2048;        // RFC 5321 4.5.3.1.4 says 512; real clients send longer
  size_t max_text_line = 65536;          // a DATA line longer than this is an error (RFC: 1000)
  size_t max_message_bytes = 25u << 20;  // advertised as SIZE (RFC 1870)
  size_t max_recipients = 100;           // RFC 5321 4.5.3.1.8 minimum
  int max_errors = 10;                   // protocol errors before 421 and disconnect
  size_t max_input_buffer = 1u << 20;    // pipelined input held while a decision is pending
};

struct SessionConfig {
  std::string hostname = "localhost";  // in the greeting and EHLO reply
  bool tls_available = false;          // advertise STARTTLS (RFC 3207)
  bool tls_active = false;             // session already runs over TLS
  SessionLimits limits;
};

// ESMTP parameters of MAIL FROM (RFC 5321 4.1.2 Mail-parameters).
struct MailParams {
  std::optional<uint64_t> size;  // SIZE= (RFC 1870)
  std::string body;              // BODY=7BIT/8BITMIME (RFC 6152)
  bool smtputf8 = false;         // SMTPUTF8 (RFC 6531)
  std::string raw;               // all parameters as given, for relaying
};

// The envelope of one transaction.
struct Envelope {
  std::string helo;
  std::optional<core::Address> sender;  // nullopt: the null reverse-path "<>"
  MailParams params;
  std::vector<core::Address> recipients;  // as accepted (the delegate may have rewritten them)
};

// Answer to a RCPT: the verdict, and the address to use from here on (BATV tag removed).
struct RcptDecision {
  core::Verdict verdict;
  std::optional<core::Address> rewritten;
};

// Where message bytes go while DATA is received (memory, or a temporary file past a size).
// The session writes the message exactly as it will be relayed: dot-unstuffed, CRLF line ends
// (a bare LF or bare CR from the client becomes CRLF). A line of the message may be "." or
// start with "." (the client's smuggling attempts end up there): the relaying client must
// dot-stuff (RFC 5321 4.5.2). The sink never receives more than max_message_bytes.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void reset() = 0;                         // new message
  virtual bool append(std::string_view bytes) = 0;  // false: storage failed (451)
};

class Delegate {
 public:
  virtual ~Delegate() = default;
  virtual core::Verdict on_connect() = 0;
  virtual core::Verdict on_helo(std::string_view name, bool extended) = 0;
  virtual core::Verdict on_mail(const Envelope& env) = 0;  // env.sender and params are set
  virtual RcptDecision on_rcpt(const Envelope& env, const core::Address& rcpt) = 0;
  virtual core::Verdict on_data(const Envelope& env) = 0;  // at the DATA command
  // End of DATA: the message is complete in the sink. The front end classifies, decides and
  // relays, then calls Session::message_result() with the reply for the client (the session
  // holds later pipelined commands until then).
  virtual void on_message(const Envelope& env) = 0;
  // RSET, a second EHLO/HELO, STARTTLS completed, or the end of a transaction (after
  // message_result(), or a message refused for its size).
  virtual void on_reset() = 0;
  virtual void on_close() = 0;  // QUIT, a fatal error or a timeout: the session is over
};

struct Command;  // command.h

// Which timer the front end should run now (RFC 5321 4.5.3.2 server timeouts).
enum class Wait { kCommand, kDataBlock, kDecision, kNone };

class Session {
 public:
  Session(const SessionConfig& config, Delegate& delegate, MessageSink& sink);

  // Queues the greeting, or the refusal of on_connect(): a 4xx verdict sends 421 and closes,
  // a 5xx verdict sends 554 and serves only QUIT from then on (RFC 5321 3.1).
  void start();
  // Processes every complete line it can. Safe to call from inside a Delegate callback (the
  // bytes are queued behind what is being processed).
  void feed(std::string_view bytes);
  // The answer to the end of DATA (2xx, 4xx or 5xx; 421 also closes). Then buffered
  // pipelined input is processed. Ignored unless waiting_for() == Wait::kDecision; may be
  // called from inside Delegate::on_message().
  void message_result(const core::Reply& reply);
  void tls_established();  // TLS is up after STARTTLS: reset to a fresh session
  void timed_out();        // queues 421 and closes

  std::string& output() { return out_; }         // to send; the front end clears what it wrote
  bool closing() const { return closing_; }      // send output, then close the connection
  bool wants_tls() const { return wants_tls_; }  // send output, then start the TLS handshake
  Wait waiting_for() const;
  const Envelope& envelope() const { return env_; }
  // Client bytes held (a partial line, or input pipelined behind a pending decision).
  size_t buffered() const { return in_.size() + late_.size(); }
  int errors() const { return errors_; }  // protocol errors so far

 private:
  // kRefused: the greeting was 554 (RFC 5321 3.1); only QUIT is served.
  enum class State { kStart, kGreeted, kHelo, kMail, kRcpt, kData, kDecision, kRefused, kClosed };
  // Implementation details are the implementer's; see session.cpp.
  void process();
  size_t consume_command(std::string_view buf);
  size_t consume_data(std::string_view buf);
  void handle_line(std::string_view line);
  void do_helo(const Command& cmd, bool extended);
  void do_mail(const Command& cmd);
  void do_rcpt(const Command& cmd);
  void do_data();
  void do_rset();
  void do_starttls();
  void write_data(std::string_view bytes);
  void write_data_line(std::string_view line);
  void abandon_line();
  void end_of_data();
  void clear_transaction();
  void end_transaction();
  void policy_reply(const core::Verdict& v);
  void reply(const core::Reply& r);
  void error_reply(const core::Reply& r);
  void count_error();
  void count_junk();
  void close();

  SessionConfig config_;
  Delegate& delegate_;
  MessageSink& sink_;
  State state_ = State::kStart;
  Envelope env_;
  std::string in_;
  std::string late_;  // bytes fed from inside a delegate callback, appended to in_ after
  std::string out_;
  size_t message_bytes_ = 0;
  size_t rcpt_attempts_ = 0;  // RCPTs in this transaction, accepted or not (RFC 5321 3.3)
  int errors_ = 0;
  int junk_ = 0;  // NOOP, RSET, VRFY, HELP, EXPN, HELO/EHLO since the last message
  bool esmtp_ = false;
  bool closing_ = false;
  bool wants_tls_ = false;
  bool data_overflow_ = false;       // the message passed max_message_bytes
  bool data_line_overflow_ = false;  // a DATA line passed max_text_line
  bool sink_failed_ = false;
  bool discarding_ = false;  // dropping the rest of an over-long line, up to its LF
  bool discard_cr_ = false;  // the last octet dropped was a CR
  bool line_crlf_ = false;   // the command line being handled ended in CRLF
  bool prev_crlf_ = false;   // DATA: the previous line ended in CRLF (RFC 5321 4.1.1.4)
  bool busy_ = false;        // inside process(): delegate callbacks must not re-enter it
};

}  // namespace backstop::smtp
