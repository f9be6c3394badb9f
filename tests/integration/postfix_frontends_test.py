#!/usr/bin/env python3
"""Integration test of backstop's milter and Postfix policy front ends with a real Postfix.

Starts, in a temporary directory on loopback ports: Postfix's smtp-sink (where Postfix
delivers), backstop with only [milter] and [policy] listening, and a private Postfix with
three smtpd services: an inbound MX with `smtpd_milters` pointing at backstop's Unix socket
(named relative to Postfix's queue directory, as docs/postfix.md recommends), a submission
service (milter_macro_daemon_name=ORIGINATING) with the same milter on loopback TCP, and an
inbound MX with
`check_policy_service` instead. Then it talks SMTP to Postfix and checks what the client was
answered, what Postfix logged, and what reached the sink. Last, the `miltertest` program
(OpenDKIM's milter test driver, speaking the MTA side as Sendmail does) runs a scripted session
against backstop's milter.

usage: postfix_frontends_test.py BACKSTOP_BINARY
Prints one line per check and a last line "N passed, M failed".
"""
import os
import re
import shutil
import signal
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import Sink, bounce, check, free_port, results, summary, wait_port
import postfix_instance

BIN = os.path.abspath(sys.argv[1])
RELAY_IP = "203.0.113.7"

CONFIG = """
[smtp]
listen = []
hostname = "mx.example.org"

[milter]
listen = ["127.0.0.1:{milter}", "unix:{tmp}/postfix-queue/backstop/milter.sock"]

[policy]
listen = ["127.0.0.1:{policy}"]

[domains]
local = ["example.org"]
recipients = ["alice@example.org", "bob@example.org", "postmaster@example.org"]

[relays]
outbound = ["out.example.org", "{relay}"]

[batv]
key_file = "{tmp}/batv.keys"
lifetime_days = 7

[storm]
domain_backscatter = 1000
"""


def batv(tmp, verb, addr):
    return subprocess.run([BIN, "batv", verb, "--key-file", os.path.join(tmp, "batv.keys"), addr],
                          capture_output=True, text=True)


def send(port, sender, rcpts, msg, helo="client.example.net"):
    """(rcpt codes, data code, data text) without raising."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo(helo)
    s.mail(sender)
    rr = [s.rcpt(r)[0] for r in rcpts]
    if not any(c == 250 for c in rr):
        s.quit()
        return rr, None, ""
    try:
        code, text = s.data(msg)
    except smtplib.SMTPResponseException as e:
        code, text = e.smtp_code, e.smtp_error
    s.quit()
    return rr, code, text.decode(errors="replace") if isinstance(text, bytes) else text


def wait_sink(sink, n, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        if len(sink.messages()) >= n:
            time.sleep(0.2)
            return sink.messages()
        time.sleep(0.1)
    return sink.messages()


HAM = ("From: Dave <dave@friend.example>\r\nTo: alice@example.org\r\nSubject: lunch\r\n"
       "Message-ID: <ham-1@friend.example>\r\n\r\nLunch on Friday?\r\n")


def run_milter(tmp, sink, pf, ports):
    inbound, submission = ports["in"], ports["sub"]
    # Unknown user: refused at RCPT by the milter, per recipient.
    rr, code, _ = send(inbound, "someone@friend.example", ["nobody@example.org", "alice@example.org"], HAM)
    check("milter: unknown user 550 at RCPT, known user accepted", rr == [550, 250], rr)
    check("milter: ham delivered with X-Backstop", code == 250 and
          any(b"X-Backstop: class=none; verdict=accept" in m for m in wait_sink(sink, 1)), (code, sink.messages()))
    log = pf.logtext()
    check("postfix log: milter-reject at RCPT with 5.1.1",
          re.search(r"milter-reject: RCPT from \S+: 550 5\.1\.1", log), log[-1500:])
    sink.clear()

    # Backscatter: a bounce to a real user that answers nothing we sent.
    rr, code, text = send(inbound, "", ["alice@example.org"],
                          bounce("alice@example.org", "mail.elsewhere.example", "198.18.7.7"))
    check("milter: backscatter 550 5.7.1 at end of DATA", code == 550 and "5.7.1" in text, (rr, code, text))
    check("postfix log: milter-reject at END-OF-MESSAGE",
          re.search(r"milter-reject: END-OF-MESSAGE from \S+: 5\.7\.1", pf.logtext()), pf.logtext()[-1500:])

    # SAV probe: MAIL FROM:<>, RCPT, QUIT.
    s = smtplib.SMTP("127.0.0.1", inbound, timeout=30)
    s.ehlo("verifier.example.net")
    s.mail("")
    probe = s.rcpt("bob@example.org")[0]
    s.quit()
    check("milter: SAV probe answered 250", probe == 250, probe)

    # A client greeting with our own name. Postfix does not wait for the milter's answers to
    # CONNECT, HELO and MAIL (SMFIP_NR_*): the HELO refusal is the answer to every RCPT.
    s = smtplib.SMTP("127.0.0.1", inbound, timeout=30)
    s.ehlo("mx.example.org")
    mail = s.mail("someone@friend.example")[0]
    rr = [s.rcpt(r)[0] for r in ("alice@example.org", "bob@example.org")]
    s.quit()
    check("milter: HELO with our name: MAIL 250, every RCPT 550", mail == 250 and rr == [550, 550],
          (mail, rr))
    check("postfix log: milter-reject at RCPT with 5.7.1 for that HELO",
          re.search(r"milter-reject: RCPT from \S+: 550 5\.7\.1 .*helo=<mx\.example\.org>",
                    pf.logtext()), pf.logtext()[-1500:])

    # Legitimate bounce with a valid BATV tag: delivered to the bare address.
    tagged = batv(tmp, "sign", "alice@example.org").stdout.strip()
    rr, code, text = send(inbound, "", [tagged],
                          bounce("alice@example.org", "mail.elsewhere.example", "198.18.7.7"))
    msgs = wait_sink(sink, 1)
    check("milter: BATV-tagged bounce delivered", code == 250 and len(msgs) == 1, (rr, code, text))
    check("milter: tagged recipient replaced by the bare address",
          msgs and re.search(rb"^X-Rcpt-Args: <alice@example.org>", msgs[0], re.M) and
          not re.search(rb"^X-Rcpt-Args: <prvs=", msgs[0], re.M),
          msgs[:1])
    sink.clear()

    # A bad tag (last signature digit changed) is refused at RCPT.
    head = tagged[:-len("=alice@example.org")]
    bad = head[:-1] + ("0" if head[-1] != "0" else "1") + "=alice@example.org"
    rr, code, _ = send(inbound, "", [bad], bounce("alice@example.org", "x.example", "198.18.7.7"))
    check("milter: bad BATV tag 550 at RCPT", rr == [550], (bad, rr))

    # Legitimate bounce quoting our outbound relay.
    rr, code, _ = send(inbound, "", ["bob@example.org"], bounce("bob@example.org", "out.example.org", RELAY_IP))
    check("milter: bounce quoting our relay delivered", code == 250 and len(wait_sink(sink, 1)) == 1, (rr, code))
    sink.clear()

    # Outbound through the submission service: signed sender, Message-ID recorded.
    mid = "out-%d@example.org" % int(time.time() * 1000)
    out_msg = ("From: Alice <alice@example.org>\r\nTo: friend@remote.example\r\nSubject: hi\r\n"
               "Message-ID: <%s>\r\n\r\nHello friend\r\n" % mid)
    rr, code, _ = send(submission, "alice@example.org", ["friend@remote.example"], out_msg,
                       helo="laptop.example.org")
    msgs = wait_sink(sink, 1)
    m = re.search(rb"X-Mail-Args: <([^>]*)>", msgs[0]) if msgs else None
    sender = m.group(1).decode() if m else ""
    check("milter: outbound accepted and relayed", code == 250 and len(msgs) == 1, (rr, code))
    check("milter: outbound envelope sender BATV-signed", sender.startswith("prvs=") and
          sender.endswith("=alice@example.org"), sender)
    v = batv(tmp, "verify", sender) if sender else None
    check("milter: the signed sender verifies", v is not None and v.returncode == 0, v.stdout if v else "")
    check("milter: outbound mail has no X-Backstop header", msgs and b"X-Backstop:" not in msgs[0], msgs[:1])
    sink.clear()
    # The sent index is in the store (SQLite here), where other nodes and restarts see it.
    row = None
    end = time.time() + 5
    while time.time() < end and not row:
        db = sqlite3.connect(os.path.join(tmp, "var", "backstop.db"))
        row = db.execute("SELECT expires FROM kv WHERE key = ? AND deleted = 0",
                         (("sent:" + mid).encode(),)).fetchone()
        db.close()
        time.sleep(0.2)
    check("milter: the sent index in the store holds the Message-ID until the BATV lifetime ends",
          row and 6 * 86400 < row[0] - time.time() <= 7 * 86400, row)

    # Its bounce comes back without the tag (the bouncing site answered the header From) and
    # quoting no relay of ours: the sent index is the evidence.
    rr, code, text = send(inbound, "", ["alice@example.org"],
                          bounce("alice@example.org", "mail.elsewhere.example", "198.18.7.7", message_id=mid))
    check("milter: bounce of a Message-ID we sent delivered", code == 250 and len(wait_sink(sink, 1)) == 1,
          (rr, code, text))
    check("milter: its X-Backstop names the sent index",
          sink.messages() and b"sent-message-id" in sink.messages()[0], sink.messages()[:1])
    sink.clear()


def run_policy(tmp, sink, pf, ports):
    port = ports["pol"]
    rr, code, _ = send(port, "someone@friend.example", ["nobody@example.org", "alice@example.org"], HAM)
    check("policy: unknown user 550 at RCPT, known user accepted", rr == [550, 250], rr)
    check("policy: ham delivered", code == 250 and len(wait_sink(sink, 1)) == 1, code)
    check("postfix log: policy reject with 5.1.1",
          re.search(r"reject: RCPT from \S+: 550 5\.1\.1 <nobody@example\.org>", pf.logtext()),
          pf.logtext()[-1500:])
    sink.clear()
    tagged = batv(tmp, "sign", "alice@example.org").stdout.strip()
    # The same tag with another signature: well formed, does not verify.
    bad = re.sub(r"^(prvs=\d{4})([0-9a-f]{6})", lambda m: m.group(1) + ("000000" if m.group(2) != "000000" else "111111"), tagged)
    rr, _, _ = send(port, "", [bad], "Subject: x\r\n\r\nx\r\n")
    check("policy: bad BATV tag 550 at RCPT", rr == [550], (bad, rr))
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("verifier.example.net")
    s.mail("")
    probe = s.rcpt("bob@example.org")[0]
    s.quit()
    check("policy: SAV probe answered 250", probe == 250, probe)
    # A valid tag passes the policy server; Postfix's canonical rule delivers to the bare address.
    rr, code, _ = send(port, "", [tagged], bounce("alice@example.org", "x.example", "198.18.7.7"))
    msgs = wait_sink(sink, 1)
    check("policy: BATV-tagged bounce delivered to the bare address (canonical_maps)",
          code == 250 and msgs and re.search(rb"^X-Rcpt-Args: <alice@example.org>", msgs[0], re.M),
          (rr, code, msgs[:1]))
    sink.clear()
    # A null sender to two recipients is refused at DATA (smtpd_data_restrictions).
    rr, code, text = send(port, "", ["alice@example.org", "bob@example.org"], "Subject: x\r\n\r\nx\r\n")
    check("policy: null sender to two recipients refused at DATA", rr == [250, 250] and code == 550, (rr, code, text))


MILTERTEST = r"""
conn = mt.connect("inet:{port}@127.0.0.1")
if conn == nil then error("connect") end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{{daemon_name}}", "smtpd")
if mt.conninfo(conn, "client.example.net", "198.18.0.9") ~= nil then error("conninfo") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("conninfo reply") end
if mt.helo(conn, "client.example.net") ~= nil then error("helo") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("helo reply") end
if mt.mailfrom(conn, "<>") ~= nil then error("mail") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("mail reply") end
if mt.rcptto(conn, "<nobody@example.org>") ~= nil then error("rcpt") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("unknown user not refused") end
if mt.rcptto(conn, "<{tagged}>") ~= nil then error("rcpt2") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("tagged recipient refused") end
if mt.header(conn, "From", "MAILER-DAEMON@mx.remote.example") ~= nil then error("header") end
if mt.header(conn, "Subject", "Undelivered Mail Returned to Sender") ~= nil then error("header") end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, "This is the mail system at host mx.remote.example.\r\n\r\n<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n") ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("tagged bounce not accepted") end
if not mt.eom_check(conn, MT_RCPTDELETE, "<{tagged}>") then error("tagged recipient not deleted") end
if not mt.eom_check(conn, MT_RCPTADD, "<alice@example.org>") then error("bare recipient not added") end
if not mt.eom_check(conn, MT_HDRADD, "X-Backstop") then error("no X-Backstop") end
-- A second message on the same connection: untagged backscatter, refused at end of message.
if mt.mailfrom(conn, "<>") ~= nil then error("mail2") end
if mt.rcptto(conn, "<bob@example.org>") ~= nil then error("rcpt3") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("rcpt3 reply") end
if mt.header(conn, "From", "MAILER-DAEMON@mx.remote.example") ~= nil then error("header") end
if mt.header(conn, "Subject", "Undelivered Mail Returned to Sender") ~= nil then error("header") end
if mt.eoh(conn) ~= nil then error("eoh") end
if mt.bodystring(conn, "This is the mail system at host mx.remote.example.\r\n\r\n<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n") ~= nil then error("body") end
if mt.eom(conn) ~= nil then error("eom2") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("backscatter not refused") end
mt.disconnect(conn)
mt.echo("miltertest session ok")
"""


def run_miltertest(tmp, milter_port):
    if not shutil.which("miltertest"):
        check("miltertest installed (Debian package miltertest)", False, "not found")
        return
    tagged = batv(tmp, "sign", "alice@example.org").stdout.strip()
    script = os.path.join(tmp, "session.lua")
    with open(script, "w") as f:
        f.write(MILTERTEST.format(port=milter_port, tagged=tagged))
    r = subprocess.run(["miltertest", "-v", "-s", script], capture_output=True, text=True, timeout=60)
    check("miltertest: scripted Sendmail-style session against the milter",
          r.returncode == 0 and "miltertest session ok" in r.stdout, r.stdout + r.stderr)


def main():
    why = postfix_instance.available()
    if why:
        print("SKIP: " + why)
        return 77
    tmp = tempfile.mkdtemp(prefix="backstop-postfix-")
    os.chmod(tmp, 0o755)
    sink = Sink(tmp)
    sink.start()
    ports = {"in": free_port(), "sub": free_port(), "pol": free_port()}
    milter_port, policy_port = free_port(), free_port()
    with open(os.path.join(tmp, "batv.keys"), "w") as f:
        f.write("1 integration-test-secret\n")
    # The inbound service reaches the milter on a Unix socket, named relative to Postfix's queue
    # directory as docs/postfix.md recommends; the submission service and miltertest on TCP.
    os.makedirs(os.path.join(tmp, "postfix-queue", "backstop"))
    conf = os.path.join(tmp, "backstop.toml")
    with open(conf, "w") as f:
        f.write(CONFIG.format(milter=milter_port, policy=policy_port, tmp=tmp, relay=RELAY_IP))
    blog = open(os.path.join(tmp, "backstop.log"), "w+")
    bs = subprocess.Popen([BIN, "serve", "--config", conf], stdout=blog, stderr=subprocess.STDOUT)
    pf = None
    try:
        # An ASan build compiles its pattern tables at start; on a loaded 2-CPU machine that took
        # more than 10 s once.
        ok = wait_port(milter_port, 30) and wait_port(policy_port, 30)
        check("backstop serves the milter and policy ports with [smtp] listen = []", ok)
        milter = "inet:127.0.0.1:%d" % milter_port
        policy = "inet:127.0.0.1:%d" % policy_port
        services = [
            "127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters=unix:backstop/milter.sock "
            "-o mynetworks=192.0.2.255/32" % ports["in"],
            "127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters=%s "
            "-o milter_macro_daemon_name=ORIGINATING" % (ports["sub"], milter),
            "127.0.0.1:%d inet n - n - - smtpd -o mynetworks=192.0.2.255/32 "
            "-o smtpd_recipient_restrictions=reject_unauth_destination,check_policy_service,%s "
            "-o smtpd_data_restrictions=check_policy_service,%s -o cleanup_service_name=cleanup_pol"
            % (ports["pol"], policy, policy),
            # docs/postfix.md: the policy server checks tags; Postfix removes them for delivery.
            "cleanup_pol unix n - n - 0 cleanup -o canonical_maps=regexp:%s/prvs_canonical "
            "-o canonical_classes=envelope_recipient" % tmp,
        ]
        with open(os.path.join(tmp, "prvs_canonical"), "w") as f:
            f.write("/^prvs=[0-9]{4}[0-9a-f]{6}=(.+)$/    ${1}\n")
        pf = postfix_instance.Postfix(tmp, sink.port, services,
                                      extra="milter_protocol = 6\nmilter_default_action = tempfail\n")
        pf.start()
        for p in ports.values():
            assert wait_port(p), "Postfix did not listen on %d" % p
        run_milter(tmp, sink, pf, ports)
        run_policy(tmp, sink, pf, ports)
        run_miltertest(tmp, milter_port)
    finally:
        if pf:
            pf.stop()
        bs.send_signal(signal.SIGTERM)
        try:
            bs.wait(timeout=35)
        except subprocess.TimeoutExpired:
            bs.kill()
        sink.stop()
        blog.flush()
        if not all(results):
            print("---- backstop log ----\n" + open(blog.name).read()[-3000:])
            if pf:
                print("---- postfix log ----\n" + pf.logtext()[-3000:])
        if not os.environ.get("BACKSTOP_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
