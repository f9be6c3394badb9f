// The SMTP server session state machine (RFC 5321 3, 4.1.4) over bytes; see session.h.
// Everything fed in is untrusted: lines are cut at the configured limits, buffers are bounded,
// every reply that carries outside text goes through replies::sanitize().
#include "smtp/session.h"

#include <utility>

#include "core/text.h"
#include "smtp/command.h"
#include "smtp/replies.h"

namespace backstop::smtp {
namespace {

// Like Postfix's smtpd_junk_command_limit: past this many NOOP/RSET/VRFY/HELP/EXPN/HELO/EHLO
// without a delivered message, each one also counts as an error, so a client cannot keep a
// session (and our output) busy forever with harmless commands.
constexpr int kJunkCommandLimit = 100;

}  // namespace

Session::Session(const SessionConfig& config, Delegate& delegate, MessageSink& sink)
    : config_(config), delegate_(delegate), sink_(sink) {}

Wait Session::waiting_for() const {
  if (closing_ || state_ == State::kClosed) return Wait::kNone;
  if (state_ == State::kDecision) return Wait::kDecision;
  if (state_ == State::kData) return Wait::kDataBlock;
  return Wait::kCommand;
}

void Session::start() {
  if (state_ != State::kStart) return;
  const core::Verdict v = delegate_.on_connect();
  if (v.refused()) {
    core::Reply r = replies::refusal(v);
    if (r.temporary()) {
      // RFC 5321 3.1 / 3.8: the only temporary greeting is 421, and it closes the channel.
      r.code = 421;
      reply(r);
      close();
      return;
    }
    // RFC 5321 3.1: a 554 greeting instead of 220; wait for QUIT, answer 503 meanwhile.
    r.code = 554;
    reply(r);
    state_ = State::kRefused;
  } else {
    reply(replies::greeting(config_.hostname));  // RFC 5321 4.3.1
    state_ = State::kGreeted;
  }
  process();  // a client that talked before the greeting is served now, in order
}

void Session::feed(std::string_view bytes) {
  if (closing_ || state_ == State::kClosed) return;
  // RFC 3207 4.2 (and CVE-2011-0411): nothing the client sent after STARTTLS, before the
  // handshake, may be taken as a command; it is dropped unread.
  if (wants_tls_) return;
  if (busy_) {
    // Fed from inside a delegate callback: in_ is being read; keep the bytes aside.
    late_.append(bytes);
    return;
  }
  in_.append(bytes);
  process();
}

void Session::message_result(const core::Reply& r) {
  if (state_ != State::kDecision || closing_) return;
  // RFC 5321 4.3.2: the end of DATA is answered 2xx, 4xx or 5xx; anything else is our bug and
  // must not tell the client the message was taken.
  const bool bad = r.code < 200 || r.code > 599 || (r.code >= 300 && r.code < 400);
  const core::Reply out =
      bad ? replies::storage_failed() : replies::sanitize(r, 200, 599, 451, "0.0");
  reply(out);
  if (out.positive()) junk_ = 0;
  end_transaction();
  if (out.code == 421) {  // RFC 5321 3.8
    close();
    return;
  }
  process();
}

void Session::tls_established() {
  if (!wants_tls_ || closing_) return;
  // RFC 3207 4.2: discard all knowledge obtained from the client (the EHLO argument, the
  // transaction) and start over from the state right after the greeting; no new greeting.
  wants_tls_ = false;
  config_.tls_active = true;
  if (!busy_) in_.clear();
  clear_transaction();
  env_ = Envelope{};
  esmtp_ = false;
  discarding_ = false;
  state_ = State::kGreeted;
  delegate_.on_reset();
}

void Session::timed_out() {
  if (closing_ || state_ == State::kClosed) return;
  reply(replies::timeout(config_.hostname));  // RFC 5321 4.5.3.2
  close();
}

// --- Input framing ---------------------------------------------------------------------------

void Session::process() {
  if (busy_) return;  // re-entered from a delegate callback: the outer loop continues
  do {
    in_.append(late_);
    late_.clear();
    busy_ = true;
    size_t pos = 0;
    while (pos < in_.size() && !closing_ && !wants_tls_ &&
           (state_ != State::kStart && state_ != State::kDecision && state_ != State::kClosed)) {
      const std::string_view rest = std::string_view(in_).substr(pos);
      const size_t used = state_ == State::kData ? consume_data(rest) : consume_command(rest);
      if (used == 0) break;  // an incomplete line: wait for more
      pos += used;
    }
    busy_ = false;
    if (closing_ || wants_tls_) {
      // RFC 3207 4.2, CVE-2011-0411: input pipelined after STARTTLS is discarded, not deferred.
      in_.clear();
      late_.clear();
      return;
    }
    in_.erase(0, pos);
    // What is left is a partial line (bounded by the line limits) or input held while a
    // decision is pending or before start(): bounded by max_input_buffer.
    if (in_.size() + late_.size() > config_.limits.max_input_buffer) {
      reply(replies::input_overflow(config_.hostname));
      close();
      in_.clear();
      late_.clear();
    }
  } while (!late_.empty());
}

// One command line (or the discarded rest of an over-long one). Returns the octets used.
size_t Session::consume_command(std::string_view buf) {
  const size_t lf = buf.find('\n');
  if (discarding_) {
    if (lf == std::string_view::npos) return buf.size();
    discarding_ = false;
    return lf + 1;
  }
  const size_t limit = config_.limits.max_command_line;
  if (lf == std::string_view::npos) {
    // RFC 5321 4.5.3.1.4 / 4.5.3.1.9: too long already. Answer once, then drop everything up
    // to the next LF so the tail of the line is never taken as a command. (+1: a CR that
    // may be the first half of the line end.)
    if (buf.size() > limit + 1) {
      error_reply(replies::line_too_long());
      discarding_ = true;
      return buf.size();
    }
    return 0;
  }
  std::string_view line = buf.substr(0, lf);
  // Command lines ending in a bare LF are accepted as lines (only DATA's end is strict).
  line_crlf_ = !line.empty() && line.back() == '\r';
  if (line_crlf_) line.remove_suffix(1);
  if (line.size() > limit) {
    error_reply(replies::line_too_long());
  } else {
    handle_line(line);
  }
  return lf + 1;
}

// Message lines until the end of data or an incomplete line. Returns the octets used.
// RFC 5321 4.1.1.4: the end of data is CRLF "." CRLF. A "." line ends the data only when the
// line before it and the "." line itself end in CRLF: "\n.\n", "\n.\r\n" and "\r\n.\n" do not
// end it (SMTP smuggling, CVE-2023-51764 and kin), whatever a lenient peer would make of them.
size_t Session::consume_data(std::string_view buf) {
  const size_t limit = config_.limits.max_text_line;
  size_t pos = 0;
  size_t run = 0;  // start of complete lines that go to the sink unchanged
  auto flush = [&](size_t end) {
    if (end > run) write_data(buf.substr(run, end - run));
  };
  while (pos < buf.size()) {
    const size_t lf = buf.find('\n', pos);
    if (discarding_) {
      if (lf == std::string_view::npos) {
        discard_cr_ = buf.back() == '\r';
        pos = run = buf.size();
        break;
      }
      prev_crlf_ = lf > pos ? buf[lf - 1] == '\r' : discard_cr_;
      discarding_ = false;
      pos = run = lf + 1;
      continue;
    }
    if (lf == std::string_view::npos) {
      if (buf.size() - pos > limit + 1) {  // RFC 5321 4.5.3.1.6: a text line over our limit
        flush(pos);
        abandon_line();
        discarding_ = true;
        discard_cr_ = buf.back() == '\r';
        pos = run = buf.size();
      }
      break;
    }
    std::string_view line = buf.substr(pos, lf - pos);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    if (line.size() > limit) {
      flush(pos);
      abandon_line();
      prev_crlf_ = crlf;
      pos = run = lf + 1;
      continue;
    }
    if (crlf && prev_crlf_ && line == ".") {
      flush(pos);
      end_of_data();
      return lf + 1;
    }
    // RFC 5321 4.5.2: a leading "." is removed when other characters follow it. A lone "."
    // that did not end the data (see above) is kept as a line of the message.
    const bool stuffed = line.size() > 1 && line[0] == '.';
    const bool bare_cr = line.find('\r') != std::string_view::npos;
    if (!crlf || stuffed || bare_cr) {
      flush(pos);
      write_data_line(stuffed ? line.substr(1) : line);
      run = lf + 1;
    }
    prev_crlf_ = crlf;
    pos = lf + 1;
  }
  flush(pos);
  return pos;
}

// A line that needs rewriting: a bare CR inside it becomes CRLF (RFC 5321 2.3.8: CR and LF
// only ever travel together), and the line ends in CRLF whatever the client ended it with.
void Session::write_data_line(std::string_view line) {
  size_t cr;
  while ((cr = line.find('\r')) != std::string_view::npos) {
    write_data(line.substr(0, cr));
    write_data("\r\n");
    line.remove_prefix(cr + 1);
  }
  write_data(line);
  write_data("\r\n");
}

void Session::write_data(std::string_view bytes) {
  if (bytes.empty()) return;
  const size_t before = message_bytes_;
  message_bytes_ += bytes.size();
  if (data_overflow_ || data_line_overflow_ || sink_failed_) return;
  // RFC 1870: past the limit the message is refused at its end; the sink never holds more,
  // and what it holds is dropped now rather than kept until the client finishes.
  if (before + bytes.size() > config_.limits.max_message_bytes) {
    data_overflow_ = true;
    sink_.reset();
    return;
  }
  if (!sink_.append(bytes)) sink_failed_ = true;
}

void Session::abandon_line() {
  if (!data_line_overflow_ && !data_overflow_ && !sink_failed_) sink_.reset();
  data_line_overflow_ = true;
}

void Session::end_of_data() {
  if (data_overflow_) {
    reply(replies::message_too_big());  // RFC 1870, RFC 5321 4.5.3.1.9
  } else if (data_line_overflow_) {
    reply(replies::data_line_too_long());
  } else if (sink_failed_) {
    reply(replies::storage_failed());
  } else {
    // The reply waits for message_result(); later pipelined input waits in in_ (RFC 2920 3.1
    // lets a client send commands after the end of data without waiting for its reply).
    state_ = State::kDecision;
    delegate_.on_message(env_);
    return;
  }
  end_transaction();
}

// --- Commands --------------------------------------------------------------------------------

void Session::handle_line(std::string_view line) {
  if (state_ == State::kRefused) {  // RFC 5321 3.1
    if (parse_verb(line) == Verb::kQuit) {
      reply(replies::closing(config_.hostname));
      close();
    } else {
      error_reply(replies::no_service());
    }
    return;
  }
  ParseResult parsed = parse_command(line);
  if (const auto* err = std::get_if<SyntaxError>(&parsed)) {
    error_reply(err->reply);
    return;
  }
  const Command& cmd = std::get<Command>(parsed);
  switch (cmd.verb) {
    case Verb::kHelo:
      return do_helo(cmd, false);
    case Verb::kEhlo:
      return do_helo(cmd, true);
    case Verb::kMail:
      return do_mail(cmd);
    case Verb::kRcpt:
      return do_rcpt(cmd);
    case Verb::kData:
      return do_data();
    case Verb::kRset:
      return do_rset();
    case Verb::kStartTls:
      return do_starttls();
    case Verb::kNoop:  // RFC 5321 4.1.1.9
      reply(replies::ok());
      return count_junk();
    case Verb::kVrfy:  // RFC 5321 3.5.3, 7.3: never disclose whether a mailbox exists
      reply(replies::cannot_vrfy());
      return count_junk();
    case Verb::kExpn:  // RFC 5321 3.5.3, 7.3
      reply(replies::expn_disabled());
      return count_junk();
    case Verb::kHelp:  // RFC 5321 4.1.1.8
      reply(replies::help());
      return count_junk();
    case Verb::kQuit:  // RFC 5321 4.1.1.10
      reply(replies::closing(config_.hostname));
      return close();
    case Verb::kNotImplemented:
      return error_reply(replies::not_implemented());
    case Verb::kUnknown:
      return error_reply(replies::unrecognized());
  }
}

// RFC 5321 4.1.1.1 / 4.1.4: EHLO or HELO; a repeated one resets the session as RSET would.
void Session::do_helo(const Command& cmd, bool extended) {
  if (state_ != State::kGreeted) {
    clear_transaction();
    env_.helo.clear();
    esmtp_ = false;
    state_ = State::kGreeted;
    delegate_.on_reset();
  }
  const core::Verdict v = delegate_.on_helo(cmd.arg, extended);
  if (v.refused()) {
    policy_reply(v);
  } else {
    env_.helo = cmd.arg;
    esmtp_ = extended;
    state_ = State::kHelo;
    if (extended) {
      const bool starttls = config_.tls_available && !config_.tls_active;  // RFC 3207 4
      replies::format_lines(
          250, "",
          replies::ehlo_lines(config_.hostname, config_.limits.max_message_bytes, starttls), out_);
    } else {
      reply(replies::helo(config_.hostname));
    }
  }
  count_junk();
}

// RFC 5321 4.1.1.2 MAIL; RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8.
void Session::do_mail(const Command& cmd) {
  if (state_ == State::kGreeted) {
    return error_reply(replies::bad_sequence("send HELO/EHLO first"));  // RFC 5321 4.1.4
  }
  if (state_ == State::kMail || state_ == State::kRcpt) {
    return error_reply(replies::bad_sequence("nested MAIL command"));  // RFC 5321 4.1.4
  }
  if (cmd.params.size && *cmd.params.size > config_.limits.max_message_bytes) {
    return reply(replies::message_too_big());  // RFC 1870
  }
  if (cmd.utf8_path && !cmd.params.smtputf8) {
    return reply(replies::utf8_required());  // RFC 6531 3.5
  }
  env_.sender = cmd.path;  // nullopt: the null reverse-path "<>"
  env_.params = cmd.params;
  const core::Verdict v = delegate_.on_mail(env_);
  if (v.refused()) {
    clear_transaction();
    return policy_reply(v);
  }
  rcpt_attempts_ = 0;
  state_ = State::kMail;
  reply(replies::sender_ok());
}

// RFC 5321 4.1.1.3 RCPT. A refused recipient leaves the transaction as it was.
void Session::do_rcpt(const Command& cmd) {
  if (state_ != State::kMail && state_ != State::kRcpt) {
    return error_reply(replies::bad_sequence(state_ == State::kGreeted ? "send HELO/EHLO first"
                                                                       : "need MAIL command"));
  }
  ++rcpt_attempts_;
  if (env_.recipients.size() >= config_.limits.max_recipients) {
    return reply(replies::too_many_recipients());  // RFC 5321 4.5.3.1.8, 4.5.3.1.10
  }
  if (cmd.utf8_path && !env_.params.smtputf8) {
    return reply(replies::utf8_required());  // RFC 6531 3.5
  }
  // RFC 5321 4.1.1.3: "<Postmaster>" without a domain is the postmaster of this host.
  core::Address rcpt =
      cmd.postmaster ? core::Address{"postmaster", core::to_lower(config_.hostname)} : *cmd.path;
  RcptDecision d = delegate_.on_rcpt(env_, rcpt);
  if (d.verdict.refused()) return policy_reply(d.verdict);
  env_.recipients.push_back(d.rewritten ? std::move(*d.rewritten) : std::move(rcpt));
  state_ = State::kRcpt;
  reply(replies::recipient_ok());
}

// RFC 5321 4.1.1.4 DATA.
void Session::do_data() {
  if (state_ == State::kGreeted) {
    return error_reply(replies::bad_sequence("send HELO/EHLO first"));
  }
  if (state_ == State::kHelo) return error_reply(replies::bad_sequence("need MAIL command"));
  if (state_ == State::kMail) {
    // RFC 5321 3.3: no RCPT at all is out of sequence; all of them refused is 554.
    return error_reply(rcpt_attempts_ == 0 ? replies::bad_sequence("need RCPT command")
                                           : replies::no_valid_recipients());
  }
  const core::Verdict v = delegate_.on_data(env_);
  if (v.refused()) return policy_reply(v);  // answers DATA itself; the envelope stays
  sink_.reset();
  message_bytes_ = 0;
  data_overflow_ = data_line_overflow_ = sink_failed_ = false;
  discarding_ = false;
  // The DATA line's own CRLF is the first half of an immediate "<CRLF>.<CRLF>".
  prev_crlf_ = line_crlf_;
  state_ = State::kData;
  reply(replies::start_data());
}

// RFC 5321 4.1.1.5 RSET: abort the transaction, keep the HELO.
void Session::do_rset() {
  clear_transaction();
  if (state_ == State::kMail || state_ == State::kRcpt) state_ = State::kHelo;
  delegate_.on_reset();
  reply(replies::ok());
  count_junk();
}

// RFC 3207 4 STARTTLS.
void Session::do_starttls() {
  if (config_.tls_active) return error_reply(replies::tls_already_active());
  if (!config_.tls_available) return error_reply(replies::not_implemented());
  if (state_ == State::kMail || state_ == State::kRcpt) {
    return error_reply(replies::bad_sequence("MAIL transaction in progress"));
  }
  reply(replies::start_tls());
  wants_tls_ = true;  // process() drops whatever was pipelined after this line
}

// --- Transactions and replies ----------------------------------------------------------------

void Session::clear_transaction() {
  env_.sender.reset();
  env_.params = MailParams{};
  env_.recipients.clear();
  rcpt_attempts_ = 0;
}

void Session::end_transaction() {
  clear_transaction();
  state_ = State::kHelo;
  delegate_.on_reset();
}

void Session::policy_reply(const core::Verdict& v) {
  const core::Reply r = replies::refusal(v);
  reply(r);
  if (r.code == 421) close();  // RFC 5321 3.8: 421 means we close the channel
}

void Session::reply(const core::Reply& r) {
  replies::format(r, out_);
}

void Session::error_reply(const core::Reply& r) {
  reply(r);
  count_error();
}

void Session::count_error() {
  if (closing_) return;
  if (++errors_ >= config_.limits.max_errors) {
    reply(replies::too_many_errors(config_.hostname));
    close();
  }
}

void Session::count_junk() {
  if (++junk_ > kJunkCommandLimit) count_error();
}

void Session::close() {
  if (closing_) return;
  closing_ = true;
  state_ = State::kClosed;
  wants_tls_ = false;
  if (!busy_) in_.clear();
  late_.clear();
  delegate_.on_close();
}

}  // namespace backstop::smtp
