#!/usr/bin/env python3
"""Integration test of the shared reputation (issue 4) against real peers.

Everything runs on loopback in a temporary directory, inside a private network and mount
namespace that the test creates (`unshare -m -n`), where lo is brought up and a resolv.conf
naming 127.0.0.1 is bind-mounted over /etc/resolv.conf for that namespace only: Postfix and
rblsmtpd use the system resolver, and there backstop's DNS server answers on 127.0.0.1:53. When
the namespace cannot be made, the Postfix and rblsmtpd parts are skipped (SKIP lines) and the
rest runs on the host's loopback.

Processes: a redis-server of its own (no persistence); two backstop daemons sharing one SQLite
file (S1 serves the DNS zones, also on port 53; S2 a second DNS listener); two backstop daemons
on Redis (A and B: SMTP with greylisting and automatic listing, and a DNS block zone each); a
private Postfix (reject_rbl_client / permit_dnswl_client); tcpserver + rblsmtpd.

  1. DNS answers, checked with dig: listed, unlisted, apex, foreign zone, IPv6, deletion,
     expiry, the IP allowlist zone and the domain allowlist zone.
  2. Postfix's reject_rbl_client and permit_dnswl_client against backstop's zones.
  3. rblsmtpd -r / -b / -a against backstop's zones.
  4. Entries shared between daemons over SQLite (one file) and over Redis.
  5. Greylisting across nodes on Redis; SAV probes are not greylisted.
  6. Automatic listing (HELO with our name): listed, published, refused at connect.
  7. Redis stopped and restarted: the SMTP service answers, the daemon recovers.

usage: reputation_test.py BACKSTOP_BINARY
Prints one line per check and a last line "N passed, M failed"; exit 77 when a required tool
(dig, redis-server) is missing.
"""
import calendar
import ipaddress
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

from harness import check, free_port, results, summary, wait_port
import postfix_instance

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
NS_ENV = "BACKSTOP_REPUTATION_NETNS"
# What to stop at the end, whatever happens in between: callables, run last first.
CLEANUP = []


def stop_proc(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

COMMON = """
[domains]
local = ["example.org"]
recipients = ["alice@example.org", "bob@example.org", "carol@example.org", "postmaster@example.org"]
"""

# S1 and S2: DNS only, on one shared SQLite file.
SQLITE_NODE = """
[smtp]
listen = []
hostname = "{host}"

[dns]
listen = [{dns_listen}]
block_zone = "bl.example.org"
allow_zone = "wl.example.org"
domain_allow_zone = "dwl.example.org"
ns = "ns1.example.org"
hostmaster = "hostmaster@example.org"
ttl = "2m"

[store]
backend = "sqlite"
path = "{tmp}/shared.db"

[report]
node = "{node}"
""" + COMMON

# A and B: SMTP with greylisting and automatic listing, on Redis.
REDIS_NODE = """
[smtp]
listen = ["127.0.0.1:{smtp}"]
hostname = "{host}"

[downstream]
servers = ["maildir:{tmp}/maildir-{node}"]

[dns]
listen = ["127.0.0.1:{dns}"]
block_zone = "bl.example.org"

[store]
backend = "redis"
redis = ["127.0.0.1:{redis}"]

[greylist]
enabled = true
delay = "2s"
retry_window = "1h"
fail = "open"

[autolist]
helo_is_us = "helo-is-us"

[report]
node = "{node}"
""" + COMMON

HAM = ("From: Dave <dave@friend.example>\r\nTo: alice@example.org\r\nSubject: lunch\r\n"
       "Message-ID: <ham-{n}@friend.example>\r\n\r\nLunch on Friday?\r\n")


# ---------------------------------------------------------------------------------------------
# The namespace

def enter_namespace():
    """Re-executes this script inside new network and mount namespaces when possible. Returns
    (inside, why_not)."""
    if os.environ.get(NS_ENV) == "1":
        return True, ""
    if os.environ.get(NS_ENV) == "0":
        return False, os.environ.get(NS_ENV + "_WHY", "")
    why = ""
    if os.geteuid() != 0:
        why = "creating a network namespace needs root"
    elif not shutil.which("unshare") or not shutil.which("ip"):
        why = "unshare (util-linux) or ip (iproute2) is not installed"
    else:
        r = subprocess.run(["unshare", "-m", "-n", "--propagation", "private", "true"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            why = "unshare -m -n failed here: " + (r.stderr.strip() or "exit %d" % r.returncode)
    if why:
        os.environ[NS_ENV] = "0"
        os.environ[NS_ENV + "_WHY"] = why
        return False, why
    os.environ[NS_ENV] = "1"
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "-m", "-n", "--propagation", "private",
                          sys.executable, os.path.abspath(__file__)] + sys.argv[1:])


def setup_namespace(tmp):
    """Inside the namespace: lo up, and a resolv.conf naming 127.0.0.1 for this namespace only.
    Returns why it failed, or ""."""
    r = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if r.returncode != 0:
        return "ip link set lo up: " + r.stderr.strip()
    conf = os.path.join(tmp, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:2\n")
    os.chmod(conf, 0o644)
    r = subprocess.run(["mount", "--bind", conf, "/etc/resolv.conf"], capture_output=True, text=True)
    if r.returncode != 0:
        return "mount --bind over /etc/resolv.conf: " + r.stderr.strip()
    return ""


# ---------------------------------------------------------------------------------------------
# Processes

class Daemon:
    """One `backstop serve` with its own config file and log."""

    def __init__(self, tmp, name, text, smtp=None, dns=()):
        self.name = name
        self.conf = os.path.join(tmp, name + ".toml")
        self.logname = os.path.join(tmp, name + ".log")
        self.smtp = smtp
        self.dns = list(dns)
        self.proc = None
        self.status = None
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        self.mark = len(self.log())
        self.logf = open(self.logname, "a")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT)

    def ready(self, timeout=30):
        want = ["listening on dns 127.0.0.1:%d" % p for p in self.dns]
        if self.smtp:
            want.append("listening on 127.0.0.1:%d" % self.smtp)
        end = time.time() + timeout
        while time.time() < end:
            text = self.log()[self.mark:]
            if all(w in text for w in want):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.logname, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.status = self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.status = self.proc.wait()
        self.logf.close()


class Redis:
    def __init__(self, tmp):
        self.tmp = tmp
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.tmp, "--protected-mode", "no"],
            stdout=open(os.path.join(self.tmp, "redis.log"), "a"), stderr=subprocess.STDOUT)
        return wait_port(self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cli(self, *args):
        if not shutil.which("redis-cli"):
            return ""
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                              text=True, timeout=10).stdout


def lists(conf, *args):
    return subprocess.run([BIN, "lists", args[0], "--config", conf, *args[1:]],
                          capture_output=True, text=True, timeout=30)


def show(conf, entry, allow=False):
    """The entry as `lists show --json` prints it, or None."""
    r = lists(conf, "show", "--json", *(["--allow", "--only"] if allow else []))
    for line in r.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("entry") == entry:
            return o
    return None


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# ---------------------------------------------------------------------------------------------
# dig

def dig(port, name, qtype="A", *opts):
    r = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), name, qtype, "+time=1", "+tries=2",
                        *opts], capture_output=True, text=True, timeout=15)
    return r.stdout


def short(port, name, qtype="A", *opts):
    return dig(port, name, qtype, "+short", *opts).split()


def parse(out):
    """status, flags, and the records of each section of a full dig answer."""
    m = re.search(r"status: (\w+)", out)
    f = re.search(r";; flags: ([^;]*);", out)
    d = {"status": m.group(1) if m else None, "flags": set(f.group(1).split()) if f else set(),
         "ANSWER": [], "AUTHORITY": [], "ADDITIONAL": [], "QUESTION": [], "raw": out}
    section = None
    for line in out.splitlines():
        s = re.match(r";; (\w+) SECTION:", line)
        if s:
            section = s.group(1)
            continue
        if not line.strip() or section is None:
            if not line.strip():
                section = None
            continue
        if section == "QUESTION":
            d["QUESTION"].append(line.lstrip(";").split())
        elif section in d and not line.startswith(";"):
            p = line.split(None, 4)
            if len(p) == 5:
                d[section].append((p[0], int(p[1]), p[2], p[3], p[4]))
    return d


def wait_for(fn, timeout):
    """Calls fn until it returns something true; (value, seconds taken)."""
    start = time.time()
    while True:
        v = fn()
        if v or time.time() - start > timeout:
            return v, time.time() - start
        time.sleep(0.1)


def rev4(ip):
    return ".".join(reversed(ip.split(".")))


def rev6(ip):
    return ".".join(reversed(ipaddress.ip_address(ip).exploded.replace(":", "")))


# ---------------------------------------------------------------------------------------------
# SMTP

def greeting(port, source, timeout=10):
    """The first reply line of a connection from source, or the error."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=(source, 0))
    except OSError as e:
        return "connect failed: %s" % e
    try:
        f = s.makefile("rb")
        line = f.readline().decode(errors="replace").strip()
        try:
            s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return line
    except OSError as e:
        return "read failed: %s" % e
    finally:
        s.close()


def transaction(port, source, sender, rcpt, helo="client.example.net", data=None, timeout=20):
    """(helo code, mail code, rcpt code, rcpt text, data code) of one transaction; raises nothing."""
    out = [None, None, None, "", None]
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    except (OSError, smtplib.SMTPException) as e:
        out[3] = "connect: %s" % e
        return tuple(out)
    try:
        out[0] = s.ehlo(helo)[0]
        out[1] = s.mail(sender)[0]
        code, text = s.rcpt(rcpt)
        out[2], out[3] = code, text.decode(errors="replace")
        if data is not None and code == 250:
            try:
                out[4] = s.data(data)[0]
            except smtplib.SMTPResponseException as e:
                out[4] = e.smtp_code
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        out[3] = out[3] or "error: %s" % e
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# 1. DNS answers

def run_dns(s1, dport, start_time):
    conf = s1.conf
    ip = "198.51.100.7"
    name = rev4(ip) + ".bl.example.org"
    r = lists(conf, "add", "--reason", "virus", ip)
    check("lists add --reason virus exits 0", r.returncode == 0, r.stdout + r.stderr)
    added = time.time()
    got, took = wait_for(lambda: short(dport, name) == ["127.0.0.3"], 3)
    check("dns: a virus entry answers A 127.0.0.3 within 1.5 s (%.1f s)" % took,
          got and took <= 1.5, (took, dig(dport, name)))
    entry = show(conf, ip) or {}
    exp = entry.get("expires", 0)
    check("lists show: the virus entry expires 24 h after it was added",
          abs(exp - (added + 86400)) < 5, entry)
    a = parse(dig(dport, name))
    check("dns: full A answer: NOERROR, aa, one A 127.0.0.3 with TTL = [dns] ttl (120)",
          a["status"] == "NOERROR" and "aa" in a["flags"] and "ra" not in a["flags"] and
          a["ANSWER"] == [(name + ".", 120, "IN", "A", "127.0.0.3")], a["raw"])
    txt = short(dport, name, "TXT")
    want = '"virus, expires %s"' % iso(exp)
    check("dns: TXT is \"virus, expires <entry's expiry>\"", " ".join(txt) == want, (txt, want))
    t = parse(dig(dport, name, "TXT"))
    check("dns: full TXT answer: NOERROR, aa, one TXT record",
          t["status"] == "NOERROR" and "aa" in t["flags"] and len(t["ANSWER"]) == 1 and
          t["ANSWER"][0][3] == "TXT" and t["ANSWER"][0][4] == want, t["raw"])
    tcp = short(dport, name, "A", "+tcp")
    check("dns: the same answer over TCP", tcp == ["127.0.0.3"], tcp)
    mixed = "7.100.51.198.Bl.EXAMPLE.org"
    m = parse(dig(dport, mixed))
    check("dns: any case is answered and the question echoed as asked",
          m["ANSWER"] and m["ANSWER"][0][0] == mixed + "." and m["ANSWER"][0][4] == "127.0.0.3",
          m["raw"])
    aaaa = parse(dig(dport, name, "AAAA"))
    check("dns: AAAA of a listed name is NODATA (NOERROR, no answer, SOA)",
          aaaa["status"] == "NOERROR" and not aaaa["ANSWER"] and
          [x[3] for x in aaaa["AUTHORITY"]] == ["SOA"], aaaa["raw"])

    # Unlisted: NXDOMAIN with the SOA (negative TTL 60).
    n = parse(dig(dport, "8.100.51.198.bl.example.org"))
    soa = n["AUTHORITY"][0] if n["AUTHORITY"] else None
    fields = soa[4].split() if soa else []
    check("dns: an unlisted IP is NXDOMAIN, aa, with the zone's SOA (TTL 60) in authority",
          n["status"] == "NXDOMAIN" and "aa" in n["flags"] and not n["ANSWER"] and soa and
          soa[0] == "bl.example.org." and soa[1] == 60 and soa[3] == "SOA", n["raw"])
    serial_ok = len(fields) == 7 and start_time - 5 <= int(fields[2]) <= time.time() + 1
    check("dns: SOA is ns1.example.org. hostmaster.example.org. SERIAL 3600 600 604800 60",
          fields[:2] == ["ns1.example.org.", "hostmaster.example.org."] and serial_ok and
          fields[3:] == ["3600", "600", "604800", "60"], fields)
    apex = parse(dig(dport, "bl.example.org", "SOA"))
    check("dns: the apex answers SOA (TTL 3600)",
          apex["status"] == "NOERROR" and "aa" in apex["flags"] and len(apex["ANSWER"]) == 1 and
          apex["ANSWER"][0][1] == 3600 and apex["ANSWER"][0][3] == "SOA" and
          apex["ANSWER"][0][4].split()[:2] == fields[:2], apex["raw"])
    ns = parse(dig(dport, "bl.example.org", "NS"))
    check("dns: the apex answers NS ns1.example.org.",
          ns["status"] == "NOERROR" and
          [(x[0], x[3], x[4]) for x in ns["ANSWER"]] == [("bl.example.org.", "NS", "ns1.example.org.")],
          ns["raw"])
    for q in ("www.example.com", "example.org", "7.100.51.198.bl.example.net"):
        ref = parse(dig(dport, q))
        check("dns: %s (no zone of ours) is REFUSED, no records" % q,
              ref["status"] == "REFUSED" and not ref["ANSWER"] and not ref["AUTHORITY"] and
              "aa" not in ref["flags"], ref["raw"])
    check("dns: RFC 5782 test entries: 127.0.0.2 listed, 127.0.0.1 not",
          short(dport, "2.0.0.127.bl.example.org") == ["127.0.0.2"] and
          parse(dig(dport, "1.0.0.127.bl.example.org"))["status"] == "NXDOMAIN")

    # IPv6 under 32 reversed nibbles (reason spam: code 8).
    v6 = "2001:db8::7"
    n6 = rev6(v6) + ".bl.example.org"
    r = lists(conf, "add", "--reason", "spam", v6)
    got, took = wait_for(lambda: short(dport, n6) == ["127.0.0.8"], 3)
    check("dns: 2001:db8::7 answers A 127.0.0.8 under its 32 nibbles within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5 and len(rev6(v6).split(".")) == 32,
          (r.stdout + r.stderr, dig(dport, n6)))
    check("dns: the neighbour 2001:db8::8 is NXDOMAIN",
          parse(dig(dport, rev6("2001:db8::8") + ".bl.example.org"))["status"] == "NXDOMAIN")
    upper = n6.upper()
    check("dns: upper-case nibbles answer the same",
          short(dport, upper) == ["127.0.0.8"], dig(dport, upper))
    short_name = ".".join(rev6(v6).split(".")[8:]) + ".bl.example.org"
    ent = parse(dig(dport, short_name))
    check("dns: a nibble prefix is an empty non-terminal (NOERROR, no answer)",
          ent["status"] == "NOERROR" and not ent["ANSWER"], ent["raw"])

    # lists del removes it.
    r = lists(conf, "del", ip)
    got, took = wait_for(lambda: parse(dig(dport, name))["status"] == "NXDOMAIN", 3)
    check("dns: lists del: NXDOMAIN within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, (r.stdout + r.stderr, dig(dport, name)))
    check("dns: and no TXT either", parse(dig(dport, name, "TXT"))["status"] == "NXDOMAIN")

    # --expires 2s: answered, with a TTL that does not outlive the entry, then gone.
    eip = "198.51.100.9"
    ename = rev4(eip) + ".bl.example.org"
    r = lists(conf, "add", "--expires", "2s", eip)
    exp = (show(conf, eip) or {}).get("expires", 0)
    ans, _ = wait_for(lambda: [x for x in parse(dig(dport, ename))["ANSWER"] if x[3] == "A"],
                      max(0.1, exp - time.time() - 0.2))
    check("dns: an entry added with --expires 2s is answered before it expires, TTL <= 2",
          r.returncode == 0 and ans and ans[0][4] == "127.0.0.2" and ans[0][1] <= 2,
          (r.stdout + r.stderr, ans, exp - time.time()))
    time.sleep(max(0, exp - time.time()))
    got, took = wait_for(lambda: parse(dig(dport, ename))["status"] == "NXDOMAIN", 3)
    check("dns: ... and NXDOMAIN right after its expiry (%.1f s after)" % took,
          got and took <= 1.0, dig(dport, ename))

    # The IP allowlist zone.
    r = lists(conf, "add", "--allow", "203.0.113.0/24")
    wl = "9.113.0.203.wl.example.org"
    got, took = wait_for(lambda: short(dport, wl) == ["127.0.0.2"], 3)
    check("dns: lists add --allow 203.0.113.0/24: 203.0.113.9 answers 127.0.0.2 in the allow zone"
          " within 1.5 s (%.1f s)" % took, r.returncode == 0 and got and took <= 1.5, dig(dport, wl))
    check("dns: 203.0.114.9 is NXDOMAIN in the allow zone",
          parse(dig(dport, "9.114.0.203.wl.example.org"))["status"] == "NXDOMAIN")
    check("dns: the allowlisted network is not in the block zone",
          parse(dig(dport, "9.113.0.203.bl.example.org"))["status"] == "NXDOMAIN")
    wsoa = parse(dig(dport, "wl.example.org", "SOA"))
    check("dns: the allow zone has its own apex SOA",
          wsoa["ANSWER"] and wsoa["ANSWER"][0][0] == "wl.example.org.", wsoa["raw"])

    # The domain allowlist zone: .partner.example (name and subdomains), *.other.example
    # (subdomains only).
    r = lists(conf, "add", "--allow", ".partner.example", "*.other.example")
    dwl = lambda n: n + ".dwl.example.org"
    got, took = wait_for(lambda: short(dport, dwl("partner.example")) == ["127.0.0.2"], 3)
    check("dns: .partner.example: the name itself answers 127.0.0.2 within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, (r.stdout + r.stderr, dig(dport, dwl("partner.example"))))
    for host in ("mail.partner.example", "a.b.partner.example", "MX.Partner.Example"):
        check("dns: .partner.example covers %s" % host,
              short(dport, dwl(host)) == ["127.0.0.2"], dig(dport, dwl(host)))
    for host in ("xpartner.example", "partner.example.net", "example"):
        p = parse(dig(dport, dwl(host)))
        check("dns: .partner.example does not cover %s (no A record)" % host,
              not p["ANSWER"] and p["status"] in ("NXDOMAIN", "NOERROR"), p["raw"])
    check("dns: *.other.example covers mx.other.example",
          short(dport, dwl("mx.other.example")) == ["127.0.0.2"], dig(dport, dwl("mx.other.example")))
    check("dns: *.other.example covers a.b.other.example",
          short(dport, dwl("a.b.other.example")) == ["127.0.0.2"])
    p = parse(dig(dport, dwl("other.example")))
    check("dns: *.other.example does not cover other.example itself (no A record)",
          not p["ANSWER"] and p["status"] in ("NXDOMAIN", "NOERROR"), p["raw"])
    p = parse(dig(dport, dwl("unlisted.example")))
    check("dns: an unlisted domain is NXDOMAIN in the domain zone", p["status"] == "NXDOMAIN",
          p["raw"])
    p = parse(dig(dport, dwl("partner.example"), "TXT"))
    check("dns: TXT in the domain allow zone is NODATA", p["status"] == "NOERROR" and
          not p["ANSWER"], p["raw"])


# ---------------------------------------------------------------------------------------------
# 4. Sharing between daemons

def run_sharing(s1, s2, s2_dns, a, b, a_dns, b_dns, redis):
    ip = "192.0.2.44"
    r = lists(s1.conf, "add", "--reason", "spam", ip)
    got, took = wait_for(lambda: short(s2_dns, rev4(ip) + ".bl.example.org") == ["127.0.0.8"], 4)
    check("sqlite: lists add via S1's config, S2 (same file) answers within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, (r.stdout + r.stderr, s2.log()[-800:]))
    r = lists(s2.conf, "del", ip)
    got, took = wait_for(lambda: parse(dig(s2_dns, rev4(ip) + ".bl.example.org"))["status"]
                         == "NXDOMAIN", 4)
    check("sqlite: lists del via S2's config, gone from S2's answers within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, r.stdout + r.stderr)

    # A daemon started after entries were made answers them (its first load from the store).
    s2.stop()
    ip = "192.0.2.46"
    r = lists(s1.conf, "add", "--reason", "spam", ip)
    s2.start()
    check("sqlite: S2 restarted", s2.ready(), s2.log()[-800:])
    got, took = wait_for(lambda: short(s2_dns, rev4(ip) + ".bl.example.org") == ["127.0.0.8"], 3)
    check("sqlite: restarted S2 answers the entry added while it was down (%.1f s)" % took,
          r.returncode == 0 and got, dig(s2_dns, rev4(ip) + ".bl.example.org"))
    check("sqlite: restarted S2 answers the earlier IPv6 entry",
          short(s2_dns, rev6("2001:db8::7") + ".bl.example.org") == ["127.0.0.8"])
    check("sqlite: restarted S2 answers the earlier allowlisted network",
          short(s2_dns, "9.113.0.203.wl.example.org") == ["127.0.0.2"])
    check("sqlite: restarted S2 answers the earlier allowlisted domain",
          short(s2_dns, "mail.partner.example.dwl.example.org") == ["127.0.0.2"])

    ip = "192.0.2.45"
    r = lists(a.conf, "add", "--reason", "virus", ip)
    got, took = wait_for(lambda: short(b_dns, rev4(ip) + ".bl.example.org") == ["127.0.0.3"], 4)
    check("redis: lists add via node A's config, node B answers within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, (r.stdout + r.stderr, b.log()[-800:]))
    got, took = wait_for(lambda: short(a_dns, rev4(ip) + ".bl.example.org") == ["127.0.0.3"], 4)
    check("redis: node A answers it too within 1.5 s (%.1f s)" % took, got and took <= 1.5)
    h = redis.cli("HGETALL", "backstop:d:block:" + ip).split("\n")
    check("redis: the entry is the hash backstop:d:block:192.0.2.45 (fields v, e)",
          not shutil.which("redis-cli") or ("v" in h[0::2] and "e" in h[0::2]), h)
    txt = " ".join(short(b_dns, rev4(ip) + ".bl.example.org", "TXT"))
    check("redis: node B's TXT names the reason", txt.startswith('"virus, expires '), txt)
    r = lists(b.conf, "del", ip)
    got, took = wait_for(lambda: parse(dig(a_dns, rev4(ip) + ".bl.example.org"))["status"]
                         == "NXDOMAIN", 4)
    check("redis: lists del via node B's config, gone from node A within 1.5 s (%.1f s)" % took,
          r.returncode == 0 and got and took <= 1.5, r.stdout + r.stderr)


# ---------------------------------------------------------------------------------------------
# 2. Postfix

def run_postfix(tmp, s1):
    why = postfix_instance.available()
    if why:
        print("SKIP postfix: " + why)
        return None
    port = free_port()
    services = ["127.0.0.1:%d inet n - n - - smtpd" % port]
    extra = ("smtpd_client_restrictions = permit_dnswl_client wl.example.org, "
             "reject_rbl_client bl.example.org\n")
    pf = postfix_instance.Postfix(tmp, free_port(), services, extra=extra)
    CLEANUP.append(pf.stop)
    pf.start()
    if not wait_port(port):
        check("postfix listens", False, pf.logtext()[-1500:])
        return pf
    # 127.0.0.7: blocklisted; 127.0.0.8: on both lists; 127.0.0.5: on neither.
    r1 = lists(s1.conf, "add", "--reason", "virus", "127.0.0.7", "127.0.0.8")
    r2 = lists(s1.conf, "add", "--allow", "127.0.0.8")
    ok, _ = wait_for(lambda: short(53, "7.0.0.127.bl.example.org") == ["127.0.0.3"] and
                     short(53, "8.0.0.127.wl.example.org") == ["127.0.0.2"], 4)
    check("postfix: 127.0.0.7 and 127.0.0.8 listed, 127.0.0.8 allowlisted (port 53)",
          r1.returncode == 0 and r2.returncode == 0 and ok, r1.stderr + r2.stderr)
    sysres = subprocess.run(["dig", "+short", "+time=1", "7.0.0.127.bl.example.org", "A"],
                            capture_output=True, text=True).stdout.split()
    check("the namespace's resolver (its /etc/resolv.conf) reaches backstop", sysres == ["127.0.0.3"],
          sysres)
    res = transaction(port, "127.0.0.7", "someone@friend.example", "alice@example.org")
    check("postfix: a listed client gets 554 5.7.1 naming bl.example.org and the TXT",
          res[2] == 554 and "5.7.1" in res[3] and "blocked using bl.example.org" in res[3] and
          "virus, expires" in res[3], res)
    res = transaction(port, "127.0.0.5", "someone@friend.example", "alice@example.org")
    check("postfix: an unlisted client passes (RCPT 250)", res[2] == 250, res)
    res = transaction(port, "127.0.0.8", "someone@friend.example", "alice@example.org")
    check("postfix: a client on both lists passes (permit_dnswl_client first)", res[2] == 250, res)
    log = pf.logtext()
    check("postfix log: reject naming bl.example.org for 127.0.0.7",
          re.search(r"reject: RCPT from \S+\[127\.0\.0\.7\]: 554 5\.7\.1 .*blocked using "
                    r"bl\.example\.org", log), log[-1500:])
    return pf


# ---------------------------------------------------------------------------------------------
# 3. rblsmtpd

def rbl_session(port, source):
    """Everything the server said to HELO, MAIL, RCPT, QUIT."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0))
    except OSError as e:
        return "connect failed: %s" % e
    f = s.makefile("rwb")
    lines = []
    try:
        lines.append(f.readline())
        for cmd in (b"HELO client.example.net", b"MAIL FROM:<a@friend.example>",
                    b"RCPT TO:<alice@example.org>", b"QUIT"):
            f.write(cmd + b"\r\n")
            f.flush()
            lines.append(f.readline())
        lines.append(f.read())
    except OSError:
        pass
    s.close()
    return b"".join(lines).decode(errors="replace")


def run_rblsmtpd(tmp):
    if not (shutil.which("tcpserver") and shutil.which("rblsmtpd")):
        print("SKIP rblsmtpd: tcpserver/rblsmtpd (Debian package ucspi-tcp) not installed")
        return
    behind = ["/bin/sh", "-c", "printf '220 behind-rblsmtpd %s\\r\\n' \"$TCPREMOTEIP\""]
    procs = []  # also in CLEANUP
    ports = {}
    for key, opts in (("r", ["-r", "bl.example.org"]), ("b", ["-b", "-r", "bl.example.org"]),
                      ("a", ["-a", "wl.example.org", "-r", "bl.example.org"])):
        ports[key] = free_port()
        procs.append(subprocess.Popen(
            ["tcpserver", "-R", "-H", "-l", "0", "127.0.0.1", str(ports[key]), "rblsmtpd", *opts,
             *behind], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "rblsmtpd.log"), "a")))
        CLEANUP.append(lambda p=procs[-1]: stop_proc(p))
    for p in ports.values():
        wait_port(p)
    out = rbl_session(ports["r"], "127.0.0.7")
    check("rblsmtpd -r: a listed client gets 451 with backstop's TXT at RCPT",
          re.search(r"^451 virus, expires \S+Z\r?$", out, re.M) and "behind-rblsmtpd" not in out, out)
    out = rbl_session(ports["b"], "127.0.0.7")
    check("rblsmtpd -b: a listed client gets 553 with backstop's TXT",
          re.search(r"^553 virus, expires \S+Z\r?$", out, re.M) and "behind-rblsmtpd" not in out, out)
    out = rbl_session(ports["r"], "127.0.0.5")
    check("rblsmtpd: an unlisted client is handed to the program behind it",
          out.startswith("220 behind-rblsmtpd 127.0.0.5"), out)
    out = rbl_session(ports["a"], "127.0.0.8")
    check("rblsmtpd -a wl.example.org: an allowlisted (and blocklisted) client is handed on",
          out.startswith("220 behind-rblsmtpd 127.0.0.8"), out)
    out = rbl_session(ports["a"], "127.0.0.7")
    check("rblsmtpd -a ... -r ...: a client only on the blocklist is still refused",
          re.search(r"^451 virus", out, re.M), out)


# ---------------------------------------------------------------------------------------------
# 5. Greylisting across nodes

def run_greylist(a, b, tmp):
    sender = "dave@friend.example"
    res = transaction(a.smtp, "127.0.0.1", sender, "alice@example.org")
    check("greylist: a new triplet at node A gets 451 4.7.1", res[2] == 451 and "4.7.1" in res[3],
          res)
    first = time.time()
    res = transaction(b.smtp, "127.0.0.1", "erin@friend.example", "bob@example.org")
    check("greylist: node B greylists a new triplet of its own too", res[2] == 451, res)
    res = transaction(a.smtp, "127.0.0.1", sender, "alice@example.org")
    check("greylist: retried before the delay at node A: 451 again", res[2] == 451, res)
    probe = transaction(a.smtp, "127.0.0.1", "", "carol@example.org")
    check("greylist: a null-sender SAV probe is not greylisted at RCPT (250)", probe[2] == 250,
          probe)
    time.sleep(max(0, first + 3 - time.time()))
    res = transaction(b.smtp, "127.0.0.1", sender, "alice@example.org",
                      data=HAM.format(n="grey"))
    check("greylist: the same triplet 3 s later at node B: RCPT 250 and accepted",
          res[2] == 250 and res[4] == 250, res)
    got, took = wait_for(lambda: os.listdir(os.path.join(tmp, "maildir-b", "new"))
                         if os.path.isdir(os.path.join(tmp, "maildir-b", "new")) else [], 5)
    check("greylist: node B delivered it to its maildir", got, tmp)
    # B's pass reaches A: A accepts the triplet too (no second wait).
    got, took = wait_for(lambda: transaction(a.smtp, "127.0.0.1", sender, "alice@example.org")[2]
                         == 250, 4)
    check("greylist: node A then accepts the passed triplet (%.1f s)" % took, got)


# ---------------------------------------------------------------------------------------------
# 6. Automatic listing

def run_autolist(a, b, a_dns, b_dns):
    name = "9.0.0.127.bl.example.org"
    res = transaction(a.smtp, "127.0.0.9", "x@friend.example", "alice@example.org",
                      helo="mx-a.example.org")
    check("autolist: HELO with node A's own name from 127.0.0.9 is refused 550 5.7.1",
          res[0] == 550, res)
    got, took = wait_for(lambda: short(a_dns, name) == ["127.0.0.4"], 3)
    check("autolist: node A's zone answers 127.0.0.4 (helo-is-us) for 127.0.0.9 (%.1f s)" % took,
          got, dig(a_dns, name))
    txt = short(a_dns, name, "TXT")
    check("autolist: its TXT says helo-is-us, expires in 72 h",
          txt and txt[0] == '"helo-is-us,' and len(txt) == 3 and
          abs(calendar.timegm(time.strptime(txt[2].strip('"'), "%Y-%m-%dT%H:%M:%SZ"))
              - (time.time() + 72 * 3600)) < 30, txt)
    got, took = wait_for(lambda: short(b_dns, name) == ["127.0.0.4"], 4)
    check("autolist: node B's zone answers it too within 2.5 s (%.1f s)" % took,
          got and took <= 2.5, dig(b_dns, name))
    g = greeting(a.smtp, "127.0.0.9")
    check("autolist: its next connection to node A is refused at connect (554 5.7.1, reason text)",
          g.startswith("554 5.7.1") and "own name" in g, g)
    g = greeting(b.smtp, "127.0.0.9")
    check("autolist: and at node B", g.startswith("554 5.7.1"), g)
    g = greeting(a.smtp, "127.0.0.10")
    check("autolist: another client still gets the 220 greeting", g.startswith("220 "), g)
    check("autolist: node A logged the listing", "listed 127.0.0.9 reason=helo-is-us" in a.log(),
          a.log()[-1500:])


# ---------------------------------------------------------------------------------------------
# 7. The store goes down and comes back

def run_store_down(a, b, a_dns, b_dns, redis):
    redis.stop()
    got, took = wait_for(lambda: "store unreachable" in a.log(), 8)
    check("store down: node A logs that the store is unreachable (%.1f s)" % took, got,
          a.log()[-1000:])
    t0 = time.time()
    res = transaction(a.smtp, "127.0.0.1", "frank@friend.example", "alice@example.org", timeout=15)
    took = time.time() - t0
    check("store down: node A's SMTP answers RCPT promptly (%.1f s; got %s)" % (took, res[2]),
          res[2] in (250, 451) and took < 5, res)
    check("store down: [greylist] fail = \"open\": a new triplet is accepted while the store is "
          "down", res[2] == 250, res)
    res = transaction(a.smtp, "127.0.0.1", "dave@friend.example", "alice@example.org",
                      data=HAM.format(n="down"), timeout=15)
    check("store down: the passed triplet (in node A's cache) is still accepted",
          res[2] == 250 and res[4] == 250, res)
    g = greeting(a.smtp, "127.0.0.9")
    check("store down: the cached listing of 127.0.0.9 still refuses it", g.startswith("554"), g)
    check("store down: node A's DNS still answers from its cache",
          short(a_dns, "9.0.0.127.bl.example.org") == ["127.0.0.4"])
    check("store down: both daemons still run", a.alive() and b.alive())
    r = lists(a.conf, "add", "192.0.2.50")
    check("store down: lists add fails with exit 1", r.returncode == 1, (r.returncode, r.stdout,
                                                                         r.stderr))

    mark = len(a.log())
    ok = redis.start()
    check("redis restarted on the same port", ok)
    # At once, so that the nodes most likely find it in the full reload that a store restarted
    # empty causes (rather than in the feed).
    early = "192.0.2.51"
    r1 = lists(a.conf, "add", "--reason", "spam", early)
    got, took = wait_for(lambda: "store available" in a.log()[mark:], 12)
    check("store back: node A logs \"store available\" again (%.1f s)" % took, got,
          a.log()[-1000:])
    late = "192.0.2.52"
    r2 = lists(a.conf, "add", "--reason", "spam", late)
    check("store back: lists add via A exits 0", r1.returncode == 0 and r2.returncode == 0,
          r1.stdout + r1.stderr + r2.stdout + r2.stderr)
    for ip, how in ((late, "added after node A reconnected"), (early, "added as the store came back")):
        for node, port in (("A", a_dns), ("B", b_dns)):
            got, took = wait_for(lambda: short(port, rev4(ip) + ".bl.example.org") == ["127.0.0.8"],
                                 4)
            check("store back: node %s answers the entry %s (%.1f s)" % (node, how, took), got,
                  redis.cli("XRANGE", "backstop:feed", "-", "+")[-1500:])
    # Redis restarted empty: the nodes reloaded, so the entry listed before is gone everywhere.
    got, took = wait_for(lambda: parse(dig(b_dns, "9.0.0.127.bl.example.org"))["status"]
                         == "NXDOMAIN", 4)
    check("store back: the store restarted empty, so node B dropped the old listing", got,
          dig(b_dns, "9.0.0.127.bl.example.org"))
    res = transaction(a.smtp, "127.0.0.1", "grace@friend.example", "alice@example.org")
    check("store back: node A's SMTP works (new triplet greylisted 451)", res[2] == 451, res)


# ---------------------------------------------------------------------------------------------

def main():
    if not BIN or not os.path.exists(BIN):
        print("usage: reputation_test.py BACKSTOP_BINARY")
        return 2
    missing = [t for t in ("dig", "redis-server") if not shutil.which(t)]
    if missing:
        print("SKIP: not installed: " + ", ".join(missing) + " (Debian bind9-dnsutils, redis-server)")
        return 77
    inside, ns_why = enter_namespace()
    tmp = tempfile.mkdtemp(prefix="backstop-reputation-")
    os.chmod(tmp, 0o755)
    if inside:
        ns_why = setup_namespace(tmp)
    use_ns = inside and not ns_why
    print("namespace: " + ("private network namespace, resolver 127.0.0.1:53" if use_ns
                           else "none (" + ns_why + ")"), flush=True)
    started = time.time()

    redis = Redis(tmp)
    s1_dns, s2_dns, a_dns, b_dns = free_port(), free_port(), free_port(), free_port()
    a_smtp, b_smtp = free_port(), free_port()
    s1_listen = '"127.0.0.1:%d"' % s1_dns + (', "127.0.0.1:53"' if use_ns else "")
    s1 = Daemon(tmp, "s1", SQLITE_NODE.format(host="ns1.example.org", dns_listen=s1_listen,
                                              tmp=tmp, node="s1"), dns=[s1_dns])
    s2 = Daemon(tmp, "s2", SQLITE_NODE.format(host="ns2.example.org",
                                              dns_listen='"127.0.0.1:%d"' % s2_dns, tmp=tmp,
                                              node="s2"), dns=[s2_dns])
    a = Daemon(tmp, "a", REDIS_NODE.format(smtp=a_smtp, host="mx-a.example.org", tmp=tmp,
                                           node="a", dns=a_dns, redis=redis.port),
               smtp=a_smtp, dns=[a_dns])
    b = Daemon(tmp, "b", REDIS_NODE.format(smtp=b_smtp, host="mx-b.example.org", tmp=tmp,
                                           node="b", dns=b_dns, redis=redis.port),
               smtp=b_smtp, dns=[b_dns])
    daemons = [s1, s2, a, b]
    pf = None
    try:
        check("redis-server started", redis.start())
        for cmd in (["check-config", "--quiet", d.conf] for d in daemons):
            r = subprocess.run([BIN, *cmd], capture_output=True, text=True)
            check("check-config %s" % os.path.basename(cmd[-1]), r.returncode == 0, r.stderr)
        for d in daemons:
            d.start()
        for d in daemons:
            check("daemon %s is listening" % d.name, d.ready(), d.log()[-1500:])
        if not all(d.alive() for d in daemons):
            return summary()
        print("-- 1. DNS answers", flush=True)
        run_dns(s1, s1_dns, started)
        print("-- 4. sharing over SQLite and Redis", flush=True)
        run_sharing(s1, s2, s2_dns, a, b, a_dns, b_dns, redis)
        if use_ns:
            print("-- 2. Postfix", flush=True)
            pf = run_postfix(tmp, s1)
            print("-- 3. rblsmtpd", flush=True)
            run_rblsmtpd(tmp)
        else:
            print("SKIP 2. Postfix reject_rbl_client/permit_dnswl_client: no private namespace "
                  "for a resolver at 127.0.0.1:53 (" + ns_why + ")")
            print("SKIP 3. rblsmtpd: the same reason")
        print("-- 5. greylisting across nodes", flush=True)
        run_greylist(a, b, tmp)
        print("-- 6. automatic listing", flush=True)
        run_autolist(a, b, a_dns, b_dns)
        print("-- 7. store down and back", flush=True)
        run_store_down(a, b, a_dns, b_dns, redis)
    finally:
        for fn in reversed(CLEANUP):
            fn()
        for d in daemons:
            d.stop()
        redis.stop()
    for d in daemons:
        log = d.log()
        check("daemon %s stopped cleanly (exit 0) on SIGTERM" % d.name, d.status == 0, d.status)
        check("daemon %s: no sanitizer report in its log" % d.name,
              not re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", log), log[-3000:])
    print("total %.0f s" % (time.time() - started))
    if not all(results):
        for d in daemons:
            print("---- %s log (tail) ----\n%s" % (d.name, d.log()[-2000:]))
        if pf:
            print("---- postfix log (tail) ----\n" + pf.logtext()[-2000:])
    if os.environ.get("BACKSTOP_KEEP_TMP"):
        print("kept " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
