// Interop test against an independent MTA-side implementation: OpenDKIM's miltertest (Debian
// package "miltertest") drives a whole transaction from a Lua script against a tiny filter
// served here with this codec, on a loopback socket. Checks that negotiation, every command
// and the reply and modification packets are understood by the other side. Skipped when
// /usr/bin/miltertest is not installed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "milter/decoder.h"
#include "milter/negotiate.h"
#include "milter/reply.h"

namespace backstop::milter {
namespace {

constexpr const char* kMiltertest = "/usr/bin/miltertest";

bool send_all(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

struct Seen {
  std::vector<char> codes;
  std::vector<std::string> macro_names;
  std::string helo, sender, recipient_args, body;
  uint32_t protocol = 0;
  uint32_t actions = 0;
  std::string error;
};

// One connection: answer with the codec until QUIT or EOF.
void serve(int fd, Seen& seen) {
  Decoder decoder;
  uint32_t negotiated = 0;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    decoder.feed(std::string_view(buf, static_cast<size_t>(n)));
    Command c;
    Decoder::Status s;
    while ((s = decoder.next(c)) == Decoder::Status::kCommand) {
      seen.codes.push_back(command_code(c));
      std::string reply;
      if (const auto* o = std::get_if<OptNeg>(&c)) {
        FilterWants w;
        w.required_actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_DELRCPT |
                             SMFIF_CHGFROM | SMFIF_QUARANTINE;
        w.optional_protocol = SMFIP_RCPT_REJ | SMFIP_NR_HDR | SMFIP_NOUNKNOWN;
        w.macros = {{SMFIM_CONNECT, "j {daemon_name}"}, {SMFIM_EOM, "i"}};
        auto r = negotiate(*o, w);
        if (auto* e = std::get_if<std::string>(&r)) {
          seen.error = *e;
          return;
        }
        negotiated = seen.protocol = std::get<Negotiation>(r).granted.protocol;
        seen.actions = std::get<Negotiation>(r).granted.actions;
        reply = std::get<Negotiation>(r).reply;
      } else if (const auto* m = std::get_if<Macro>(&c)) {
        for (const auto& kv : m->macros) seen.macro_names.push_back(kv.first);
      } else if (const auto* h = std::get_if<Helo>(&c)) {
        seen.helo = h->name;
      } else if (const auto* m = std::get_if<Mail>(&c)) {
        seen.sender = m->sender;
      } else if (const auto* r = std::get_if<Rcpt>(&c)) {
        for (const auto& a : r->args) seen.recipient_args += a + ";";
        if (r->recipient == "<nobody@example.org>")
          reply = *encode_replycode(550, "5.1.1", "no such user, 100% sure");
      } else if (const auto* b = std::get_if<Body>(&c)) {
        seen.body += b->chunk;
      } else if (std::holds_alternative<EndOfBody>(c)) {
        reply = *encode_addheader("X-Backstop", "checked") +
                *encode_insheader(0, "X-First", "top") + *encode_chgheader(1, "Subject", "") +
                *encode_chgfrom("<new@example.net>") + *encode_addrcpt("<copy@example.org>") +
                *encode_delrcpt("<user@example.org>") + *encode_quarantine("storm") +
                encode_accept();
      } else if (std::holds_alternative<Quit>(c)) {
        return;
      }
      if (reply.empty() && expects_reply(c, negotiated)) reply = encode_continue();
      if (!reply.empty() && !send_all(fd, reply)) return;
    }
    if (s == Decoder::Status::kError) {
      seen.error = decoder.error();
      return;
    }
  }
}

TEST(MilterInterop, Miltertest) {
  if (::access(kMiltertest, X_OK) != 0) GTEST_SKIP() << "miltertest not installed";

  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(lfd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  Seen seen;
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) return;
    serve(fd, seen);
    ::close(fd);
  });

  char script_path[] = "/tmp/backstop-miltertest-XXXXXX";
  const int sfd = ::mkstemp(script_path);
  ASSERT_GE(sfd, 0);
  ::close(sfd);
  {
    std::ofstream lua(script_path);
    lua << "conn = mt.connect('inet:" << port << "@127.0.0.1')\n"
        << R"LUA(
if conn == nil then error("connect") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate") end
if not mt.test_option(conn, SMFIP_RCPT_REJ) then error("RCPT_REJ not negotiated") end
if not mt.test_action(conn, SMFIF_QUARANTINE) then error("QUARANTINE not negotiated") end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}", "backstop-test")
if mt.conninfo(conn, "client.example.net", "192.0.2.7") ~= nil then error("conninfo") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("conninfo reply") end
if mt.helo(conn, "client.example.net") ~= nil then error("helo") end
if mt.mailfrom(conn, "<bounce@example.net>", "SIZE=100") ~= nil then error("mail") end
if mt.rcptto(conn, "<nobody@example.org>") ~= nil then error("rcpt") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("rcpt reply not replycode") end
if mt.rcptto(conn, "<user@example.org>", "NOTIFY=NEVER") ~= nil then error("rcpt2") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("rcpt2 reply") end
if mt.data(conn) ~= nil then error("data") end
if mt.header(conn, "Subject", "hello") ~= nil then error("header") end
if mt.header(conn, "From", "a@example.net") ~= nil then error("header2") end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, "line one\r\nline two\r\n") ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom reply") end
if not mt.eom_check(conn, MT_HDRADD, "X-Backstop", "checked") then error("addheader") end
if not mt.eom_check(conn, MT_HDRINSERT, "X-First", "top") then error("insheader") end
if not mt.eom_check(conn, MT_HDRDELETE, "Subject") then error("chgheader") end
if not mt.eom_check(conn, MT_RCPTADD, "<copy@example.org>") then error("addrcpt") end
if not mt.eom_check(conn, MT_RCPTDELETE, "<user@example.org>") then error("delrcpt") end
if not mt.eom_check(conn, MT_QUARANTINE, "storm") then error("quarantine") end
mt.disconnect(conn)
mt.echo("interop ok")
)LUA";
  }
  const std::string cmd = std::string(kMiltertest) + " -s " + script_path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char line[512];
  while (std::fgets(line, sizeof line, p)) output += line;
  const int status = ::pclose(p);
  ::unlink(script_path);
  ::shutdown(lfd, SHUT_RDWR);
  ::close(lfd);
  server.join();

  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("interop ok"), std::string::npos) << output;
  EXPECT_EQ(seen.error, "");
  EXPECT_TRUE(seen.protocol & SMFIP_RCPT_REJ);
  EXPECT_TRUE(seen.protocol & SMFIP_NR_HDR);     // headers went unanswered, as negotiated
  EXPECT_TRUE(seen.actions & SMFIF_SETSYMLIST);  // the macro lists were sent and accepted
  EXPECT_EQ(seen.helo, "client.example.net");
  EXPECT_EQ(seen.sender, "<bounce@example.net>");
  EXPECT_EQ(seen.recipient_args, "NOTIFY=NEVER;");
  EXPECT_EQ(seen.body, "line one\r\nline two\r\n");
  EXPECT_EQ(seen.macro_names, (std::vector<std::string>{"j", "{daemon_name}"}));
  const std::vector<char> expected = {'O', 'D', 'C', 'H', 'M', 'R', 'R',
                                      'T', 'L', 'L', 'N', 'B', 'E', 'Q'};
  EXPECT_EQ(seen.codes, expected);
}

}  // namespace
}  // namespace backstop::milter
