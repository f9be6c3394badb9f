#!/usr/bin/env python3
"""The milter benchmark that `make bench-milter` runs (issue 5; docs/benchmarks.md, "Milter:
Postfix with backstop's milter vs Postfix's native recipe").

What it measures: how many SMTP sessions per second ONE Postfix takes under a Joe-job storm
(`backstop drill`) with backstop's milter doing the anti-backscatter work, next to the same
Postfix doing it with its native restrictions. Target: the milter at >= 0.8 times the native
sessions/s. In one run, on loopback, with backstop's release binary:

  - the drill's sink (`backstop drill --sink`), where Postfix relays all it accepts, so delivery
    is also counted from what arrived (SINK=smtp-sink uses Postfix's smtp-sink instead: then
    the delivery figures are the drill's answers only);
  - two milter-only backstop nodes ([smtp] listen = [], [milter] listen), both with the drill's
    domain and recipients, one BATV key file and [relays] outbound = the drill's --relay:
      "milter"        [storm] strict_rcpt = false: storms are detected and logged, every
                      decision is made on the content at end of DATA (docs/drill.md's set-up)
      "milter-storm"  backstop's defaults: in a storm, null-sender RCPTs to untagged addresses
                      are refused at RCPT (storm mode)
  - ONE private Postfix (tests/integration/postfix_instance.py) with three smtpd services that
    differ only in their restrictions:
      milter, milter-storm  -o smtpd_milters=inet:127.0.0.1:PORT of that node; unknown users
                      refused at RCPT by relay_recipient_maps (the recipients and their
                      BATV-tagged forms, a regexp table: Postfix refuses unlisted recipients
                      itself, before the milter sees them)
      milter-unix, milter-storm-unix  the same with the milter on a Unix socket
                      (smtpd_milters=unix:PATH), each with a node of its own, as docs/postfix.md
                      recommends
      native          the classic recipe of bench/compare/postfix/: check_sender_access <> 550,
                      header_checks (Return-Path: <>, From: ...MAILER-DAEMON) in a cleanup
                      service of its own (cleanup_service_name), relay_recipient_maps with the
                      bare recipients; no milter
    Same master, same queue, same sink, same main.cf otherwise.
  - the same drill command against each service in turn: a short unrecorded warm-up of each,
    then ROUNDS rounds of DURATION seconds per service, the order rotated each round (so a drift
    in the machine's load falls on all of them).

Reported per service: median sessions/s over the rounds, the drill's verdict figures (of the
answers, and of what arrived at the sink), the server CPU (Postfix's whole process tree, plus
the backstop node's for a milter service) per session, and the ratio to the native recipe of the
median sessions/s (target >= 0.8; also the median of the per-round ratios). Also the versions,
nproc and the load average around every run.

How to run it (as root: Postfix's master runs as root):

    make bench-milter                                  # release build, then this script
    python3 bench/milter/run.py [BACKSTOP_BINARY]      # default build/release/apps/backstop/backstop
    ROUNDS=5 DURATION=30 CONCURRENCY=100 python3 bench/milter/run.py

Settings (environment): ROUNDS (3), DURATION (seconds per run, 20), CONCURRENCY (50), WARMUP
(seconds per service before the rounds, 3; 0 skips it), SERVICES (space-separated, default
"milter milter-storm milter-unix milter-storm-unix native"), SEED (42), MIX (the drill's --mix;
its default when unset), CORPUS (the drill's --corpus; default the repository's ../shared/corpus
when present, else the drill's own default), THREADS (the drill's --threads, 1), IN_FLOW_DELAY
(Postfix's in_flow_delay; unset keeps Postfix's default, 1s), SINK ("drill" or "smtp-sink"), BACKSTOP_EXTRA (TOML lines, "\\n"
for a line break, appended to every backstop configuration), KEEP (1 keeps the temporary
directory: configurations, logs, the drill's JSON per run).

Before the rounds it checks that the services differ as intended: a message with a non-null
sender and "From: MAILER-DAEMON@..." is refused by header_checks on the native service only.
What that check queued is deleted and Postfix reloaded (its queue manager may have found the
sink not yet listening and would hold back delivery to it for minutes).
"""
import json
import os
import re
import resource
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
from harness import Sink, free_port, wait_port  # noqa: E402
import postfix_instance  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "20"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "50"))
WARMUP = int(os.environ.get("WARMUP", "3"))
SERVICES = os.environ.get("SERVICES",
                          "milter milter-storm milter-unix milter-storm-unix native").split()
SEED = os.environ.get("SEED", "42")
MIX = os.environ.get("MIX", "")
THREADS = os.environ.get("THREADS", "1")
IN_FLOW_DELAY = os.environ.get("IN_FLOW_DELAY", "")
SINK_KIND = os.environ.get("SINK", "drill")
KEEP = os.environ.get("KEEP", "0") == "1"
BACKSTOP_EXTRA = os.environ.get("BACKSTOP_EXTRA", "").replace("\\n", "\n")

DOMAIN = "example.org"
RECIPIENTS = ["alice@example.org", "bob@example.org", "postmaster@example.org"]
RELAY_NAME, RELAY_IP = "out.example.org", "198.51.100.77"
HZ = os.sysconf("SC_CLK_TCK")
LABELS = {
    "milter": "Postfix + backstop milter (decisions on content)",
    "milter-storm": "Postfix + backstop milter (default storm mode)",
    "milter-unix": "Postfix + backstop milter on a Unix socket (decisions on content)",
    "milter-storm-unix": "Postfix + backstop milter on a Unix socket (default storm mode)",
    "native": "Postfix native recipe",
}
STORM = {"milter": "\n[storm]\nstrict_rcpt = false\n", "milter-storm": ""}


def storm_of(name):
    """The backstop [storm] lines of a milter service ("-unix" only changes the socket)."""
    return STORM[name[:-len("-unix")] if name.endswith("-unix") else name]


def milter_address(name, tmp, port):
    """(backstop's [milter] listen, Postfix's smtpd_milters) of a milter service."""
    if name.endswith("-unix"):
        path = os.path.join(tmp, name + ".sock")
        return "unix:" + path, "unix:" + path
    return "127.0.0.1:%d" % port, "inet:127.0.0.1:%d" % port


def wait_unix(path, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(path)
                return True
        except OSError:
            time.sleep(0.05)
    return False

BACKSTOP_CONFIG = """# Generated by bench/milter/run.py: a milter-only node.
[smtp]
listen = []
hostname = "mx.example.org"

[milter]
listen = ["{milter}"]

[domains]
local = ["{domain}"]
recipients = [{recipients}]

[relays]
outbound = ["{relay_name}", "{relay_ip}"]

[batv]
key_file = "{tmp}/batv.keys"
{storm}
[store]
path = "{tmp}/{name}.db"

[log]
file = "{tmp}/{name}.log"
"""

# bench/compare/postfix/: the classic recipe.
NULL_SENDER = "<>              550 no third-party DSNs\n"
HEADER_CHECKS = ("/^Return-Path: <>/                              REJECT no third-party DSNs\n"
                 "/^From:.*MAILER-DAEMON/                         REJECT no third-party DSNs\n")


def tree_ticks(root):
    """utime + stime + cutime + cstime of root and all its live descendants, in ticks."""
    stats = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        stats[int(d)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def sh(*cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (r.stdout + r.stderr).strip()


def versions(backstop):
    rev = sh("git", "-C", TOP, "rev-parse", "--short", "HEAD") or "?"
    dirty = subprocess.run(["git", "-C", TOP, "diff", "--quiet", "HEAD", "--"],
                           capture_output=True).returncode != 0
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(backstop)))
    version = (sh(backstop, "--version").splitlines() or ["?"])[0]
    return [
        "date: " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine: nproc %s, %s, %s" % (sh("nproc"), model, sh("uname", "-sr")),
        "backstop: %s (%s%s), binary of %s" % (version, rev,
                                               " + uncommitted changes" if dirty else "", built),
        "Postfix: " + sh("postconf", "-d", "-h", "mail_version"),
        "load average at start: " + loadavg(),
    ]


def check_services(ports, pdir):
    """header_checks apply on the native service only: a plain message from a non-null sender
    with "From: MAILER-DAEMON@..." is refused at end of DATA there, and not with that text on
    the milter services. What got queued is deleted (the sink is not up yet)."""
    msg = ("From: MAILER-DAEMON@mx.elsewhere.example\r\nTo: alice@example.org\r\n"
           "Subject: lunch on Friday\r\nMessage-ID: <bench-milter-check@elsewhere.example>\r\n"
           "\r\nShall we have lunch on Friday?\r\n")
    lines = []
    for name, port in ports.items():
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=30)
            s.ehlo("client.elsewhere.example")
            s.mail("dave@elsewhere.example")
            s.rcpt("alice@example.org")
            try:
                code, text = s.data(msg)
            except smtplib.SMTPResponseException as e:
                code, text = e.smtp_code, e.smtp_error
            s.quit()
        except (OSError, smtplib.SMTPException) as e:
            raise RuntimeError("checking %s: %s" % (name, e))
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        by_header_checks = "no third-party DSNs" in text
        if by_header_checks != (name == "native"):
            raise RuntimeError("header_checks do not apply as intended on %s: %d %s" %
                               (name, code, text))
        lines.append("check %s: From: MAILER-DAEMON from a non-null sender answered %d %s" %
                     (name, code, text.splitlines()[0] if text else ""))
    subprocess.run(["postsuper", "-c", pdir, "-d", "ALL"], capture_output=True)
    # The queue manager may already have tried to deliver what the milter services queued, to a
    # sink that is not up yet, and then holds back all delivery to it for minutes (a dead
    # destination): nothing would arrive during the rounds. A reload restarts it afresh.
    subprocess.run(["postfix", "-c", pdir, "reload"], capture_output=True)
    time.sleep(2)
    return lines


def queue_left(pdir):
    r = subprocess.run(["postqueue", "-c", pdir, "-j"], capture_output=True, text=True)
    return len([l for l in r.stdout.splitlines() if l.strip()])


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__)
        return 2
    backstop = os.path.abspath(sys.argv[1] if len(sys.argv) == 2 else
                               os.path.join(TOP, "build/release/apps/backstop/backstop"))
    if not os.access(backstop, os.X_OK):
        print("run.py: %s is missing; build the release binary first (make bench-milter)" % backstop,
              file=sys.stderr)
        return 1
    why = postfix_instance.available()
    if why:
        print("run.py: " + why, file=sys.stderr)
        return 1
    if SINK_KIND not in ("drill", "smtp-sink"):
        print("run.py: SINK must be drill or smtp-sink", file=sys.stderr)
        return 2
    bad = [s for s in SERVICES if s not in LABELS]
    if bad or not SERVICES or ROUNDS < 1 or DURATION < 1:
        print("run.py: SERVICES are %s; ROUNDS and DURATION >= 1" % ", ".join(LABELS),
              file=sys.stderr)
        return 2
    # Descriptors for the drill, backstop and Postfix (they inherit the limit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(65536, CONCURRENCY * 8)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    tmp = tempfile.mkdtemp(prefix="bench-milter.")
    os.chmod(tmp, 0o755)
    nodes = {}  # service -> (Popen, milter port)
    pf = None
    sink = None
    try:
        header = versions(backstop)
        for line in header:
            print(line, flush=True)

        # --- backstop, milter-only nodes --------------------------------------------------------
        with open(os.path.join(tmp, "batv.keys"), "w") as f:
            f.write("1 bench-milter-%d\n" % time.time_ns())
        for name in [s for s in SERVICES if s != "native"]:
            port = free_port()
            listen, _ = milter_address(name, tmp, port)
            conf = os.path.join(tmp, name + ".toml")
            with open(conf, "w") as f:
                f.write(BACKSTOP_CONFIG.format(
                    milter=listen, domain=DOMAIN, tmp=tmp, storm=storm_of(name), name=name,
                    recipients=", ".join('"%s"' % r for r in RECIPIENTS),
                    relay_name=RELAY_NAME, relay_ip=RELAY_IP))
                if BACKSTOP_EXTRA:
                    f.write("\n# BACKSTOP_EXTRA\n" + BACKSTOP_EXTRA + "\n")
            out = open(os.path.join(tmp, name + ".out"), "w")
            proc = subprocess.Popen([backstop, "serve", "--config", conf], stdout=out,
                                    stderr=subprocess.STDOUT, cwd=tmp)
            nodes[name] = (proc, port)
            up = (wait_unix(listen[len("unix:"):]) if listen.startswith("unix:")
                  else wait_port(port))
            if not up:
                raise RuntimeError("backstop (%s) did not listen on its milter port: %s" %
                                   (name, open(out.name).read()[-2000:]))

        # --- the sink ---------------------------------------------------------------------------
        if SINK_KIND == "smtp-sink":
            sink = Sink(tmp)
            sink.start()
            sink_port = sink.port
        else:
            sink_port = free_port()  # the drill listens on it during each run

        # --- Postfix: one master, one smtpd service per system ----------------------------------
        pdir = os.path.join(tmp, "postfix")
        ports = {s: free_port() for s in SERVICES}
        services = []
        for name in SERVICES:
            if name == "native":
                # The classic recipe, no milter; header_checks in its own cleanup service.
                services.append(
                    "127.0.0.1:%d inet n - n - - smtpd -o syslog_name=postfix/native "
                    "-o smtpd_sender_restrictions=check_sender_access,texthash:%s/null_sender "
                    "-o relay_recipient_maps=texthash:%s/relay_recipients "
                    "-o cleanup_service_name=cleanup_native" % (ports[name], pdir, pdir))
                services.append("cleanup_native unix n - n - 0 cleanup "
                                "-o header_checks=regexp:%s/header_checks" % pdir)
            else:
                # backstop's milter. Postfix refuses unknown users itself, and must let the
                # BATV-tagged forms of the recipients through to the milter.
                services.append(
                    "127.0.0.1:%d inet n - n - - smtpd -o syslog_name=postfix/%s "
                    "-o smtpd_milters=%s "
                    "-o relay_recipient_maps=regexp:%s/recipients_batv"
                    % (ports[name], name, milter_address(name, tmp, nodes[name][1])[1], pdir))
        procs_limit = max(200, 2 * CONCURRENCY + 20)
        extra = [
            "# bench/milter/run.py: shared by every service.",
            "mynetworks = 192.0.2.255/32",  # the drill's clients are none of ours
            "smtpd_relay_restrictions = reject_unauth_destination",
            "smtpd_recipient_restrictions = reject_unauth_destination",
            "relay_recipient_maps = texthash:%s/relay_recipients" % pdir,
            "milter_protocol = 6",
            "milter_default_action = tempfail",
            "smtpd_peername_lookup = no",
            "default_process_limit = %d" % procs_limit,
            "smtpd_client_connection_count_limit = 0",
            "smtpd_client_connection_rate_limit = 0",
            "smtp_destination_concurrency_limit = 50",
            "default_destination_concurrency_limit = 50",
            "message_size_limit = 10240000",
            "bounce_notice_recipient = postmaster",
        ]
        if IN_FLOW_DELAY:
            extra.append("in_flow_delay = " + IN_FLOW_DELAY)
        pf = postfix_instance.Postfix(tmp, sink_port, services, extra="\n".join(extra))
        # postfix_instance's main.cf has mynetworks = 127.0.0.0/8 and smtpd_relay_restrictions
        # with permit_mynetworks; the drill connects from all of 127.0.0.0/8, so those two lines
        # go (rather than being overridden later, which Postfix warns about).
        main_cf = os.path.join(pf.dir, "main.cf")
        with open(main_cf) as f:
            text = f.read()
        text = re.sub(r"^mynetworks = 127\.0\.0\.0/8\n", "", text, flags=re.M)
        text = re.sub(r"^smtpd_relay_restrictions = permit_mynetworks.*\n", "", text, flags=re.M)
        with open(main_cf, "w") as f:
            f.write(text)
        locals_re = "|".join(re.escape(r.split("@")[0]) for r in RECIPIENTS)
        files = {
            "relay_recipients": "".join("%s ok\n" % r for r in RECIPIENTS),
            "recipients_batv": "/^(prvs=[0-9]{4}[0-9a-f]{6}=)?(%s)@%s$/ OK\n" % (
                locals_re, re.escape(DOMAIN)),
            "null_sender": NULL_SENDER,
            "header_checks": HEADER_CHECKS,
        }
        for fname, content in files.items():
            with open(os.path.join(pdir, fname), "w") as f:
                f.write(content)
        check = sh("postfix", "-c", pdir, "check")
        if check:
            print("postfix check: " + check, flush=True)
        pf.start()
        for name, port in ports.items():
            if not wait_port(port):
                raise RuntimeError("Postfix did not listen on %d (%s): %s" %
                                   (port, name, pf.logtext()[-2000:]))
        with open(os.path.join(pf.queue, "pid", "master.pid")) as f:
            master = int(f.read().strip())
        for line in check_services(ports, pdir):
            print(line, flush=True)

        # --- the drill --------------------------------------------------------------------------
        corpus = os.environ.get("CORPUS") or os.path.join(os.path.dirname(TOP), "shared", "corpus")
        corpus_args = ["--corpus", corpus] if os.path.isdir(corpus) else []
        mix_args = ["--mix", MIX] if MIX else []
        sink_args = ["--sink", str(sink_port)] if SINK_KIND == "drill" else []

        def drill_cmd(target, seconds):
            return [backstop, "drill", "--target", target, "--domain", DOMAIN,
                    "--duration", "%ds" % seconds, "--concurrency", str(CONCURRENCY),
                    "--threads", THREADS, *mix_args, *corpus_args,
                    "--recipients", ",".join(RECIPIENTS),
                    "--batv-key-file", os.path.join(tmp, "batv.keys"),
                    "--relay", "%s=%s" % (RELAY_NAME, RELAY_IP), *sink_args, "--seed", SEED,
                    "--json"]

        shown = " ".join(drill_cmd("127.0.0.1:PORT", DURATION)[1:]).replace(tmp, "$TMP")
        print("drill: backstop " + shown, flush=True)
        print("services: " + "; ".join(
            "%s on 127.0.0.1:%d%s" % (s, ports[s], " (milter on %s)" % milter_address(
                s, "$TMP", nodes[s][1])[1] if s in nodes else "") for s in SERVICES) +
              "; sink on 127.0.0.1:%d (%s); default_process_limit = %d" % (
                  sink_port, SINK_KIND, procs_limit), flush=True)

        def server_ticks(name):
            """(Postfix's ticks, the service's backstop node's ticks)."""
            return tree_ticks(master), (tree_ticks(nodes[name][0].pid) if name in nodes else 0)

        def run(name, seconds, tag):
            la0 = loadavg()
            c0 = server_ticks(name)
            out = os.path.join(tmp, "%s.%s.json" % (name, tag))
            err = os.path.join(tmp, "%s.%s.err" % (name, tag))
            with open(out, "w") as fo, open(err, "w") as fe:
                subprocess.run(drill_cmd("127.0.0.1:%d" % ports[name], seconds), stdout=fo,
                               stderr=fe, timeout=seconds + 120, cwd=TOP)
            c1 = server_ticks(name)
            la1 = loadavg()
            try:
                with open(out) as f:
                    d = json.load(f)
            except (OSError, ValueError):
                raise RuntimeError("the drill against %s gave no report: %s" %
                                   (name, open(err).read()[-2000:]))
            d["_cpu_s"] = (c1[0] + c1[1] - c0[0] - c0[1]) / HZ
            d["_cpu_backstop_s"] = (c1[1] - c0[1]) / HZ
            d["_load"] = (la0, la1)
            d["_queue_left"] = queue_left(pdir)
            return d

        if WARMUP > 0:
            for name in SERVICES:
                d = run(name, WARMUP, "warmup")
                print("warm-up %s: %.0f sessions/s" % (name, d.get("sessions_per_s", 0)),
                      flush=True)
        results = {s: [] for s in SERVICES}
        for i in range(ROUNDS):
            k = i % len(SERVICES)
            for name in SERVICES[k:] + SERVICES[:k]:
                d = run(name, DURATION, "r%d" % (i + 1))
                results[name].append(d)
                print("round %d %s: %s" % (i + 1, name, round_line(d)), flush=True)

        print()
        print("\n".join(summary(results, header, shown)))
        return 0
    finally:
        if pf:
            pf.stop()
        for proc, _ in nodes.values():
            proc.send_signal(signal.SIGTERM)
        for proc, _ in nodes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if sink:
            sink.stop()
        if KEEP:
            print("run.py: kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def errors_of(d):
    return sum(c.get("errors", 0) for c in d.get("classes", {}).values())


def pct(v):
    return "n/a" if v is None else "%.2f" % v


def round_line(d):
    down = d.get("downstream") or {}
    return ("%.1f sessions/s, %d sessions, %d errors; answers: blocked %s, legit %s, legit bounces "
            "%s, probes %s; arrived: legit %s, legit bounces %s; server CPU %.2f s "
            "(%.3f ms/session, backstop %.3f); queue left %d; load %s -> %s" % (
                d.get("sessions_per_s", 0), d.get("sessions", 0), errors_of(d),
                pct(d.get("backscatter_blocked_pct")), pct(d.get("legit_delivered_pct")),
                pct(d.get("legit_bounces_delivered_pct")), pct(d.get("probes_ok_pct")),
                pct(down.get("legit_delivered_pct")), pct(down.get("legit_bounces_delivered_pct")),
                d["_cpu_s"], 1000 * d["_cpu_s"] / max(1, d.get("sessions", 0)),
                1000 * d["_cpu_backstop_s"] / max(1, d.get("sessions", 0)), d["_queue_left"],
                d["_load"][0], d["_load"][1]))


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """"x" when all rounds agree to two decimals, else "median (min-max)"."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    lo, hi = min(values), max(values)
    if "%.2f" % lo == "%.2f" % hi:
        return "%.2f" % lo
    return "%.2f (%.2f-%.2f)" % (statistics.median(values), lo, hi)


def rejected_at(rounds, cls):
    """Where the class was refused, summed over the rounds, most first."""
    total = {}
    for d in rounds:
        for k, n in d.get("classes", {}).get(cls, {}).get("rejected_at", {}).items():
            total[k] = total.get(k, 0) + n
    return ", ".join("%s: %d" % kv for kv in sorted(total.items(), key=lambda kv: -kv[1])) or "-"


def summary(results, header, shown):
    lines = ["## results", "", "```"] + header + ["drill: backstop " + shown, "```", ""]
    lines.append("| service | median sessions/s | per round | ÷ native (median) | backscatter "
                 "blocked % | legit delivered % | legit bounces delivered % | probes answered % "
                 "| legit arrived % | legit bounces arrived % | server CPU-ms per session | "
                 "of which backstop | errors |")
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    medians = {s: med([d.get("sessions_per_s", 0) for d in rs]) for s, rs in results.items()}
    native = medians.get("native")
    for name, rs in results.items():
        downs = [d.get("downstream") or {} for d in rs]
        cpu = med([1000 * d["_cpu_s"] / max(1, d.get("sessions", 0)) for d in rs])
        cpu_bs = med([1000 * d["_cpu_backstop_s"] / max(1, d.get("sessions", 0)) for d in rs])
        lines.append("| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %.3f | %.3f | %d |" % (
            LABELS[name], medians[name],
            ", ".join("%.0f" % d.get("sessions_per_s", 0) for d in rs),
            "%.2f" % (medians[name] / native) if native else "n/a",
            spread([d.get("backscatter_blocked_pct") for d in rs]),
            spread([d.get("legit_delivered_pct") for d in rs]),
            spread([d.get("legit_bounces_delivered_pct") for d in rs]),
            spread([d.get("probes_ok_pct") for d in rs]),
            spread([x.get("legit_delivered_pct") for x in downs]),
            spread([x.get("legit_bounces_delivered_pct") for x in downs]),
            cpu or 0, cpu_bs or 0, sum(errors_of(d) for d in rs)))
    lines.append("")
    for name, rs in results.items():
        if name == "native" or not native:
            continue
        ratio = medians[name] / native
        pairs = [a.get("sessions_per_s", 0) / b["sessions_per_s"]
                 for a, b in zip(rs, results["native"]) if b.get("sessions_per_s")]
        lines.append("%s / native, median sessions/s: %.2f (target >= 0.8: %s); per round: %s; "
                     "median of the per-round ratios: %.2f" % (
                         name, ratio, "met" if ratio >= 0.8 else "NOT met",
                         ", ".join("%.2f" % p for p in pairs), med(pairs) or 0))
    for name, rs in results.items():
        lines.append("%s verdict (median of the rounds): backscatter blocked %s%%, legit delivered "
                     "%s%%, legit bounces delivered %s%%, probes answered %s%%" % (
                         name, pct(med([d.get("backscatter_blocked_pct") for d in rs])),
                         pct(med([d.get("legit_delivered_pct") for d in rs])),
                         pct(med([d.get("legit_bounces_delivered_pct") for d in rs])),
                         pct(med([d.get("probes_ok_pct") for d in rs]))))
    for name, rs in results.items():
        lines.append("%s refusals, all rounds: backscatter at %s; unknown at %s; legit-bounces at "
                     "%s; probes at %s" % (name, rejected_at(rs, "backscatter"),
                                           rejected_at(rs, "unknown"),
                                           rejected_at(rs, "legit-bounces"),
                                           rejected_at(rs, "probes")))
    return lines


if __name__ == "__main__":
    sys.exit(main())
