#!/usr/bin/env python3
"""Integration test of `backstop serve` limits and operation, on loopback with real peers:
STARTTLS with a real certificate (swaks and smtplib), privilege drop to [smtp] user when
started as root, the command timeout (RFC 5321 4.5.3.2), sessions per client IP, protocol
errors per session, and `check-config` on a broken file.

usage: shield_limits_test.py BACKSTOP_BINARY
Prints one line per check and a last line "N passed, M failed".
"""
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
from harness import check, free_port, results, summary, wait_port


CONFIG = """
[smtp]
listen = ["127.0.0.1:{port}"]
hostname = "mx.example.org"
tls_cert = "{tmp}/cert.pem"
tls_key = "{tmp}/key.pem"
max_sessions_per_ip = 3
max_errors = 3
timeout_command = "2s"
spool_dir = "{tmp}/spool"
user = "{user}"

[downstream]
servers = ["maildir:{tmp}/mail"]

[domains]
local = ["example.org"]
recipients = ["alice@example.org"]
"""


def line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def main():
    tmp = tempfile.mkdtemp(prefix="backstop-limits-")
    os.chmod(tmp, 0o755)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=mx.example.org", "-keyout", tmp + "/key.pem",
                    "-out", tmp + "/cert.pem"], check=True, capture_output=True)
    os.makedirs(tmp + "/mail", exist_ok=True)
    root = os.geteuid() == 0
    if root:
        shutil.chown(tmp + "/mail", "nobody")
    port = free_port()
    conf = tmp + "/backstop.toml"
    with open(conf, "w") as f:
        f.write(CONFIG.format(port=port, tmp=tmp, user="nobody" if root else ""))
    log = open(tmp + "/log", "w+")
    proc = subprocess.Popen([BIN, "serve", "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_port(port):
            check("daemon starts", False, open(tmp + "/log").read())
            return finish(tmp)
        run(tmp, port, proc, root)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not all(results):
            log.flush()
            print("---- backstop log ----\n" + open(tmp + "/log").read()[-3000:])
    return finish(tmp)


def finish(tmp):
    shutil.rmtree(tmp, ignore_errors=True)
    return summary()


def run(tmp, port, proc, root):
    # Privileges: bound as root, then running as nobody.
    if root:
        status = open("/proc/%d/status" % proc.pid).read()
        uid_line = [l for l in status.splitlines() if l.startswith("Uid:")][0]
        check("runs as [smtp] user after binding", uid_line.split()[1] == "65534", uid_line)
    else:
        print("note: not root, privilege drop not exercised")

    # STARTTLS advertised and working: smtplib, then swaks.
    s = smtplib.SMTP("127.0.0.1", port, timeout=10)
    s.ehlo("client.example.net")
    check("STARTTLS advertised", s.has_extn("starttls"), s.esmtp_features)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    code, _ = s.starttls(context=ctx)
    s.ehlo("client.example.net")
    check("STARTTLS handshake and fresh EHLO", code == 220 and not s.has_extn("starttls"), code)
    s.mail("dave@friend.example")
    s.rcpt("alice@example.org")
    code, _ = s.data("Subject: over tls\r\n\r\nhello\r\n")
    s.quit()
    delivered = os.listdir(tmp + "/mail/new") if os.path.isdir(tmp + "/mail/new") else []
    check("mail over TLS delivered to the Maildir", code == 250 and len(delivered) == 1, (code, delivered))
    if delivered:
        body = open(tmp + "/mail/new/" + delivered[0], "rb").read()
        check("Received line says ESMTPS", b"with ESMTPS" in body, body[:300])
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % port, "--tls", "--from",
                        "dave@friend.example", "--to", "alice@example.org"],
                       capture_output=True, text=True)
    check("swaks --tls delivers", r.returncode == 0, r.stdout[-300:])

    # Command timeout: an idle client gets 421 after timeout_command.
    c = socket.create_connection(("127.0.0.1", port))
    line(c)
    t0 = time.time()
    c.settimeout(10)
    reply = line(c)
    waited = time.time() - t0
    check("idle client gets 421 4.4.2 after the command timeout",
          reply.startswith(b"421") and 1.5 < waited < 6, (reply, waited))
    c.close()

    # Sessions per client IP: the fourth concurrent session from one address is refused.
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    for h in held:
        line(h)
    extra = socket.create_connection(("127.0.0.1", port))
    extra.settimeout(5)
    reply = line(extra)
    check("sessions past max_sessions_per_ip get 421", reply.startswith(b"421"), reply)
    other = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
    other.settimeout(5)
    check("another client address is still served", line(other).startswith(b"220"))
    for h in held + [extra, other]:
        h.close()
    time.sleep(0.3)

    # Protocol errors: after max_errors the session is closed with 421.
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(5)
    line(c)
    replies = b""
    for _ in range(4):
        try:
            c.sendall(b"BOGUS\r\n")
            replies += line(c)
        except OSError:
            break
    codes = [l[:3] for l in replies.splitlines()]
    check("errors past max_errors end the session with 421",
          codes[:3] == [b"500"] * 3 and codes[-1] == b"421", codes)
    c.close()

    # check-config reports a broken file with its line.
    bad = tmp + "/bad.toml"
    with open(bad, "w") as f:
        f.write("[smtp]\nmax_recipients = \"many\"\n")
    r = subprocess.run([BIN, "check-config", bad], capture_output=True, text=True)
    check("check-config names the key and line of an error",
          r.returncode == 1 and ":2:" in (r.stdout + r.stderr) and "max_recipients" in (r.stdout + r.stderr),
          r.stdout + r.stderr)


if __name__ == "__main__":
    sys.exit(main())
