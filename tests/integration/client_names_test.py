#!/usr/bin/env python3
"""Integration test of host-name allowlists and blocklists in the shield (issue 4): backstop
looks each client's name up with forward-confirmed reverse DNS (c-ares) against a fake name
server that the test runs on a loopback port ([resolver] servers), then matches the
[allow] / [block] host patterns and the store's allowlist.

Clients connect from different 127.0.0.0/8 source addresses; each sends a backscatter bounce
(a DSN that quotes a relay that is not ours) to a real recipient, which the shield refuses at
the end of DATA (550 5.7.1) unless the client is allowlisted, when it is relayed to the sink.

  127.0.0.5  PTR mx.good.example, A 127.0.0.5      confirmed, [allow] ".good.example": relayed
  127.0.0.6  PTR mx.good.example (A says .5)        not confirmed: refused
  127.0.0.7  PTR spam.bad.example, A 127.0.0.7      [block] "*.bad.example": refused at MAIL
  127.0.0.9  PTR ex.good.example, A 127.0.0.9       excluded by "!ex.good.example": refused
  127.0.0.8  PTR mx.partner.example, A 127.0.0.8    refused, then relayed once
             `backstop lists add --allow .partner.example` put it on the store's allowlist
  127.0.0.10 the name server silent: the session goes on without a name after [resolver]
             timeout, and is refused like any unknown client
  127.0.0.11 the name server gone (port closed): the same, without waiting

usage: client_names_test.py BACKSTOP_BINARY
Prints one line per check and a last line "N passed, M failed".
"""
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time

from fake_dns import FakeDns, reverse
from harness import Sink, bounce, check, free_port, summary, wait_port

BIN = os.path.abspath(sys.argv[1])

CONFIG = """
[smtp]
listen = ["127.0.0.1:{port}"]
hostname = "mx.example.org"
spool_dir = "{tmp}/spool"

[downstream]
servers = ["127.0.0.1:{sink}"]

[domains]
local = ["example.org"]
recipients = ["alice@example.org", "postmaster@example.org"]

[relays]
outbound = ["out.example.org"]

[storm]
enabled = false

[allow]
clients = [".good.example", "!ex.good.example"]

[block]
clients = ["*.bad.example"]

[resolver]
servers = ["{dns}"]
timeout = "2s"

[store]
backend = "sqlite"
path = "{tmp}/backstop.db"
"""


def session(port, source, timeout=20):
    """Sends a backscatter bounce to alice from source. Returns (greeting or MAIL code, data
    code or None, seconds until the greeting)."""
    start = time.time()
    s = smtplib.SMTP(timeout=timeout, source_address=(source, 0))
    greeting, _ = s.connect("127.0.0.1", port)
    greeted = time.time() - start
    if greeting != 220:
        s.close()
        return greeting, None, greeted
    s.ehlo("client.example.net")
    code, _ = s.mail("<>")
    if code != 250:
        s.quit()
        return code, None, greeted
    rc, _ = s.rcpt("alice@example.org")
    if rc != 250:
        s.quit()
        return code, rc, greeted
    data_code, _ = s.data(bounce("alice@example.org", "mail.stranger.example", "198.51.100.9"))
    s.quit()
    return code, data_code, greeted


def main():
    tmp = tempfile.mkdtemp(prefix="backstop-names-")
    os.chmod(tmp, 0o755)  # smtp-sink runs as nobody and writes its dumps below
    records = {
        (reverse("127.0.0.5"), "PTR"): ["MX.Good.Example"],
        ("mx.good.example", "A"): ["127.0.0.5"],
        (reverse("127.0.0.6"), "PTR"): ["mx.good.example"],
        (reverse("127.0.0.7"), "PTR"): ["spam.bad.example"],
        ("spam.bad.example", "A"): ["127.0.0.7"],
        (reverse("127.0.0.9"), "PTR"): ["ex.good.example"],
        ("ex.good.example", "A"): ["127.0.0.9"],
        (reverse("127.0.0.8"), "PTR"): ["mx.partner.example"],
        ("mx.partner.example", "A"): ["127.0.0.8"],
    }
    dns = FakeDns(records)
    sink = Sink(tmp)
    sink.start()
    port = free_port()
    conf = os.path.join(tmp, "backstop.toml")
    with open(conf, "w") as f:
        f.write(CONFIG.format(port=port, tmp=tmp, sink=sink.port, dns=dns.address()))
    log = open(os.path.join(tmp, "backstop.log"), "w+")
    proc = subprocess.Popen([BIN, "serve", "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_port(port):
            check("backstop starts", False, open(log.name).read())
            return summary()

        mail, data, _ = session(port, "127.0.0.5")
        check("confirmed name on the allowlist: bounce relayed", (mail, data) == (250, 250),
              (mail, data))
        got = sink.messages()
        check("the Received header names the confirmed client",
              any(b"from client.example.net (mx.good.example [127.0.0.5])" in m for m in got),
              got[-1][:300] if got else "nothing arrived")

        mail, data, _ = session(port, "127.0.0.6")
        check("PTR without a matching A: not allowlisted, refused", data == 550, (mail, data))

        mail, data, _ = session(port, "127.0.0.7")
        check("confirmed name on [block] clients: refused at connect (554)", mail == 554,
              (mail, data))

        mail, data, _ = session(port, "127.0.0.9")
        check("a '!' exclusion wins over the including pattern", data == 550, (mail, data))

        mail, data, _ = session(port, "127.0.0.8")
        check("an unlisted confirmed name: refused", data == 550, (mail, data))
        subprocess.run([BIN, "lists", "add", "--config", conf, "--allow", ".partner.example"],
                       check=True, stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            mail, data, _ = session(port, "127.0.0.8")
            if data == 250 or time.time() > deadline:
                break
            time.sleep(0.5)
        check("the store's host allowlist (lists add --allow .partner.example): relayed",
              data == 250, (mail, data))

        asked = len(dns.queries)
        session(port, "127.0.0.5")
        check("names are cached for their TTL (no new questions)", len(dns.queries) == asked,
              dns.queries[asked:])

        dns.silent = True
        mail, data, greeted = session(port, "127.0.0.10")
        check("name server silent: greeted after [resolver] timeout (2 s), not later",
              1.5 <= greeted < 4, greeted)
        check("name server silent: an unknown client is refused as usual", data == 550,
              (mail, data))
        dns.stop()
        mail, data, greeted = session(port, "127.0.0.11")
        check("name server gone: greeted at once, refused as usual",
              greeted < 3 and data == 550, (greeted, mail, data))

        text = open(log.name).read()
        check("the log names the allowlisted client's confirmed host",
              "mx.good.example" in text, text[-2000:])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        sink.stop()
        dns.stop()
        if os.environ.get("KEEP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
