#!/usr/bin/env python3
"""Integration test of `backstop drill` against the shield (`backstop serve`) on loopback.

Starts the shield with a generated configuration (a local domain, its recipients, a BATV key
file, our outbound relay, downstream = the drill's own sink), runs a 5-second drill against it
with --sink and --json, and checks the verdict figures (backscatter blocked >= 99%, legitimate
mail, legitimate bounces and SAV probes 100%) and that what arrived downstream matches what was
answered, class by class. Then the drill's text report and its usage errors.

Uses the corpus when CORPUS_DIR has labels.tsv, the project's tests/fixtures otherwise.

usage: drill_test.py BACKSTOP_BINARY [CORPUS_DIR]
Prints one line per check and a last line "N passed, M failed".
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
CORPUS = sys.argv[2] if len(sys.argv) > 2 else ""
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
# Our outbound relay: an address that no corpus message quotes, so no corpus bounce is
# legitimate by accident (the drill also leaves out any bounce naming it).
RELAY_IP = "198.51.100.77"
RECIPIENTS = "alice@example.org,bob@example.org,postmaster@example.org"
from harness import check, free_port, results, summary, wait_port


CONFIG = """
[smtp]
listen = ["127.0.0.1:{port}"]
hostname = "mx.example.org"
spool_dir = "{tmp}/spool"

[downstream]
servers = ["127.0.0.1:{sink}"]
connect_timeout = "5s"

[domains]
local = ["example.org"]
recipients = ["alice@example.org", "bob@example.org", "postmaster@example.org"]

[relays]
outbound = ["out.example.org", "{relay}"]

[batv]
key_file = "{tmp}/batv.keys"
lifetime_days = 7

[storm]
# In storm mode the shield refuses null-sender RCPTs to untagged addresses, and with them the
# SAV probes and relay-quoting bounces to those addresses (docs/drill.md, "Storm mode"). This
# test measures the DATA-stage decisions, so storm mode stays out of the way.
strict_rcpt = false
"""


def corpus_dir():
    if CORPUS and os.path.exists(os.path.join(CORPUS, "labels.tsv")):
        return CORPUS, "corpus " + CORPUS
    return FIXTURES, "fixtures (no corpus)"


def drill(args, timeout=240):
    return subprocess.run([BIN, "drill", *args], capture_output=True, text=True, timeout=timeout)


def main():
    tmp = tempfile.mkdtemp(prefix="backstop-drill-")
    os.makedirs(os.path.join(tmp, "spool"))
    with open(os.path.join(tmp, "batv.keys"), "w") as f:
        f.write("4 drill-integration-secret\n")
    port, sink = free_port(), free_port()
    conf = os.path.join(tmp, "backstop.toml")
    with open(conf, "w") as f:
        f.write(CONFIG.format(port=port, sink=sink, tmp=tmp, relay=RELAY_IP))
    log = open(os.path.join(tmp, "backstop.log"), "w+")
    proc = subprocess.Popen([BIN, "serve", "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_port(port):
            check("shield starts", False, open(log.name).read()[-2000:])
        else:
            run(tmp, port, sink)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not all(results):
            log.flush()
            print("---- backstop log (tail) ----\n" + open(log.name).read()[-3000:])
        if os.environ.get("BACKSTOP_KEEP_TMP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return summary()


def run(tmp, port, sink):
    corpus, what = corpus_dir()
    print("messages from " + what, flush=True)
    common = ["--target", "127.0.0.1:%d" % port, "--domain", "example.org",
              "--recipients", RECIPIENTS, "--batv-key-file", os.path.join(tmp, "batv.keys"),
              "--relay", "out.example.org=" + RELAY_IP, "--corpus", corpus]
    r = drill([*common, "--duration", "5s", "--sink", str(sink), "--json", "--seed", "20261124"])
    try:
        j = json.loads(r.stdout)
    except ValueError:
        check("drill --json prints one JSON object", False, (r.returncode, r.stdout[-500:],
                                                             r.stderr[-1500:]))
        return
    check("drill ran (exit 0)", r.returncode == 0, (r.returncode, r.stderr[-800:]))
    print("verdict: backscatter blocked %s%%, legit delivered %s%%, legit bounces delivered %s%%, "
          "probes answered %s%%; %s sessions/s" % (
              j["backscatter_blocked_pct"], j["legit_delivered_pct"],
              j["legit_bounces_delivered_pct"], j["probes_ok_pct"], j["sessions_per_s"]),
          flush=True)
    cls = j["classes"]
    for name in ("backscatter", "probes", "unknown", "legit", "legit-bounces"):
        check("class %s was played" % name, cls[name]["sent"] > 0, cls[name])
    check("backscatter blocked >= 99%", (j["backscatter_blocked_pct"] or 0) >= 99.0,
          (j["backscatter_blocked_pct"], cls["backscatter"]))
    check("legit mail delivered 100%", j["legit_delivered_pct"] == 100.0,
          (j["legit_delivered_pct"], cls["legit"]))
    check("legit bounces delivered 100%", j["legit_bounces_delivered_pct"] == 100.0,
          (j["legit_bounces_delivered_pct"], cls["legit-bounces"]))
    kinds = cls["legit-bounces"]["kinds"]
    check("legit bounces of both kinds (BATV tag, our relay's hop) were played",
          kinds.get("batv", {}).get("sent", 0) > 0 and kinds.get("relay", {}).get("sent", 0) > 0,
          kinds)
    check("SAV probes answered 100%", j["probes_ok_pct"] == 100.0,
          (j["probes_ok_pct"], cls["probes"]))
    check("spam to unknown users refused at RCPT",
          j["unknown_rejected_pct"] == 100.0
          and all(k.startswith("rcpt ") for k in cls["unknown"]["rejected_at"]),
          cls["unknown"])
    check("backscatter refused at RCPT (unknown users) and at end of DATA (real ones)",
          any(k.startswith("rcpt 550") for k in cls["backscatter"]["rejected_at"])
          and any(k.startswith("end-of-data 550") for k in cls["backscatter"]["rejected_at"]),
          cls["backscatter"]["rejected_at"])
    check("sessions/s and latency reported",
          j["sessions_per_s"] > 0 and j["legit_latency_ms"]["p50"] > 0
          and j["legit_latency_ms"]["max"] >= j["legit_latency_ms"]["p99"]
          >= j["legit_latency_ms"]["p50"], (j["sessions_per_s"], j["legit_latency_ms"]))

    # What arrived downstream matches what was answered, class by class.
    d = j.get("downstream")
    check("downstream figures reported", d is not None, j.keys())
    if d:
        for name, c in cls.items():
            want = 0 if name == "probes" else c["accepted"]
            check("downstream: %s arrived %d = accepted %d" % (name, c["arrived"], want),
                  c["arrived"] == want and c["arrived_not_accepted"] == 0
                  and c["accepted_not_arrived"] == 0, c)
        check("downstream: no foreign or duplicate messages",
              d["foreign"] == 0 and d["duplicates"] == 0, d)
        check("downstream: legit 100%, legit bounces 100%, backscatter blocked >= 99%",
              d["legit_delivered_pct"] == 100.0 and d["legit_bounces_delivered_pct"] == 100.0
              and (d["backscatter_blocked_pct"] or 0) >= 99.0, d)
    check("a progress line went to stderr", "drill " in r.stderr and "sessions" in r.stderr,
          r.stderr[-500:])

    # The text report, on the project's fixtures: per-class table, verdict line last.
    r = drill(["--target", "127.0.0.1:%d" % port, "--domain", "example.org", "--recipients",
               RECIPIENTS, "--batv-key-file", os.path.join(tmp, "batv.keys"), "--corpus",
               FIXTURES, "--duration", "1s", "--concurrency", "4", "--sink", str(sink),
               "--mix", "backscatter=8,legit=1,probes=1,legit-bounces=1"])
    lines = r.stdout.strip().splitlines()
    check("text report (fixtures) ends with the verdict line",
          r.returncode == 0 and lines and lines[-1].startswith("verdict: backscatter blocked ")
          and "legit delivered 100.00%, legit bounces delivered 100.00%" in lines[-1]
          and "sessions/s: " in r.stdout and "legit latency: p50 " in r.stdout
          and "downstream (sink on port" in r.stdout,
          (r.returncode, r.stdout[-800:], r.stderr[-500:]))

    # Usage errors: clear, exit 2, before any load is sent.
    r = drill(["--target", "127.0.0.1:%d" % port, "--domain", "example.org", "--mix",
               "backscatter=90,bounce=10"])
    check("bad --mix: exit 2 naming the class", r.returncode == 2
          and "unknown class 'bounce'" in r.stderr, (r.returncode, r.stderr))
    r = drill(["--target", "192.0.2.1:25", "--domain", "example.org"])
    check("non-loopback target refused", r.returncode == 2 and "loopback" in r.stderr,
          (r.returncode, r.stderr))
    r = drill(["--target", "127.0.0.1:%d" % port, "--domain", "example.org", "--mix",
               "legit-bounces=1", "--corpus", FIXTURES])
    check("legit bounces without a key or relay: exit 2 saying what is missing",
          r.returncode == 2 and "--batv-key-file" in r.stderr, (r.returncode, r.stderr))
    r = drill(["--target", "127.0.0.1:%d" % free_port(), "--domain", "example.org",
               "--corpus", FIXTURES, "--duration", "1s", "--mix", "legit=1",
               "--concurrency", "2"])
    check("nothing listening: exit 1", r.returncode == 1 and "refused at connect" in r.stdout,
          (r.returncode, r.stdout[-600:]))
    r = subprocess.run([BIN, "drill", "--help"], capture_output=True, text=True)
    check("--help documents the classes, output and exit status",
          r.returncode == 0 and all(s in r.stdout for s in (
              "backscatter", "legit-bounces", "verdict:", "EXIT STATUS", "--sink", "loopback")),
          r.stdout[:300])


if __name__ == "__main__":
    sys.exit(main())
