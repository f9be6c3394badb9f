// Golden transcript tests of the SMTP session: each tests/unit/smtp/transcripts/*.txt lists
// client input and the exact server replies, with the fake delegate's answers set by
// directives. Every transcript runs twice: input fed in whole chunks, and one octet at a time.
//
// File format (one step per line; blank lines are ignored):
//   # config key=value ...      hostname, tls_available, tls_active, max_command_line,
//                               max_text_line, max_message_bytes, max_recipients, max_errors,
//                               max_input_buffer (before the first step only)
//   # connect -> ANSWER         on_connect's verdict
//   # helo NAME -> ANSWER       on_helo's verdict for that name
//   # mail ADDR -> ANSWER       on_mail's verdict for that sender ("<>": the null path)
//   # rcpt ADDR -> ANSWER       on_rcpt's verdict for that recipient
//   # rcpt ADDR => ADDR2        on_rcpt rewrites the recipient
//   # data -> ANSWER            on_data's verdict for every DATA
//   # message -> REPLY          on_message answers at once (else wait for "! result")
//   # sink fail                 the message sink refuses to store
//   # anything else             a comment
//     ANSWER is "CODE [ENHANCED] TEXT" (4xx tempfail, 5xx reject) or accept/discard/tag.
//   C: line                     a client line; CRLF is appended
//   B: bytes                    raw client bytes, escapes \r \n \t \\ \xHH, nothing appended
//                               (in C: and B: lines "{{N*text}}" repeats text N times)
//   S: line                     the next server reply line (CRLF not written)
// The host name is "mx.test" unless configured.
//   ! result REPLY | ! timeout | ! tls     call message_result / timed_out / tls_established
//   = closed | = open | = wants_tls | = wait command|data|decision|none
//   = sink BYTES (escapes as B:) | = sinklen N | = rcpts a@b c@d | = resets N | = errors N
//   = messages N               checks on the session, the sink and the delegate
// Client input is collected until the next S:, !, = step (or the end) and then fed; at that
// moment every reply produced before must have been matched by S: lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "fakes.h"
#include "smtp/session.h"

#ifndef BACKSTOP_SMTP_TRANSCRIPTS
#error "BACKSTOP_SMTP_TRANSCRIPTS must name the transcripts directory"
#endif

namespace backstop::smtp {
namespace {

using testing::FakeDelegate;
using testing::MemorySink;

std::string expand_repeats(std::string_view s) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t star = s.find('*', open);
    size_t close = s.find("}}", open);
    if (star == std::string_view::npos || close == std::string_view::npos || star > close) break;
    out.append(s.substr(pos, open - pos));
    const int n = std::stoi(std::string(s.substr(open + 2, star - open - 2)));
    for (int i = 0; i < n; ++i) out.append(s.substr(star + 1, close - star - 1));
    pos = close + 2;
  }
  out.append(s.substr(pos));
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    if (c == 'r')
      out.push_back('\r');
    else if (c == 'n')
      out.push_back('\n');
    else if (c == 't')
      out.push_back('\t');
    else if (c == 'x' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else
      out.push_back(c);
  }
  return out;
}

core::Reply parse_reply(std::string_view s) {
  s = core::trim(s);
  core::Reply r;
  r.code = std::stoi(std::string(s.substr(0, 3)));
  s = core::trim(s.substr(3));
  const size_t sp = s.find(' ');
  const std::string_view first = s.substr(0, sp);
  if (!first.empty() && first[0] >= '0' && first[0] <= '9' && first.find('.') != first.npos) {
    r.enhanced = std::string(first);
    s = sp == s.npos ? std::string_view() : s.substr(sp + 1);
  }
  r.text = unescape(s);
  return r;
}

core::Verdict parse_answer(std::string_view s) {
  s = core::trim(s);
  if (s == "accept") return {core::Action::kAccept, core::Reason::kAllowlisted, {}, {}};
  if (s == "discard") return {core::Action::kDiscard, core::Reason::kDiscarded, {}, {}};
  if (s == "tag") return {core::Action::kTag, core::Reason::kTagged, {}, {}};
  return testing::verdict_for(parse_reply(s));
}

struct Run {
  SessionConfig config;
  FakeDelegate delegate;
  MemorySink sink;
  std::optional<Session> session;
  std::string pending;   // client bytes not yet fed
  std::string produced;  // server output not yet matched
  bool bytewise = false;
  bool started = false;
  int line_no = 0;

  void start() {
    if (started) return;
    started = true;
    session.emplace(config, delegate, sink);
    delegate.session = &*session;
    session->start();
    collect();
  }
  void collect() {
    produced += session->output();
    session->output().clear();
  }
  void flush() {
    start();
    if (pending.empty()) return;
    ASSERT_EQ(produced, "") << "line " << line_no << ": unmatched replies before new input";
    if (bytewise) {
      for (char c : pending) {
        session->feed(std::string_view(&c, 1));
        collect();
      }
    } else {
      session->feed(pending);
      collect();
    }
    pending.clear();
  }
  std::string next_line() {
    const size_t crlf = produced.find("\r\n");
    if (crlf == std::string::npos) return "<no more output: '" + produced + "'>";
    std::string line = produced.substr(0, crlf);
    produced.erase(0, crlf + 2);
    return line;
  }
};

void configure(Run& run, std::string_view args) {
  std::istringstream in{std::string(args)};
  std::string kv;
  while (in >> kv) {
    const size_t eq = kv.find('=');
    ASSERT_NE(eq, std::string::npos) << kv;
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    auto& l = run.config.limits;
    if (k == "hostname")
      run.config.hostname = v;
    else if (k == "tls_available")
      run.config.tls_available = v == "1" || v == "true";
    else if (k == "tls_active")
      run.config.tls_active = v == "1" || v == "true";
    else if (k == "max_command_line")
      l.max_command_line = std::stoul(v);
    else if (k == "max_text_line")
      l.max_text_line = std::stoul(v);
    else if (k == "max_message_bytes")
      l.max_message_bytes = std::stoul(v);
    else if (k == "max_recipients")
      l.max_recipients = std::stoul(v);
    else if (k == "max_errors")
      l.max_errors = std::stoi(v);
    else if (k == "max_input_buffer")
      l.max_input_buffer = std::stoul(v);
    else
      FAIL() << "unknown config key " << k;
  }
}

// "# word rest": returns true when word is a directive and applies it.
bool directive(Run& run, std::string_view body) {
  body = core::trim(body);
  const size_t sp = body.find(' ');
  const std::string_view word = body.substr(0, sp);
  const std::string_view rest = sp == body.npos ? std::string_view() : core::trim(body.substr(sp));
  auto split_arrow = [&](std::string_view r, std::string_view arrow, std::string& key,
                         std::string& value) {
    const size_t a = r.find(arrow);
    if (a == r.npos) return false;
    key = std::string(core::trim(r.substr(0, a)));
    value = std::string(core::trim(r.substr(a + arrow.size())));
    return true;
  };
  std::string key, value;
  if (word == "config") {
    configure(run, rest);
  } else if (word == "connect" && split_arrow(body, "->", key, value)) {
    run.delegate.connect = parse_answer(value);
  } else if (word == "helo" && split_arrow(rest, "->", key, value)) {
    run.delegate.helo[key] = parse_answer(value);
  } else if (word == "mail" && split_arrow(rest, "->", key, value)) {
    run.delegate.mail[key] = parse_answer(value);
  } else if (word == "rcpt" && split_arrow(rest, "=>", key, value)) {
    run.delegate.rewrite[key] = value;
  } else if (word == "rcpt" && split_arrow(rest, "->", key, value)) {
    run.delegate.rcpt[key] = parse_answer(value);
  } else if (word == "data" && split_arrow(body, "->", key, value)) {
    run.delegate.data = parse_answer(value);
  } else if (word == "message" && split_arrow(body, "->", key, value)) {
    run.delegate.message_reply = parse_reply(value);
  } else if (word == "sink" && rest == "fail") {
    run.sink.fail = true;
  } else {
    return false;
  }
  return true;
}

void check(Run& run, std::string_view what) {
  const size_t sp = what.find(' ');
  const std::string_view word = what.substr(0, sp);
  const std::string_view arg = sp == what.npos ? std::string_view() : what.substr(sp + 1);
  Session& s = *run.session;
  const int line = run.line_no;
  if (word == "closed") {
    EXPECT_TRUE(s.closing()) << "line " << line;
    EXPECT_EQ(run.delegate.closes, 1) << "line " << line;
  } else if (word == "open") {
    EXPECT_FALSE(s.closing()) << "line " << line;
  } else if (word == "wants_tls") {
    EXPECT_TRUE(s.wants_tls()) << "line " << line;
  } else if (word == "wait") {
    const Wait want = arg == "command"    ? Wait::kCommand
                      : arg == "data"     ? Wait::kDataBlock
                      : arg == "decision" ? Wait::kDecision
                                          : Wait::kNone;
    EXPECT_EQ(static_cast<int>(s.waiting_for()), static_cast<int>(want)) << "line " << line;
  } else if (word == "sink") {
    EXPECT_EQ(run.sink.data, unescape(expand_repeats(arg))) << "line " << line;
  } else if (word == "sinklen") {
    EXPECT_EQ(run.sink.data.size(), std::stoul(std::string(arg))) << "line " << line;
  } else if (word == "rcpts") {
    std::string got;
    const Envelope& env =
        run.delegate.messages.empty() ? s.envelope() : run.delegate.messages.back();
    for (const auto& a : env.recipients) got += (got.empty() ? "" : " ") + a.str();
    EXPECT_EQ(got, arg) << "line " << line;
  } else if (word == "resets") {
    EXPECT_EQ(run.delegate.resets, std::stoi(std::string(arg))) << "line " << line;
  } else if (word == "errors") {
    EXPECT_EQ(s.errors(), std::stoi(std::string(arg))) << "line " << line;
  } else if (word == "messages") {
    EXPECT_EQ(run.delegate.messages.size(), std::stoul(std::string(arg))) << "line " << line;
  } else {
    ADD_FAILURE() << "line " << line << ": unknown check " << what;
  }
}

void run_transcript(const std::filesystem::path& file, bool bytewise) {
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  Run run;
  run.config.hostname = "mx.test";
  run.bytewise = bytewise;
  std::string raw;
  while (std::getline(in, raw)) {
    ++run.line_no;
    std::string_view l = raw;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (core::trim(l).empty()) continue;
    if (l[0] == '#') {
      if (directive(run, l.substr(1))) {
        ASSERT_FALSE(run.started) << "line " << run.line_no << ": directive after the first step";
      }
      continue;
    }
    ASSERT_GE(l.size(), 2u) << "line " << run.line_no;
    const std::string_view tag = l.substr(0, 2);
    const size_t skip = (tag == "! " || tag == "= ") ? 2 : 3;
    const std::string_view body = l.size() > skip ? l.substr(skip) : std::string_view();
    if (tag == "C:") {
      run.start();
      run.pending += expand_repeats(body) + "\r\n";
    } else if (tag == "B:") {
      run.start();
      run.pending += unescape(expand_repeats(body));
    } else if (tag == "S:") {
      run.flush();
      EXPECT_EQ(run.next_line(), body) << file.filename() << " line " << run.line_no;
    } else if (tag == "! ") {
      run.flush();
      ASSERT_EQ(run.produced, "") << "line " << run.line_no << ": unmatched replies";
      if (body.substr(0, 6) == "result")
        run.session->message_result(parse_reply(body.substr(6)));
      else if (body == "timeout")
        run.session->timed_out();
      else if (body == "tls")
        run.session->tls_established();
      else
        FAIL() << "line " << run.line_no << ": unknown action " << body;
      run.collect();
    } else if (tag == "= ") {
      run.flush();
      check(run, body);
    } else {
      FAIL() << file.filename() << " line " << run.line_no << ": unknown step '" << l << "'";
    }
  }
  run.flush();
  EXPECT_EQ(run.produced, "") << file.filename() << ": replies not in the transcript";
  EXPECT_LE(run.delegate.closes, 1) << "on_close called more than once";
  if (run.session->closing()) {
    EXPECT_EQ(run.delegate.closes, 1);
  }
}

std::vector<std::string> transcript_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(BACKSTOP_SMTP_TRANSCRIPTS))
    if (e.path().extension() == ".txt") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class Transcript : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(Transcript, Replays) {
  const auto& [name, bytewise] = GetParam();
  run_transcript(std::filesystem::path(BACKSTOP_SMTP_TRANSCRIPTS) / (name + ".txt"), bytewise);
}

INSTANTIATE_TEST_SUITE_P(Smtp, Transcript,
                         ::testing::Combine(::testing::ValuesIn(transcript_names()),
                                            ::testing::Bool()),
                         [](const ::testing::TestParamInfo<Transcript::ParamType>& info) {
                           std::string n = std::get<0>(info.param);
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n + (std::get<1>(info.param) ? "_bytewise" : "_whole");
                         });

TEST(TranscriptDir, HasTranscripts) {
  EXPECT_GE(transcript_names().size(), 30u);
}

}  // namespace
}  // namespace backstop::smtp
