#!/usr/bin/env python3
"""The DNS list benchmark that `make bench-dns` runs (issue 4; docs/benchmarks.md, "DNS lists:
backstop's DNS server vs rbldnsd").

What it measures: backstop's DNSBL server (`backstop serve` with [dns] block_zone, answering
from the reputation store) against rbldnsd serving the same entries, with dnsperf, on loopback,
in one run. Target: backstop >= 1.0 times rbldnsd's queries/s with no loss; p99 latency reported.

  1. ENTRIES (1,000,000) random, distinct IPv4 addresses (/32s; none in 0/8, 127/8 or 224/3),
     written as an rbldnsd ip4set file, then imported into a fresh SQLite store with
     `backstop lists import --format ip4set --reason spam` (its wall time is reported: that is
     what loading a list of this size into backstop costs).
  2. `backstop serve` with [smtp] listen = [] and [dns] listen/block_zone only. It loads the
     store at start; the script waits until the entry loaded last (the greatest store key)
     answers, and reports that time. Then it asks backstop for one entry's A and TXT and its SOA.
  3. rbldnsd (-n, foreground; -u nobody when root; -c 0, no reload checks) with the SAME entries
     in an ip4set file headed by `$SOA` (backstop's SOA) and `:A:TXT` (backstop's answer for a
     "spam" entry), so that both answer with the same records. Before measuring, 400 names (half
     listed, A and TXT) are asked of both and their answers compared (rcode, A, TXT).
  4. A query file of QUERIES (1,000,000) lines: half listed addresses, half unlisted ones, in
     random order; TXT_SHARE (0.2) of them TXT, the rest A. The same file for both servers.
  5. A short warm-up of each (WARMUP s), then ROUNDS rounds; in each, for each server (the order
     alternates between rounds): a closed-loop dnsperf run (`-c CLIENTS -T THREADS -q OUTSTANDING
     -l DURATION`: as fast as the server answers, OUTSTANDING queries in flight), then an
     open-loop latency run at LAT_RATE queries/s (`-Q`) for LAT_DURATION s with `-v`, whose
     per-query latencies give p50/p99/p99.9 (dnsperf 2.10 has no latency histogram; its summary
     gives only mean, min, max and standard deviation, which are reported for the closed loop).
     Around each run the server's utime + stime (/proc/PID/stat, all threads) is read:
     CPU microseconds per answered query; and the host's UDP RcvbufErrors (/proc/net/snmp):
     datagrams dropped because a receive buffer was full, which is where lost queries go (the
     client's buffers are CLIENT_BUFFER_KB, dnsperf -b, so they are the server's).
  6. Medians over the rounds, backstop / rbldnsd ratios, RSS (VmRSS and VmHWM) after loading and
     at the end, the import and load times; text on stdout, and JSON to RESULTS when set.

Everything runs on 127.0.0.1 in a temporary directory; every process started is stopped at the
end (also on errors and Ctrl-C).

How to run it:

    make bench-dns                               # release build, then this script
    python3 bench/dns/run.py [BACKSTOP_BINARY]   # default build/release/apps/backstop/backstop
    ROUNDS=5 DURATION=30 python3 bench/dns/run.py
    ENTRIES=100000 QUERIES=200000 ROUNDS=1 DURATION=5 python3 bench/dns/run.py   # a quick check

Settings (environment): ENTRIES (1000000), QUERIES (1000000), TXT_SHARE (0.2), SEED (42),
ROUNDS (3), DURATION (15), CLIENTS (4), THREADS (1), OUTSTANDING (200), CLIENT_BUFFER_KB (dnsperf
-b, 4096: large client socket buffers, so that the client does not drop answers), WARMUP (3; 0
skips), LAT_RATE (20000; 0 skips the latency runs), LAT_DURATION (10), EDNS (0; 1 adds dnsperf
-e), LOAD_TIMEOUT (seconds to wait for either server to answer its last entry, 300), PROFILE (1:
after the rounds, one more closed-loop run per server under `perf record -p PID`, and the top of
`perf report`; needs perf, Debian linux-perf), RBLDNSD (/usr/sbin/rbldnsd), DNSPERF (dnsperf),
RESULTS (a JSON file to write), KEEP (1 keeps the temporary directory: configuration, logs, data
and query files).
Needs: dnsperf and rbldnsd (Debian packages dnsperf, rbldnsd).
"""
import array
import datetime
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ZONE = "bl.example.org"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


ENTRIES = env_int("ENTRIES", 1000000)
QUERIES = env_int("QUERIES", 1000000)
TXT_SHARE = env_float("TXT_SHARE", 0.2)
SEED = env_int("SEED", 42)
ROUNDS = env_int("ROUNDS", 3)
DURATION = env_int("DURATION", 15)
CLIENTS = env_int("CLIENTS", 4)
THREADS = env_int("THREADS", 1)
OUTSTANDING = env_int("OUTSTANDING", 200)
CLIENT_BUFFER_KB = env_int("CLIENT_BUFFER_KB", 4096)
WARMUP = env_int("WARMUP", 3)
LAT_RATE = env_int("LAT_RATE", 20000)
LAT_DURATION = env_int("LAT_DURATION", 10)
EDNS = os.environ.get("EDNS", "0") == "1"
PROFILE = os.environ.get("PROFILE", "0") == "1"
LOAD_TIMEOUT = env_int("LOAD_TIMEOUT", 300)
RBLDNSD = os.environ.get("RBLDNSD", "/usr/sbin/rbldnsd")
DNSPERF = os.environ.get("DNSPERF", "dnsperf")
HZ = os.sysconf("SC_CLK_TCK")

procs = []  # (name, Popen) of everything started, stopped at the end


def log(msg):
    print(msg, flush=True)


def fail(msg):
    raise SystemExit("run.py: " + msg)


# --- processes ------------------------------------------------------------------------------


def free_udp_port():
    # A port free for both UDP and TCP (backstop listens on both).
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    fail("no free port")


def stop_all():
    for name, p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for name, p in reversed(procs):
        try:
            p.wait(timeout=40)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # utime, stime (all threads)


def mem_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def udp_rcvbuf_errors():
    # Datagrams the kernel dropped because a socket's receive buffer was full (whole host).
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- a minimal DNS client (for readiness and the answer comparison) -------------------------


def ask(port, name, qtype, timeout=1.0):
    """(rcode, [A strings], [TXT strings], [SOA rdata tuples]) or None on timeout."""
    qid = random.getrandbits(16)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, ("127.0.0.1", port))
        while True:
            m, _ = s.recvfrom(4096)
            if len(m) >= 12 and struct.unpack(">H", m[:2])[0] == qid:
                break
    except (socket.timeout, ConnectionRefusedError):
        return None
    finally:
        s.close()
    _, flags, qd, an, ns, _ = struct.unpack(">HHHHHH", m[:12])
    pos = 12

    def skip_name(p):
        while True:
            n = m[p]
            if n & 0xC0 == 0xC0:
                return p + 2
            if n == 0:
                return p + 1
            p += n + 1

    def read_name(p):
        labels, jumps = [], 0
        while jumps < 20:
            n = m[p]
            if n & 0xC0 == 0xC0:
                p = ((n & 0x3F) << 8) | m[p + 1]
                jumps += 1
                continue
            if n == 0:
                return ".".join(labels) + "."
            labels.append(m[p + 1:p + 1 + n].decode("ascii", "replace"))
            p += n + 1
        return "?"

    for _ in range(qd):
        pos = skip_name(pos) + 4
    a, txt, soa = [], [], []
    for _ in range(an + ns):
        pos = skip_name(pos)
        rtype, _, _, rdlen = struct.unpack(">HHIH", m[pos:pos + 10])
        pos += 10
        rd = m[pos:pos + rdlen]
        if rtype == 1 and rdlen == 4:
            a.append(".".join(str(b) for b in rd))
        elif rtype == 16:
            parts, i = [], 0
            while i < len(rd):
                parts.append(rd[i + 1:i + 1 + rd[i]].decode("utf-8", "replace"))
                i += 1 + rd[i]
            txt.append("".join(parts))
        elif rtype == 6:
            p = pos
            mname = read_name(p)
            p = skip_name(p)
            rname = read_name(p)
            p = skip_name(p)
            soa.append((mname, rname) + struct.unpack(">IIIII", m[p:p + 20]))
        pos += rdlen
    return flags & 0xF, a, txt, soa


def rev(ip):
    return ".".join(reversed(ip.split("."))) + "." + ZONE


def wait_answer(port, ip, proc, what):
    """Seconds until `ip` is answered as listed, or fail."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < LOAD_TIMEOUT:
        if proc.poll() is not None:
            fail(f"{what} exited with status {proc.returncode} (see its log in the work dir)")
        r = ask(port, rev(ip), 1, timeout=0.5)
        if r and r[0] == 0 and r[1]:
            return time.monotonic() - t0
        time.sleep(0.2)
    fail(f"{what} did not answer {ip} as listed within {LOAD_TIMEOUT} s")


# --- data -----------------------------------------------------------------------------------


def ip_str(n):
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def usable(n):
    top = n >> 24
    return top not in (0, 127) and top < 224


def make_data(work):
    rng = random.Random(SEED)
    listed = set()
    while len(listed) < ENTRIES:
        n = rng.getrandbits(32)
        if usable(n):
            listed.add(n)
    entries = sorted(listed)
    rng.shuffle(entries)  # file order is not sorted order
    path = os.path.join(work, "entries.ip4set")
    with open(path, "w") as f:
        f.write(f"# bench/dns: {ENTRIES} random IPv4 addresses, seed {SEED}\n")
        for n in entries:
            f.write(ip_str(n) + "\n")
    qpath = os.path.join(work, "queries.txt")
    unlisted = 0
    with open(qpath, "w") as f:
        for i in range(QUERIES):
            if i % 2 == 0:
                n = entries[rng.randrange(ENTRIES)]
            else:
                while True:
                    n = rng.getrandbits(32)
                    if usable(n) and n not in listed:
                        break
                unlisted += 1
            qtype = "TXT" if rng.random() < TXT_SHARE else "A"
            f.write(f"{rev(ip_str(n))} {qtype}\n")
    return path, qpath, [ip_str(n) for n in entries], listed


# --- dnsperf --------------------------------------------------------------------------------


def num(pattern, text, cast=float):
    m = re.search(pattern, text)
    return cast(m.group(1)) if m else None


def run_dnsperf(port, qfile, pid, extra, verbose=False):
    cmd = [DNSPERF, "-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-c", str(CLIENTS),
           "-T", str(THREADS), "-b", str(CLIENT_BUFFER_KB)] + extra + (["-e"] if EDNS else []) + (["-v"] if verbose else [])
    before = cpu_ticks(pid)
    drops0 = udp_rcvbuf_errors()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    la0 = loadavg()
    t0 = time.monotonic()
    lat = array.array("d")
    if verbose:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             bufsize=1 << 20)
        tail = []
        for line in p.stdout:
            if line.startswith("> "):
                try:
                    lat.append(float(line.rsplit(None, 1)[1]))
                except ValueError:
                    pass
            else:
                tail.append(line)
        p.wait()
        out = "".join(tail)
    else:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             check=False).stdout
    wall = time.monotonic() - t0
    after = cpu_ticks(pid)
    drops1 = udp_rcvbuf_errors()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = num(r"Queries completed:\s+(\d+)", out, int)
    if completed is None:
        fail("dnsperf gave no statistics:\n" + out[-2000:])
    r = {
        "command": " ".join(cmd),
        "sent": num(r"Queries sent:\s+(\d+)", out, int),
        "completed": completed,
        "lost": num(r"Queries lost:\s+(\d+)", out, int),
        "qps": num(r"Queries per second:\s+([\d.]+)", out),
        "avg_latency_ms": num(r"Average Latency \(s\):\s+([\d.]+)", out) * 1e3,
        "max_latency_ms": num(r"Average Latency \(s\):.*max ([\d.]+)", out) * 1e3,
        "stddev_ms": num(r"Latency StdDev \(s\):\s+([\d.]+)", out) * 1e3,
        "response_bytes": num(r"Average packet size:.*response (\d+)", out, int),
        "rcodes": (re.search(r"Response codes:\s+(.*)", out) or [None, ""])[1],
        "wall_s": wall,
        "udp_rcvbuf_errors": drops1 - drops0,
        "server_user_s": (after[0] - before[0]) / HZ,
        "server_sys_s": (after[1] - before[1]) / HZ,
        "client_cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "load_before": la0,
        "load_after": loadavg(),
    }
    cpu = r["server_user_s"] + r["server_sys_s"]
    r["server_cpu_us_per_query"] = cpu * 1e6 / completed if completed else None
    r["server_user_us_per_query"] = r["server_user_s"] * 1e6 / completed if completed else None
    r["server_sys_us_per_query"] = r["server_sys_s"] * 1e6 / completed if completed else None
    if verbose:
        lat = sorted(lat)
        r["latencies"] = len(lat)

        def pct(q):
            return lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3 if lat else None

        r["p50_ms"], r["p99_ms"], r["p999_ms"] = pct(0.5), pct(0.99), pct(0.999)
        r["lat_max_ms"] = lat[-1] * 1e3 if lat else None
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --- main -----------------------------------------------------------------------------------


def main():
    backstop = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                               os.path.join(REPO, "build/release/apps/backstop/backstop"))
    for b, pkg in ((backstop, None), (RBLDNSD, "rbldnsd")):
        if not os.access(b, os.X_OK):
            fail(f"{b} is missing" + (f" (Debian package {pkg})" if pkg else "; build it first"))
    if not shutil.which(DNSPERF):
        fail("dnsperf is missing (Debian package dnsperf)")
    work = tempfile.mkdtemp(prefix="bench-dns.")
    os.chmod(work, 0o755)  # rbldnsd reads its file as nobody
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "settings": {k: globals()[k] for k in (
                   "ENTRIES", "QUERIES", "TXT_SHARE", "SEED", "ROUNDS", "DURATION", "CLIENTS",
                   "THREADS", "OUTSTANDING", "CLIENT_BUFFER_KB", "WARMUP", "LAT_RATE", "LAT_DURATION", "EDNS")}}
    try:
        results.update(run(backstop, work))
    finally:
        stop_all()
        if os.environ.get("KEEP") == "1":
            log(f"run.py: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if os.environ.get("RESULTS"):
        with open(os.environ["RESULTS"], "w") as f:
            json.dump(results, f, indent=1)
        log(f"results written to {os.environ['RESULTS']}")


def run(backstop, work):
    res = {}
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")
    dnsperf_version = (re.search(r"Version (\S+)", subprocess.run(
        [DNSPERF, "-h"], capture_output=True, text=True).stdout +
        subprocess.run([DNSPERF, "-h"], capture_output=True, text=True).stderr) or [0, "?"])[1]
    res["machine"] = {"nproc": os.cpu_count(), "cpu": cpu_model, "kernel": platform.release(),
                      "dnsperf": dnsperf_version}
    log(f"machine: {os.cpu_count()} CPUs, {cpu_model}, Linux {platform.release()}, "
        f"dnsperf {dnsperf_version}; work dir {work}")

    t0 = time.monotonic()
    entries_file, qfile, entries, _ = make_data(work)
    log(f"data: {ENTRIES} entries, {QUERIES} queries (half listed, {TXT_SHARE:.0%} TXT) in "
        f"{time.monotonic() - t0:.1f} s")

    # backstop: configuration, import, start.
    bport = free_udp_port()
    cfg = os.path.join(work, "backstop.toml")
    with open(cfg, "w") as f:
        f.write(f"""# Generated by bench/dns/run.py.
[smtp]
listen = []
hostname = "ns1.example.org"
spool_dir = "{work}/spool"

[dns]
listen = ["127.0.0.1:{bport}"]
block_zone = "{ZONE}"
ns = "ns1.example.org"

[domains]
local = ["example.org"]
recipients = ["@example.org"]

[store]
backend = "sqlite"
path = "{work}/backstop.db"

[log]
file = "{work}/backstop.log"
""")
    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    imp = subprocess.run([backstop, "lists", "import", "--config", cfg, "--format", "ip4set",
                          "--reason", "spam", entries_file], capture_output=True, text=True)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    import_s = time.monotonic() - t0
    if imp.returncode != 0:
        fail(f"backstop lists import failed ({imp.returncode}):\n{imp.stdout[-2000:]}"
             f"{imp.stderr[-2000:]}")
    db_bytes = sum(os.path.getsize(os.path.join(work, n)) for n in os.listdir(work)
                   if n.startswith("backstop.db"))
    res["import"] = {"seconds": import_s, "cpu_s": (ru1.ru_utime - ru0.ru_utime) +
                     (ru1.ru_stime - ru0.ru_stime), "db_bytes": db_bytes,
                     "output": imp.stdout.strip().splitlines()[-1:]}
    log(f"backstop lists import: {import_s:.1f} s wall, {res['import']['cpu_s']:.1f} s CPU, "
        f"store {db_bytes / 1e6:.0f} MB: {' '.join(res['import']['output'])}")

    blog = open(os.path.join(work, "backstop.out"), "w")
    t0 = time.monotonic()
    bproc = subprocess.Popen([backstop, "serve", "--config", cfg], stdout=blog,
                             stderr=subprocess.STDOUT)
    procs.append(("backstop", bproc))
    # The store is scanned in key order: the greatest key is the last entry loaded.
    last = max(entries, key=lambda ip: "block:" + ip)
    wait_answer(bport, last, bproc, "backstop")
    for ip in random.Random(SEED + 1).sample(entries, 20):
        r = ask(bport, rev(ip), 1)
        if not r or not r[1]:
            fail(f"backstop does not answer {ip} as listed (it answered {r})")
    res["backstop_load_s"] = time.monotonic() - t0
    time.sleep(1)
    res["backstop_mem_loaded_kib"] = mem_kib(bproc.pid)
    log(f"backstop serve: answering all entries {res['backstop_load_s']:.1f} s after start; "
        f"{res['backstop_mem_loaded_kib']}")

    # rbldnsd: the same entries, with backstop's answer and SOA.
    first = entries[0]
    ra, rt = ask(bport, rev(first), 1), ask(bport, rev(first), 16)
    rs = ask(bport, ZONE, 6)
    if not (ra and ra[1] and rt and rt[2] and rs and rs[3]):
        fail(f"backstop's answers for {first} / the SOA are incomplete: {ra} {rt} {rs}")
    a_value, txt = ra[1][0], rt[2][0]
    mname, rname, serial, refresh, retry, expire, minimum = rs[3][0]
    neg = ask(bport, rev("192.0.2.1"), 1)
    soa_ttl = 60  # the negative answers' SOA TTL (docs/dns.md): min(minimum, soa_ttl)
    rfile = os.path.join(work, "rbldnsd.ip4set")
    with open(rfile, "w") as f, open(entries_file) as src:
        f.write(f"$SOA {soa_ttl} {mname} {rname} {serial} {refresh} {retry} {expire} {minimum}\n")
        f.write(f":{a_value}:{txt}\n")
        shutil.copyfileobj(src, f)
    os.chmod(rfile, 0o644)
    rport = free_udp_port()
    rcmd = [RBLDNSD, "-n", "-b", f"127.0.0.1/{rport}", "-w", work, "-c", "0", "-t", "300"]
    if os.geteuid() == 0:
        rcmd += ["-u", "nobody"]
    rcmd.append(f"{ZONE}:ip4set:rbldnsd.ip4set")
    rlog = open(os.path.join(work, "rbldnsd.out"), "w")
    t0 = time.monotonic()
    rproc = subprocess.Popen(rcmd, stdout=rlog, stderr=subprocess.STDOUT)
    procs.append(("rbldnsd", rproc))
    wait_answer(rport, last, rproc, "rbldnsd")
    res["rbldnsd_load_s"] = time.monotonic() - t0
    time.sleep(1)
    res["rbldnsd_mem_loaded_kib"] = mem_kib(rproc.pid)
    with open(os.path.join(work, "rbldnsd.out")) as f:
        rout = f.read()
    res["rbldnsd_version"] = (re.search(r"version (\S+ \([^)]*\))", rout) or [0, "?"])[1]
    log(f"rbldnsd {res['rbldnsd_version']}: answering {res['rbldnsd_load_s']:.1f} s after "
        f"start; {res['rbldnsd_mem_loaded_kib']}; command: {' '.join(rcmd)}")

    # Same answers?
    rng = random.Random(SEED + 2)
    names = rng.sample(entries, 100)
    while len(names) < 200:
        n = rng.getrandbits(32)
        if usable(n):
            names.append(ip_str(n))
    diffs = []
    for ip in names:
        for qtype in (1, 16):
            b, r = ask(bport, rev(ip), qtype), ask(rport, rev(ip), qtype)
            # TXT texts differ only in the expiry time backstop writes per entry.
            norm = (lambda x: x and (x[0], x[1], [re.sub(r"\d", "0", t) for t in x[2]],
                                     [s[:2] + s[3:] for s in x[3]]))
            if norm(b) != norm(r):
                diffs.append((ip, qtype, b, r))
    res["answer_check"] = {"names": len(names) * 2, "differences": len(diffs),
                           "examples": [str(d) for d in diffs[:5]]}
    log(f"answer check: {len(names) * 2} questions to both, {len(diffs)} differ"
        + ("".join(f"\n  {d}" for d in diffs[:5])))
    if diffs:
        fail("the two servers do not answer alike; not measuring")
    log(f"listed: A {a_value}, TXT \"{txt}\"; unlisted: rcode {neg[0] if neg else '?'} with SOA")

    servers = {"backstop": (bport, bproc.pid), "rbldnsd": (rport, rproc.pid)}
    closed = ["-q", str(OUTSTANDING), "-l", str(DURATION)]
    if WARMUP > 0:
        for name, (port, pid) in servers.items():
            run_dnsperf(port, qfile, pid, ["-q", str(OUTSTANDING), "-l", str(WARMUP)])
    runs = {n: [] for n in servers}
    lat_runs = {n: [] for n in servers}
    for rnd in range(ROUNDS):
        order = list(servers) if rnd % 2 == 0 else list(reversed(list(servers)))
        for name in order:
            port, pid = servers[name]
            r = run_dnsperf(port, qfile, pid, closed)
            runs[name].append(r)
            log(f"round {rnd + 1} {name:8s} closed loop: {r['qps']:,.0f} q/s, lost {r['lost']}, "
                f"kernel UDP drops {r['udp_rcvbuf_errors']}, mean {r['avg_latency_ms']:.3f} ms (max {r['max_latency_ms']:.1f}), server "
                f"{r['server_cpu_us_per_query']:.2f} us/q (user {r['server_user_us_per_query']:.2f}"
                f", sys {r['server_sys_us_per_query']:.2f}), client {r['client_cpu_s']:.1f} CPU-s,"
                f" response {r['response_bytes']} B, load {r['load_before']} -> {r['load_after']}")
            if LAT_RATE > 0:
                lr = run_dnsperf(port, qfile, pid,
                                 ["-q", str(max(OUTSTANDING, 1000)), "-Q", str(LAT_RATE),
                                  "-l", str(LAT_DURATION)], verbose=True)
                lat_runs[name].append(lr)
                log(f"round {rnd + 1} {name:8s} {LAT_RATE} q/s: {lr['qps']:,.0f} q/s, lost "
                    f"{lr['lost']} (kernel UDP drops {lr['udp_rcvbuf_errors']}), p50 {lr['p50_ms']:.3f} ms, p99 {lr['p99_ms']:.3f} ms, p99.9 "
                    f"{lr['p999_ms']:.3f} ms, max {lr['lat_max_ms']:.1f} ms, server "
                    f"{lr['server_cpu_us_per_query']:.2f} us/q")
    if PROFILE and shutil.which("perf"):
        res["profile"] = {}
        for name in servers:
            port, pid = servers[name]
            data = os.path.join(work, f"perf-{name}.data")
            perf = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-p", str(pid), "-o",
                                     data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(("perf", perf))
            time.sleep(1)
            run_dnsperf(port, qfile, pid, closed)
            perf.send_signal(signal.SIGINT)
            perf.wait()
            top = []
            for sort, limit in (("dso", "1"), ("dso,symbol", "0.7")):
                rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                                      "--sort", sort, "--percent-limit", limit],
                                     capture_output=True, text=True).stdout
                top += [" ".join(l.replace(" -      -", "").split())[:150]
                        for l in rep.splitlines() if l.strip() and not l.startswith("#")][:30]
            res["profile"][name] = top
            log(f"profile of {name} during a closed-loop run (perf record -F 999 -p PID; "
                f"perf report --no-children --sort dso, then dso,symbol):\n  " + "\n  ".join(top))
    res["rounds"] = runs
    res["latency_rounds"] = lat_runs
    res["backstop_mem_end_kib"] = mem_kib(bproc.pid)
    res["rbldnsd_mem_end_kib"] = mem_kib(rproc.pid)

    summary = {}
    for name in servers:
        rs_, ls_ = runs[name], lat_runs[name]
        summary[name] = {
            "qps": median(r["qps"] for r in rs_),
            "lost": sum(r["lost"] for r in rs_ + ls_),
            "sent": sum(r["sent"] for r in rs_ + ls_),
            "lost_closed_loop": sum(r["lost"] for r in rs_),
            "udp_rcvbuf_errors": sum(r["udp_rcvbuf_errors"] for r in rs_ + ls_),
            "avg_latency_ms": median(r["avg_latency_ms"] for r in rs_),
            "cpu_us": median(r["server_cpu_us_per_query"] for r in rs_),
            "user_us": median(r["server_user_us_per_query"] for r in rs_),
            "sys_us": median(r["server_sys_us_per_query"] for r in rs_),
            "client_cpu_s": median(r["client_cpu_s"] for r in rs_),
            "response_bytes": median(r["response_bytes"] for r in rs_),
            "p50_ms": median(r["p50_ms"] for r in ls_),
            "p99_ms": median(r["p99_ms"] for r in ls_),
            "p999_ms": median(r["p999_ms"] for r in ls_),
            "lat_cpu_us": median(r["server_cpu_us_per_query"] for r in ls_),
            "rss_loaded_kib": res[f"{name}_mem_loaded_kib"].get("VmRSS"),
            "hwm_kib": res[f"{name}_mem_end_kib"].get("VmHWM"),
            "rss_end_kib": res[f"{name}_mem_end_kib"].get("VmRSS"),
        }
    b, r = summary["backstop"], summary["rbldnsd"]
    summary["ratio_qps"] = b["qps"] / r["qps"]
    summary["ratio_qps_per_round"] = [x["qps"] / y["qps"] for x, y in
                                      zip(runs["backstop"], runs["rbldnsd"])]
    summary["ratio_cpu_per_query"] = b["cpu_us"] / r["cpu_us"]
    res["summary"] = summary

    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    log("")
    log(f"medians over {ROUNDS} rounds; closed loop -c {CLIENTS} -T {THREADS} -q {OUTSTANDING} "
        f"-l {DURATION}; latency at {LAT_RATE} q/s for {LAT_DURATION} s")
    log("| | queries/s | lost (all runs) | mean latency ms (closed loop) | p50 / p99 / p99.9 ms "
        f"at {LAT_RATE:,} q/s | server CPU-µs/query (user + sys) | RSS loaded / peak MiB |")
    log("|---|---:|---:|---:|---:|---:|---:|")
    for name in servers:
        s = summary[name]
        log(f"| {name} | {s['qps']:,.0f} | {s['lost']} of {s['sent']:,} | "
            f"{f(s['avg_latency_ms'], '.3f')} | {f(s['p50_ms'], '.3f')} / {f(s['p99_ms'], '.3f')}"
            f" / {f(s['p999_ms'], '.3f')} | {s['cpu_us']:.2f} ({s['user_us']:.2f} + "
            f"{s['sys_us']:.2f}) | {s['rss_loaded_kib'] / 1024:.0f} / {s['hwm_kib'] / 1024:.0f} |")
    log(f"backstop / rbldnsd queries/s: {summary['ratio_qps']:.2f} (per round: "
        f"{', '.join(f'{x:.2f}' for x in summary['ratio_qps_per_round'])}); "
        f"CPU per query: {summary['ratio_cpu_per_query']:.2f}")
    log(f"import {res['import']['seconds']:.1f} s; backstop answering {res['backstop_load_s']:.1f}"
        f" s after start, rbldnsd {res['rbldnsd_load_s']:.1f} s")
    return res


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
