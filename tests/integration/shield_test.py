#!/usr/bin/env python3
"""Integration test of `backstop serve` on loopback with real peers.

Starts Postfix's smtp-sink as the downstream MTA and backstop in front of it, then talks to
backstop with Python's smtplib and with swaks, and checks what the clients were answered and
what really arrived downstream:
  backscatter rejected, legitimate bounces (BATV-tagged, quoting our relay, quoting a sent
  Message-ID is the milter issue's) delivered with the tag removed, SAV probes answered 250,
  unknown users 550 at RCPT, ham delivered byte for byte apart from our headers, downstream down
  gives 451 and nothing is acknowledged that the downstream did not take, the limits, and
  config reload (SIGHUP) under load loses no session, an invalid new config is refused.

usage: shield_test.py BACKSTOP_BINARY [CORPUS_DIR]
Prints one line per check and a last line "N passed, M failed".
"""
import glob
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.abspath(sys.argv[1])
CORPUS = sys.argv[2] if len(sys.argv) > 2 else ""
RELAY_IP = "203.0.113.7"
from harness import Sink, bounce, check, free_port, results, summary, wait_port


CONFIG = """
[smtp]
listen = ["127.0.0.1:{port}"]
hostname = "mx.example.org"
max_message_bytes = 200000
max_recipients = 5
max_sessions_per_ip = {per_ip}
max_errors = 5
memory_per_session = 4096
spool_dir = "{tmp}/spool"

[downstream]
servers = ["127.0.0.1:{sink}"]
connect_timeout = "2s"

[domains]
local = ["example.org"]
recipients = ["alice@example.org", "bob@example.org", "postmaster@example.org"{extra}]

[relays]
outbound = ["out.example.org", "{relay}"]

[batv]
key_file = "{tmp}/batv.keys"
lifetime_days = 7

[storm]
domain_backscatter = 1000
"""


class Shield:
    def __init__(self, tmp, sink_port, per_ip=50):
        self.tmp = tmp
        self.port = free_port()
        self.sink_port = sink_port
        self.per_ip = per_ip
        self.conf = os.path.join(tmp, "backstop.toml")
        with open(os.path.join(tmp, "batv.keys"), "w") as f:
            f.write("1 integration-test-secret\n")
        self.write_config()
        self.log = open(os.path.join(tmp, "backstop.log"), "w+")
        self.proc = None

    def write_config(self, extra="", broken=False):
        text = CONFIG.format(port=self.port, tmp=self.tmp, sink=self.sink_port, extra=extra,
                             relay=RELAY_IP, per_ip=self.per_ip)
        if broken:
            text += "\n[smtp]\nthis is not toml\n"
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        assert wait_port(self.port), "backstop did not start: " + self.logtext()

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()


def smtp(shield):
    return smtplib.SMTP("127.0.0.1", shield.port, timeout=20)


def send(shield, sender, rcpts, msg):
    """Returns (rcpt replies, data reply) without raising."""
    s = smtp(shield)
    s.ehlo("client.example.net")
    code, _ = s.mail(sender)
    rr = []
    for r in rcpts:
        rr.append(s.rcpt(r)[0])
    if not any(c == 250 for c in rr):
        s.quit()
        return rr, None
    code, text = s.data(msg)
    s.quit()
    return rr, code


def batv_sign(tmp, addr):
    return subprocess.run([BIN, "batv", "sign", "--key-file", os.path.join(tmp, "batv.keys"), addr],
                          capture_output=True, text=True, check=True).stdout.strip()


HAM = ("From: Dave <dave@friend.example>\r\nTo: alice@example.org\r\nSubject: lunch\r\n"
       "Message-ID: <ham-1@friend.example>\r\n\r\n"
       "Lunch on Friday?\r\n.leading dot line\r\n\r\n-- \r\nDave\r\n")


def body_after_our_headers(dump):
    """smtp-sink's dump: its own X-* and Received lines, then ours, then the message."""
    text = dump.replace(b"\r\n", b"\n")
    lines = text.split(b"\n")
    i = 0
    while i < len(lines) and (lines[i].startswith(b"X-Client-") or lines[i].startswith(b"X-Helo-")
                              or lines[i].startswith(b"X-Mail-") or lines[i].startswith(b"X-Rcpt-")):
        i += 1
    # Drop trace fields and ours: Received (with continuations) and X-Backstop.
    out = []
    skipping = False
    for line in lines[i:]:
        if line.startswith(b"Received:") or line.startswith(b"X-Backstop:"):
            skipping = True
            continue
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        out.append(line)
    return b"\n".join(out)


def corpus_bounces(n):
    if not CORPUS or not os.path.exists(os.path.join(CORPUS, "labels.tsv")):
        return []
    paths = []
    with open(os.path.join(CORPUS, "labels.tsv")) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[1] == "bounce" and cols[0].startswith("spamassassin/t.rules/BOUNCE_MESSAGE"):
                paths.append(os.path.join(CORPUS, cols[0]))
    return paths[:n]


def main():
    tmp = tempfile.mkdtemp(prefix="backstop-shield-")
    os.chmod(tmp, 0o755)  # smtp-sink runs as nobody and writes its dumps below
    sink = Sink(tmp)
    sink.start()
    shield = Shield(tmp, sink.port)
    shield.start()
    try:
        run(tmp, sink, shield)
    finally:
        shield.stop()
        sink.stop()
        log = shield.logtext()
        if not all(results):
            print("---- backstop log ----\n" + log[-4000:])
        if not os.environ.get("BACKSTOP_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept " + tmp)
    return summary()


def run(tmp, sink, shield):
    # Ham is relayed byte for byte (apart from the trace and X-Backstop headers).
    rr, code = send(shield, "dave@friend.example", ["alice@example.org"], HAM)
    msgs = sink.messages()
    check("ham accepted with 250 after the downstream took it", code == 250 and len(msgs) == 1,
          (rr, code, len(msgs)))
    if msgs:
        want = HAM.replace("\r\n", "\n").encode()
        got = body_after_our_headers(msgs[0])
        check("ham delivered byte for byte", got.rstrip(b"\n") == want.rstrip(b"\n"), got[:300])
        check("X-Backstop header added", b"X-Backstop: class=none" in msgs[0], msgs[0][:400])
    sink.clear()

    # SAV probe: MAIL FROM:<>, RCPT, QUIT.
    s = smtp(shield)
    s.ehlo("probe.example.net")
    s.mail("")
    code, _ = s.rcpt("alice@example.org")
    s.quit()
    check("SAV probe answered 250 at RCPT", code == 250, code)

    # Unknown user.
    s = smtp(shield)
    s.ehlo("client.example.net")
    s.mail("dave@friend.example")
    code, text = s.rcpt("nobody@example.org")
    s.quit()
    check("unknown user 550 5.1.1 at RCPT", code == 550 and b"5.1.1" in text, (code, text))

    # Backscatter from the corpus (or our own) is rejected at end of DATA.
    samples = [open(p, "rb").read() for p in corpus_bounces(5)]
    if not samples:
        samples = [bounce("alice@example.org", "bot.example", "198.18.5.5").encode()]
    rejected = 0
    for raw in samples:
        rr, code = send(shield, "", ["alice@example.org"], raw)
        rejected += code == 550
    check("backscatter rejected 550 at DATA (%d samples)" % len(samples),
          rejected == len(samples) and not sink.messages(), (rejected, len(sink.messages())))

    # Legitimate bounce to a BATV-tagged sender: delivered, tag removed downstream.
    tagged = batv_sign(tmp, "alice@example.org")
    rr, code = send(shield, "", [tagged], bounce("alice@example.org", "bot.example", "198.18.5.5"))
    msgs = sink.messages()
    check("BATV-tagged bounce accepted", code == 250 and len(msgs) == 1, (rr, code))
    if msgs:
        check("BATV tag removed when relaying", b"X-Rcpt-Args: <alice@example.org>" in msgs[0],
              msgs[0][:300])
    sink.clear()

    # Legitimate bounce quoting our outbound relay.
    rr, code = send(shield, "", ["bob@example.org"], bounce("bob@example.org", "out.example.org", RELAY_IP))
    check("bounce quoting our relay accepted", code == 250 and len(sink.messages()) == 1, (rr, code))
    sink.clear()

    # Our relay named from a foreign address: forged.
    rr, code = send(shield, "", ["bob@example.org"], bounce("bob@example.org", "out.example.org", "198.18.9.9"))
    check("bounce naming our relay from a foreign IP rejected", code == 550, (rr, code))

    # Bad BATV tag at RCPT.
    bad = tagged[:9] + ("0" if tagged[9] != "0" else "1") + tagged[10:]
    s = smtp(shield)
    s.ehlo("client.example.net")
    s.mail("")
    code, text = s.rcpt(bad)
    s.quit()
    check("bad BATV tag 550 5.7.1 at RCPT", code == 550 and b"5.7.1" in text, (code, text))

    # swaks as a client.
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % shield.port, "--from",
                        "dave@friend.example", "--to", "bob@example.org", "--body", "via swaks",
                        "--helo", "swaks.example.net"], capture_output=True, text=True)
    check("swaks delivers through the shield", r.returncode == 0 and len(sink.messages()) == 1,
          r.stdout[-400:])
    sink.clear()

    # Limits: recipients per message, message size.
    s = smtp(shield)
    s.ehlo("client.example.net")
    s.mail("dave@friend.example")
    codes = [s.rcpt("alice@example.org")[0] for _ in range(6)]
    s.quit()
    check("recipients past max_recipients get 452", codes[:5] == [250] * 5 and codes[5] == 452, codes)
    big = "From: d@friend.example\r\nSubject: big\r\n\r\n" + ("x" * 998 + "\r\n") * 250
    rr, code = send(shield, "dave@friend.example", ["alice@example.org"], big)
    check("message past max_message_bytes gets 552", code == 552 and not sink.messages(), code)
    # A message past memory_per_session spills to a file and is still relayed intact.
    mid = "From: d@friend.example\r\nSubject: mid\r\n\r\n" + ("y" * 500 + "\r\n") * 100
    rr, code = send(shield, "dave@friend.example", ["alice@example.org"], mid)
    msgs = sink.messages()
    check("spilled message relayed intact", code == 250 and msgs and msgs[0].count(b"y" * 500) == 100,
          code)
    sink.clear()

    # Config reload under load loses no session.
    ok_count = [0]
    errors = []

    def worker():
        for _ in range(10):
            try:
                rr, code = send(shield, "dave@friend.example", ["alice@example.org"], HAM)
                if code == 250:
                    ok_count[0] += 1
                else:
                    errors.append(code)
            except Exception as e:  # noqa: BLE001 - any failure is a lost session
                errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(5):
        time.sleep(0.1)
        shield.write_config(extra=', "carol%d@example.org"' % i)
        shield.proc.send_signal(signal.SIGHUP)
    for t in threads:
        t.join()
    time.sleep(0.5)
    check("config reload under load loses no session", ok_count[0] == 40 and not errors
          and len(sink.messages()) == 40, (ok_count[0], errors[:3], len(sink.messages())))
    sink.clear()
    s = smtp(shield)
    s.ehlo("client.example.net")
    s.mail("dave@friend.example")
    code, _ = s.rcpt("carol4@example.org")
    s.quit()
    check("reloaded configuration is in force", code == 250, code)

    # An invalid new configuration is refused; the old one stays.
    shield.write_config(broken=True)
    shield.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    s = smtp(shield)
    s.ehlo("client.example.net")
    s.mail("dave@friend.example")
    code, _ = s.rcpt("carol4@example.org")
    s.quit()
    check("invalid configuration refused, old one kept", code == 250 and "reload refused" in shield.logtext(),
          code)

    # Downstream down: 451, and nothing acknowledged.
    sink.stop()
    rr, code = send(shield, "dave@friend.example", ["alice@example.org"], HAM)
    check("downstream down gives 451 at end of DATA", code == 451, code)
    sink.start()

    # The decision log has one line per decision.
    log = shield.logtext()
    check("decision log names the rejects",
          "REJECT backscatter" in log and "REJECT unknown-user" in log and "-> nobody@example.org" in log,
          log[-600:])


if __name__ == "__main__":
    sys.exit(main())
