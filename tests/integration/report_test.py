#!/usr/bin/env python3
"""Integration test of signed UDP reports between two backstop daemons.

Starts two nodes on loopback (separate SQLite stores, each with [report] listen, the other as
its peer, and a DNS blocklist zone), then checks with `dig`:
  `backstop report send` on node A lists the IP on node B's zone with the reason's code;
  a client node A lists by itself ([autolist]) is reported to node B and listed there;
  packets built here by the documented wire format (docs/report-protocol.md): a correctly
  signed one is accepted; one signed with another key, a tampered one, a stale one and a
  replayed one change nothing, and node B counts each cause.

usage: report_test.py BACKSTOP_BINARY
"""
import hashlib
import hmac
import os
import shutil
import signal
import smtplib
import socket
import struct
import subprocess
import sys
import tempfile
import time

from harness import check, free_port, results, summary, wait_port

BIN = os.path.abspath(sys.argv[1])
KEY_ID, SECRET = "k2026", "a shared secret of enough length"

CONFIG = """
[smtp]
listen = ["127.0.0.1:{smtp}"]
hostname = "{name}.example.org"
[downstream]
servers = ["maildir:mail"]
[domains]
local = ["example.org"]
recipients = ["@example.org"]
[dns]
listen = ["127.0.0.1:{dns}"]
block_zone = "bl.example.org"
[report]
listen = ["127.0.0.1:{report}"]
peers = ["127.0.0.1:{peer}"]
key_file = "report.keys"
node = "{name}"
[autolist]
helo_is_us = "helo-is-us"
"""


def dig(port, name, qtype="A"):
    r = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "@127.0.0.1", "-p", str(port),
                        name, qtype], capture_output=True, text=True)
    return r.stdout.strip()


def rev(ip):
    return ".".join(reversed(ip.split("."))) + ".bl.example.org"


def wait_dig(port, ip, want, timeout=4):
    end = time.time() + timeout
    got = ""
    while time.time() < end:
        got = dig(port, rev(ip))
        if got == want:
            return got
        time.sleep(0.2)
    return got


def packet(ip, reason, key_id=KEY_ID, secret=SECRET, node="forger", ts=None, nonce=None):
    """A report by the layout in docs/report-protocol.md."""
    ts = int(time.time()) if ts is None else ts
    nonce = os.urandom(16) if nonce is None else nonce
    body = b"BSR" + bytes([1, len(key_id)]) + key_id.encode() + bytes([len(node)]) + node.encode()
    body += struct.pack(">q", ts) + nonce + bytes([1])
    body += bytes([4, 32]) + socket.inet_aton(ip) + bytes([len(reason)]) + reason.encode()
    return body + hmac.new(secret.encode(), body, hashlib.sha256).digest()


class Node:
    def __init__(self, tmp, name, ports, peer_report):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.smtp, self.dns, self.report = ports
        with open(os.path.join(self.dir, "report.keys"), "w") as f:
            f.write("%s %s\n" % (KEY_ID, SECRET))
        self.conf = os.path.join(self.dir, "backstop.toml")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(smtp=self.smtp, dns=self.dns, report=self.report,
                                  peer=peer_report, name=name))
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def logtext(self):
        self.log.flush()
        return open(self.log.name).read()


def main():
    tmp = tempfile.mkdtemp(prefix="backstop-report-")
    pa = [free_port() for _ in range(3)]
    pb = [free_port() for _ in range(3)]
    a = Node(tmp, "a", pa, pb[2])
    b = Node(tmp, "b", pb, pa[2])
    try:
        check("both nodes start", wait_port(pa[0], 20) and wait_port(pb[0], 20))
        r = subprocess.run([BIN, "report", "send", "--config", a.conf, "198.51.100.21", "virus"],
                           capture_output=True, text=True)
        check("report send exits 0", r.returncode == 0, r.stdout + r.stderr)
        check("node B lists the reported IP with the reason's code (virus: 127.0.0.3)",
              wait_dig(pb[1], "198.51.100.21", "127.0.0.3") == "127.0.0.3",
              dig(pb[1], rev("198.51.100.21")))
        check("node A did not list it (reports go to the peers)",
              dig(pa[1], rev("198.51.100.21")) == "")

        # Node A lists a client that greets with A's own name, and reports it to B.
        s = smtplib.SMTP("127.0.0.1", pa[0], timeout=10, source_address=("127.0.0.44", 0))
        code, _ = s.helo("a.example.org")
        s.close()
        check("node A refuses HELO with its own name", code == 550, code)
        check("node A lists the client by itself (helo-is-us: 127.0.0.4)",
              wait_dig(pa[1], "127.0.0.44", "127.0.0.4") == "127.0.0.4")
        check("node B lists it from A's report",
              wait_dig(pb[1], "127.0.0.44", "127.0.0.4") == "127.0.0.4",
              dig(pb[1], rev("127.0.0.44")))

        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = ("127.0.0.1", pb[2])
        u.sendto(packet("198.51.100.30", "spam"), target)
        check("a packet built from docs/report-protocol.md is accepted (spam: 127.0.0.8)",
              wait_dig(pb[1], "198.51.100.30", "127.0.0.8") == "127.0.0.8")
        u.sendto(packet("198.51.100.31", "spam", secret="not the shared secret at all"), target)
        u.sendto(packet("198.51.100.32", "spam", key_id="other"), target)
        good = packet("198.51.100.33", "spam")
        u.sendto(good[:-40] + bytes([good[-40] ^ 1]) + good[-39:], target)  # tampered reason
        u.sendto(packet("198.51.100.34", "spam", ts=int(time.time()) - 3600), target)
        replay = packet("198.51.100.35", "spam")
        u.sendto(replay, target)
        time.sleep(1.5)
        check("the original of the replayed packet was accepted",
              dig(pb[1], rev("198.51.100.35")) == "127.0.0.8")
        subprocess.run([BIN, "lists", "del", "--config", b.conf, "198.51.100.35"],
                       capture_output=True)
        time.sleep(1.5)
        u.sendto(replay, target)
        time.sleep(1.5)
        for ip, what in (("198.51.100.31", "wrong secret"), ("198.51.100.32", "unknown key id"),
                         ("198.51.100.33", "tampered"), ("198.51.100.34", "stale (an hour old)"),
                         ("198.51.100.35", "replayed")):
            check("%s packet changes nothing" % what, dig(pb[1], rev(ip)) == "", dig(pb[1], rev(ip)))
    finally:
        a.stop()
        b.stop()
    log = b.logtext()
    line = [l for l in log.splitlines() if "reports:" in l]
    check("node B counts each drop cause",
          line and "unknown-key=1" in line[0] and "bad-mac=2" in line[0] and "stale=1" in line[0]
          and "replay=1" in line[0], line)
    if not all(results):
        print("---- node A ----\n" + a.logtext()[-2000:] + "\n---- node B ----\n" + log[-2000:])
    shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
