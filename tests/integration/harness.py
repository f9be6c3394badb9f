"""Shared pieces of the integration tests: checks with a closing "N passed, M failed" line,
free loopback ports, waiting for a server to listen, Postfix's smtp-sink as a downstream, and
a DSN whose quoted original entered the remote site from a given host."""
import glob
import os
import socket
import subprocess
import time

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(detail)), flush=True)


def summary():
    """Prints the closing line and returns the exit status."""
    failed = results.count(False)
    print("%d passed, %d failed" % (results.count(True), failed))
    return 1 if failed or not results else 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Sink:
    """Postfix's smtp-sink, dumping every message it takes to a directory."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "sink")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)
        self.port = free_port()
        self.proc = None

    def start(self):
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(["smtp-sink", *user, "-d", self.dir + "/%M.",
                                      "127.0.0.1:%d" % self.port, "100"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_port(self.port), "smtp-sink did not start"

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def messages(self):
        out = []
        for f in sorted(glob.glob(self.dir + "/*")):
            with open(f, "rb") as fh:
                out.append(fh.read())
        return out

    def clear(self):
        for f in glob.glob(self.dir + "/*"):
            os.unlink(f)


def bounce(to, entry_host, entry_ip, lower="", message_id=None):
    """A Postfix-style DSN to `to` whose original entered mx.remote.example from entry_host."""
    if message_id is None:
        message_id = "orig-%d@example.org" % int(time.time() * 1000000)
    return ("From: MAILER-DAEMON@mx.remote.example (Mail Delivery System)\r\n"
            "To: %s\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\n"
            "This is the mail system at host mx.remote.example.\r\n\r\n"
            "<nobody@remote.example>: host said: 550 5.1.1 User unknown\r\n\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.remote.example\r\n\r\n"
            "Final-Recipient: rfc822; nobody@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--B\r\nContent-Type: message/rfc822\r\n\r\n"
            "Received: from %s (%s [%s])\r\n\tby mx.remote.example (Postfix) with ESMTP id 1;"
            " Tue, 24 Nov 2026 10:00:00 +0000\r\n%s"
            "From: %s\r\nTo: nobody@remote.example\r\nSubject: hello\r\n"
            "Message-ID: <%s>\r\n\r\nhello\r\n--B--\r\n"
            % (to, entry_host, entry_host, entry_ip, lower, to, message_id))
