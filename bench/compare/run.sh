#!/usr/bin/env bash
# run.sh [BUILD_DIR]: the side-by-side comparison that `make compare` runs (issue 6, "The
# side-by-side harness"; docs/benchmarks.md, "Side by side"). On loopback, in one run, the same
# `backstop drill` workload against each system in turn:
#
#   backstop        backstop's shield, relaying to the drill's sink (the drill docs' config:
#                   storm detection on, storm refusals off, so the decisions are the content's)
#   backstop-storm  the same with the shield's default storm mode (refusals at RCPT in a storm)
#   postfix         Postfix with the classic recipe from the field (bench/compare/postfix/):
#                   null sender refused (check_sender_access <> 550), header_checks refusing
#                   "Return-Path: <>" and "From: ...MAILER-DAEMON", unknown users refused at RCPT,
#                   the rest queued and relayed to the drill's sink
#   postfix-vbounce the same Postfix without the recipe, with SpamAssassin's VBounce rules through
#                   spamass-milter and a spamd of its own (bench/compare/spamassassin/local.cf:
#                   welcomelist_bounce_relays = the drill's relay, a VBounce hit refused at DATA,
#                   ALL_TRUSTED off as SpamAssassin always trusts the drill's 127.0.0.0/8)
#   haraka          Haraka with haraka-plugin-bounce's backscatter checks on (bench/compare/haraka/),
#                   relaying to the drill's sink during the transaction (queue/smtp_forward)
#   smtp-sink       Postfix's smtp-sink alone, the floor: answers 250 to everything, keeps nothing
#
# Each system is started in a temporary directory on a free loopback port, gets DURATION seconds
# of `backstop drill --concurrency CONCURRENCY --json` (with --sink for the systems that relay,
# so "delivered" counts what arrived downstream), and is stopped. Server CPU-seconds are
# utime + stime + cutime + cstime from /proc/PID/stat, summed over the server's process and all
# its live descendants, before and after the drill (Postfix's smtpd, cleanup, qmgr, smtp ... are
# children of its master; the time of children that exited is in the master's cutime/cstime).
# For Postfix the drill waits until what was answered 250 has arrived (up to 30 s), so its
# queue's delivery work is in the figure.
#
# Prints a table, and writes bench/compare/results.tsv, bench/compare/compare.png (gnuplot) and
# the "Side by side" section of docs/benchmarks.md (from its heading to the next "## " heading).
#
# Settings (environment): DURATION (10), CONCURRENCY (50), SYSTEMS (space-separated, default all
# five above), SEED (42), KEEP (1 keeps the temporary directory), NO_DOCS (1 leaves
# docs/benchmarks.md alone), NO_BUILD (1 skips bringing the release build up to date),
# RATE_PHASE (0 skips the second run: every system again at a fixed rate, half of backstop's
# saturation rate, for the latency of legitimate mail under a storm).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
build="${1:-$top/build/release}"
duration="${DURATION:-10}"
concurrency="${CONCURRENCY:-50}"
seed="${SEED:-42}"
systems="${SYSTEMS:-backstop backstop-storm postfix postfix-vbounce haraka smtp-sink}"

backstop="$build/apps/backstop/backstop"
# The release build of backstop, brought up to date (NO_BUILD=1 uses the binary as it is).
if [[ "${NO_BUILD:-0}" != 1 || ! -x "$backstop" ]]; then
  [[ -f "$build/build.ninja" ]] ||
    cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKSTOP_TESTS=OFF >/dev/null
  cmake --build "$build" --target backstop
fi
backstop="$(cd "$(dirname "$backstop")" && pwd)/backstop"

# The peers from Debian packages when they are missing (as root): Postfix (also smtp-sink; with
# debconf's "No configuration", so the system's own Postfix is not set up or started), node and
# npm for Haraka.
apt_install() {  # PACKAGE...
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }
}
if [[ ! -x /usr/sbin/postfix || ! -x /usr/sbin/smtp-sink ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  apt_install postfix || echo "run.sh: could not install Postfix" >&2
fi
if [[ " $systems " == *" postfix-vbounce "* ]] &&
   { ! command -v spamd >/dev/null || ! command -v spamass-milter >/dev/null; }; then
  # Debian's packages ship the rules (/usr/share/spamassassin); no sa-update is needed. The
  # system's own spamd and spamass-milter are not used (this harness starts its own).
  apt_install spamassassin spamc spamass-milter || echo "run.sh: could not install SpamAssassin" >&2
fi
if [[ " $systems " == *" haraka "* ]] && ! command -v npm >/dev/null; then
  apt_install nodejs npm || echo "run.sh: could not install node and npm" >&2
fi
# The plot needs gnuplot (Debian: gnuplot-nox).
if ! command -v gnuplot >/dev/null; then
  apt_install gnuplot-nox || true
  command -v gnuplot >/dev/null || echo "run.sh: gnuplot is missing; no plot" >&2
fi
# Haraka and its bounce plugin (npm), under bench/compare/node_modules (package.json here).
if [[ " $systems " == *" haraka "* && ! -e "$here/node_modules/Haraka/bin/haraka" ]]; then
  if command -v npm >/dev/null; then
    (cd "$here" && timeout 600 npm install --no-audit --no-fund >/dev/null 2>&1) ||
      echo "run.sh: npm install of Haraka failed" >&2
  else
    echo "run.sh: npm is missing; Haraka is skipped" >&2
  fi
fi

work="$(mktemp -d /tmp/bench-compare.XXXXXX)"
chmod 755 "$work"
server_pid=""
aux_pids=()
postfix_dir=""
cleanup() {
  stop_server || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "run.sh: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # PORT [TRIES]: until something listens on 127.0.0.1:PORT (TRIES x 0.05 s)
  local i
  for ((i = 0; i < ${2:-300}; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
hz="$(getconf CLK_TCK)"
# tree_ticks PID: utime + stime + cutime + cstime of PID and all its live descendants.
tree_ticks() {
  python3 - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1])
stats = {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        with open(f'/proc/{d}/stat') as f:
            s = f.read()
    except OSError:
        continue
    fields = s[s.rindex(')') + 2:].split()
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
print(total)
EOF
}

server_ticks() {  # the server's tree and its helpers' (aux_pids) trees
  local total p
  total="$(tree_ticks "$server_pid")"
  for p in "${aux_pids[@]}"; do total=$((total + $(tree_ticks "$p"))); done
  echo "$total"
}

printf '1 bench-compare-%s\n' "$(date +%s%N)" >"$work/batv.keys"
recipients="alice@example.org,bob@example.org,postmaster@example.org"
relay_name="out.example.org"
relay_ip="198.51.100.77"

# --- the systems -------------------------------------------------------------------------------
# start_SYSTEM PORT SINK: starts it in $work/SYSTEM, sets server_pid; returns 1 if it cannot run
# (with the reason in $work/SYSTEM.why).

write_backstop_config() {  # FILE PORT SINK STORM_TABLE
  cat >"$1" <<EOF
# Generated by bench/compare/run.sh.
[smtp]
listen = ["127.0.0.1:$2"]
hostname = "mx.example.org"
max_sessions = 20000
max_sessions_per_ip = 1000
spool_dir = "$work/spool"
[downstream]
servers = ["127.0.0.1:$3"]
[domains]
local = ["example.org"]
recipients = ["alice@example.org", "bob@example.org", "postmaster@example.org"]
[relays]
outbound = ["$relay_name", "$relay_ip"]
[batv]
key_file = "$work/batv.keys"
$4
[store]
path = "$work/$(basename "$1" .toml).db"
[log]
file = "$work/$(basename "$1" .toml).log"
EOF
}
start_backstop_with() {  # NAME PORT SINK STORM_TABLE
  mkdir -p "$work/spool"
  write_backstop_config "$work/$1.toml" "$2" "$3" "$4"
  "$backstop" serve --config "$work/$1.toml" >>"$work/$1.out" 2>&1 &
  server_pid=$!
  wait_port "$2" || { tail -5 "$work/$1.out" >"$work/$1.why"; return 1; }
}
start_backstop() { start_backstop_with backstop "$1" "$2" $'[storm]\nstrict_rcpt = false'; }
start_backstop-storm() { start_backstop_with backstop-storm "$1" "$2" ""; }

start_smtp-sink() {
  local bin user=()
  bin="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"
  [[ -x "$bin" ]] || { echo "smtp-sink (Debian package postfix) is not installed" >"$work/smtp-sink.why"; return 1; }
  [[ "$(id -u)" == 0 ]] && user=(-u nobody)
  "$bin" "${user[@]}" -m 4096 "127.0.0.1:$1" 4096 >"$work/smtp-sink.out" 2>&1 &
  server_pid=$!
  wait_port "$1" || { echo "smtp-sink did not start" >"$work/smtp-sink.why"; return 1; }
}

start_postfix() {  # PORT SINK [NAME]: NAME postfix-vbounce swaps the recipe for the milter
  local name="${3:-postfix}" d="$work/postfix" i
  if [[ ! -x /usr/sbin/postfix ]]; then
    echo "Postfix (Debian package postfix) is not installed" >"$work/$name.why"; return 1
  fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "a private Postfix instance needs root (run.sh was run as $(id -un))" >"$work/$name.why"; return 1
  fi
  rm -rf "$d" "$work/postfix-queue" "$work/postfix-data" "$work/postfix.log"   # a fresh instance
  mkdir -p "$d" "$work/postfix-queue" "$work/postfix-data"
  chown postfix "$work/postfix-data"
  sed -e "s#@WORK@#$work#g" -e "s#@PORT@#$1#g" -e "s#@SINK@#$2#g" "$here/postfix/main.cf.in" >"$d/main.cf"
  if [[ "$name" == postfix-vbounce ]]; then
    # The same instance without the null-sender and header_checks recipe: SpamAssassin's
    # VBounce rules judge the content through spamass-milter instead.
    sed -i -e '/^smtpd_sender_restrictions/d' -e '/^header_checks/d' "$d/main.cf"
    printf '%s\n' "smtpd_milters = unix:$work/spamassassin/milter.sock" "milter_protocol = 6" \
      "milter_default_action = tempfail" >>"$d/main.cf"
  fi
  sed -e "s#@PORT@#$1#g" "$here/postfix/master.cf.in" >"$d/master.cf"
  cp "$here/postfix/header_checks" "$here/postfix/null_sender" "$d/"
  tr ',' '\n' <<<"$recipients" | sed 's/$/ ok/' >"$d/relay_recipients"
  echo "example.org smtp:[127.0.0.1]:$2" >"$d/transport"
  postfix_dir="$d"
  postfix -c "$d" start >"$work/postfix.out" 2>&1 || true
  for ((i = 0; i < 100; i++)); do
    [[ -s "$work/postfix-queue/pid/master.pid" ]] && break
    sleep 0.1
  done
  server_pid="$(tr -d ' ' <"$work/postfix-queue/pid/master.pid" 2>/dev/null || true)"
  if [[ -z "$server_pid" ]] || ! wait_port "$1"; then
    { echo "Postfix did not start:"; tail -5 "$work/postfix.log" 2>/dev/null; } >"$work/$name.why"
    return 1
  fi
}

# Postfix + SpamAssassin's VBounce rules (bench/compare/spamassassin/local.cf) through
# spamass-milter, with a spamd of its own on a Unix socket. Their CPU counts with Postfix's
# (aux_pids), as they are not children of Postfix's master.
start_postfix-vbounce() {
  local sa="$work/spamassassin" i
  if ! command -v spamd >/dev/null || ! command -v spamc >/dev/null ||
     ! command -v spamass-milter >/dev/null; then
    echo "SpamAssassin (Debian packages spamassassin, spamc, spamass-milter) is not installed" >"$work/postfix-vbounce.why"
    return 1
  fi
  rm -rf "$sa"
  mkdir -p "$sa/conf"
  chmod 755 "$sa" "$sa/conf"
  cp /etc/spamassassin/*.pre "$here/spamassassin/local.cf" "$sa/conf/"
  # Four children for two CPUs: SpamAssassin is CPU-bound; more would only queue inside.
  spamd --siteconfigpath="$sa/conf" --socketpath="$sa/spamd.sock" --socketmode=0666 \
    --max-children=4 --min-children=4 -x -u nobody --syslog="$sa/spamd.log" \
    >"$sa/spamd.out" 2>&1 &
  aux_pids+=($!)
  for ((i = 0; i < 600; i++)); do [[ -S "$sa/spamd.sock" ]] && break; sleep 0.1; done
  if [[ ! -S "$sa/spamd.sock" ]]; then
    { echo "spamd did not start:"; tail -3 "$sa/spamd.out" "$sa/spamd.log" 2>/dev/null; } >"$work/postfix-vbounce.why"
    return 1
  fi
  # -r 5: refuse at end of DATA what scores 5 or more (a VBounce hit scores 10, local.cf);
  # -m: change nothing in messages it passes. No -i: the drill's clients are on 127.0.0.0/8.
  (umask 000 && exec spamass-milter -p "$sa/milter.sock" -r 5 -m -- -U "$sa/spamd.sock") \
    >"$sa/milter.out" 2>&1 &
  aux_pids+=($!)
  for ((i = 0; i < 100; i++)); do [[ -S "$sa/milter.sock" ]] && break; sleep 0.1; done
  if [[ ! -S "$sa/milter.sock" ]]; then
    { echo "spamass-milter did not start:"; tail -3 "$sa/milter.out"; } >"$work/postfix-vbounce.why"
    return 1
  fi
  start_postfix "$1" "$2" postfix-vbounce
}

start_haraka() {
  local h="$work/haraka" bin="$here/node_modules/Haraka/bin/haraka"
  if [[ ! -e "$bin" ]] || ! command -v node >/dev/null; then
    echo "Haraka is not installed (npm install in bench/compare failed or npm/node missing)" >"$work/haraka.why"
    return 1
  fi
  # Haraka 3.3 declares "engines": {"node": ">=20"}; Debian 12's own nodejs package is 18.
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if ((node_major < 20)); then
    echo "Haraka 3.3.4 needs Node.js 20 or later; this machine has $(node --version) (Debian 12's nodejs is 18: install Node.js 20, e.g. from NodeSource, to include Haraka)" >"$work/haraka.why"
    return 1
  fi
  rm -rf "$h"   # a fresh instance
  mkdir -p "$h/config"
  cp -r "$here/node_modules/Haraka/config/." "$h/config/"   # Haraka's defaults, then ours
  cp -r "$here/haraka/config/." "$h/config/"
  cp -r "$here/haraka/plugins" "$h/"
  ln -s "$here/node_modules" "$h/node_modules"
  sed -e "s/@PORT@/$1/" "$h/config/smtp.ini.in" >"$h/config/smtp.ini"
  sed -e "s/@SINK@/$2/" "$h/config/smtp_forward.ini.in" >"$h/config/smtp_forward.ini"
  sed -e "s#@SECRET@#$(head -c 32 /dev/urandom | base64)#" "$h/config/bounce.ini.in" >"$h/config/bounce.ini"
  rm -f "$h/config/"*.in
  node "$bin" -c "$h" >"$work/haraka.out" 2>&1 &
  server_pid=$!
  wait_port "$1" 400 || { { echo "Haraka did not start:"; tail -5 "$work/haraka.out"; } >"$work/haraka.why"; return 1; }
}

stop_aux() {
  local p
  for p in "${aux_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${aux_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  aux_pids=()
}

stop_server() {
  stop_aux
  if [[ -n "$postfix_dir" ]]; then
    postfix -c "$postfix_dir" stop >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    postfix_dir=""
    server_pid=""
    return 0
  fi
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

declare -A label_of=(
  [backstop]="backstop shield"
  [backstop-storm]="backstop, default storm mode"
  [postfix]="Postfix 'classic recipe'"
  [postfix-vbounce]="Postfix + SpamAssassin VBounce"
  [haraka]="Haraka + bounce plugin"
  [smtp-sink]="smtp-sink (floor)"
)

versions() {
  echo "backstop: $("$backstop" --version 2>/dev/null | head -1) ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet HEAD -- 2>/dev/null || echo ' + uncommitted changes')), binary of $(date -u -r "$backstop" '+%Y-%m-%d %H:%M UTC')"
  echo "Postfix and smtp-sink: $(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo '?') (Debian package)"
  if [[ -e "$here/node_modules/Haraka/package.json" ]]; then
    echo "Haraka: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$here/node_modules/Haraka/package.json")," \
      "haraka-plugin-bounce: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$here/node_modules/haraka-plugin-bounce/package.json" 2>/dev/null || echo '?')," \
      "node $(node --version 2>/dev/null || echo '?')"
  fi
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)"
  versions
} | tee "$work/header.txt"
echo "load: backstop drill, ${duration} s per system, concurrency $concurrency, 1 client thread, seed $seed, default mix"
echo "------------------------------------------------------------------------------------------"

: >"$work/results.tsv"
: >"$work/runs.txt"
# run_one SYS OUT TAG LOAD_ARGS...: starts SYS, runs the drill with LOAD_ARGS against it, stops
# it, and appends a line to OUT (results.tsv layout below; TAG names the JSON file).
run_one() {
  local sys="$1" out="$2" tag="$3" port sink why c0 c1
  shift 3
  port="$(free_port)"
  sink="$(free_port)"
  echo "== $sys (${label_of[$sys]:-$sys}) on 127.0.0.1:$port" | tee -a "$work/runs.txt"
  if ! "start_$sys" "$port" "$sink"; then
    why="$(tr '\n' ' ' <"$work/$sys.why" 2>/dev/null)"
    echo "   NOT RUN: $why" | tee -a "$work/runs.txt"
    printf '%s\tNOT RUN\t%s\n' "$sys" "$why" >>"$out"
    stop_server
    return 0
  fi
  sleep 1
  sink_args=(--sink "$sink")
  [[ "$sys" == smtp-sink ]] && sink_args=()
  cmd=("$backstop" drill --target "127.0.0.1:$port" --domain example.org --duration "${duration}s"
       "$@" --recipients "$recipients" --batv-key-file "$work/batv.keys"
       --relay "$relay_name=$relay_ip" "${sink_args[@]}" --seed "$seed" --json)
  echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/runs.txt"
  c0="$(server_ticks)"
  timeout $((duration + 90)) "${cmd[@]}" >"$work/$sys.$tag.json" 2>"$work/$sys.$tag.err" || true
  c1="$(server_ticks)"
  {
    echo "   command: backstop drill ${cmd[*]:2}" | sed "s#$work#\$TMP#g"
    echo "   ss -s after: $(ss -s | sed -n 's/^TCP: *//p' | head -1)"
    echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$work/runs.txt"
  stop_server
  python3 - "$work/$sys.$tag.json" "$sys" "$c0" "$c1" "$hz" >>"$out" <<'EOF'
import json, sys
path, name, c0, c1, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
try:
    d = json.load(open(path))
except Exception:
    print(f"{name}\tNOT RUN\tthe drill produced no report (no session got a reply)")
    sys.exit(0)
down = d.get('downstream') or {}
def pick(key):
    v = down.get(key)
    if v is None:
        v = d.get(key)
    return -1 if v is None else v
cpu = (c1 - c0) / hz
n = d.get('sessions', 0)
errors = sum(c.get('errors', 0) for c in d.get('classes', {}).values())
print('\t'.join(str(x) for x in [
    name, 'ok', pick('backscatter_blocked_pct'), pick('legit_delivered_pct'),
    pick('legit_bounces_delivered_pct'), d.get('probes_ok_pct') if d.get('probes_ok_pct') is not None else -1,
    d.get('sessions_per_s', 0), n, f"{cpu:.2f}",
    f"{cpu * 1000 / n:.3f}" if n else 0, f"{n / cpu:.0f}" if cpu > 0 else 0,
    (d.get('legit_latency_ms') or {}).get('p99', -1), errors,
    'sink' if down else 'answers', d.get('skipped', 0)]))
EOF
  tail -1 "$out" | awk -F'\t' '$2 == "ok" {
    printf "   blocked %s%%, legit %s%%, legit bounces %s%%, probes %s%%, %s sessions/s, %s sessions, %s CPU-s\n",
      $3, $4, $5, $6, $7, $8, $9 }' | tee -a "$work/runs.txt"
}

for sys in $systems; do
  run_one "$sys" "$work/results.tsv" sat --concurrency "$concurrency"
done

# The fixed-rate storm: half of backstop's saturation rate (from the run above), open loop, for
# the legitimate mail's latency under a storm every system is offered at the same rate.
: >"$work/rate.tsv"
rate="$(awk -F'\t' '$1 == "backstop" && $2 == "ok" { printf "%d", $7 / 2 }' "$work/results.tsv")"
if [[ "${RATE_PHASE:-1}" == 1 && -n "$rate" && "$rate" -gt 0 ]]; then
  echo "------------------------------------------------------------------------------------------"
  echo "fixed rate: $rate sessions/s (half of backstop's saturation), ${duration} s per system" | tee -a "$work/runs.txt"
  for sys in $systems; do
    run_one "$sys" "$work/rate.tsv" rate --rate "$rate"
  done
fi

# --- the table ---------------------------------------------------------------------------------
python3 - "$work/results.tsv" >"$work/table.md" <<'EOF'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
labels = {'backstop': 'backstop shield', 'backstop-storm': 'backstop, default storm mode',
          'postfix': "Postfix 'classic recipe'", 'haraka': 'Haraka + bounce plugin',
          'postfix-vbounce': 'Postfix + SpamAssassin VBounce',
          'smtp-sink': 'smtp-sink (floor)'}
ref = next((float(r[10]) for r in rows if r[0] == 'backstop' and r[1] == 'ok'), None)
pct = lambda v: 'n/a' if float(v) < 0 else f"{float(v):.2f}"
print('| system | backscatter blocked % | legit delivered % | legit bounces delivered % | probes answered % | sessions/s | server CPU-s per 1,000 sessions | sessions per server CPU-s | backstop ÷ system (sessions per CPU-s) | legit p99 ms | errors | delivered counted at |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
for r in rows:
    name = labels.get(r[0], r[0])
    if r[1] != 'ok':
        print(f"| {name} | not run: {r[2] if len(r) > 2 else ''} |||||||||||")
        continue
    per = float(r[10])
    ratio = f"{ref / per:.2f}" if ref and per > 0 else 'n/a'
    print(f"| {name} | {pct(r[2])} | {pct(r[3])} | {pct(r[4])} | {pct(r[5])} | {float(r[6]):.0f} | "
          f"{float(r[9]):.2f} | {per:.0f} | {ratio} | {float(r[11]):.1f} | {r[12]} | {'the sink' if r[13] == 'sink' else 'answers (no relay)'} |")
EOF
if [[ -s "$work/rate.tsv" ]]; then
  python3 - "$work/rate.tsv" "$rate" >"$work/rate.md" <<'EOF'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
labels = {'backstop': 'backstop shield', 'backstop-storm': 'backstop, default storm mode',
          'postfix': "Postfix 'classic recipe'", 'haraka': 'Haraka + bounce plugin',
          'postfix-vbounce': 'Postfix + SpamAssassin VBounce',
          'smtp-sink': 'smtp-sink (floor)'}
pct = lambda v: 'n/a' if float(v) < 0 else f"{float(v):.2f}"
print(f'| system (offered {sys.argv[2]} sessions/s) | sessions/s done | not started (over 2,000 in flight) | errors | legit delivered % | legit p99 ms | backscatter blocked % | server CPU-s per 1,000 sessions |')
print('|---|---:|---:|---:|---:|---:|---:|---:|')
for r in rows:
    name = labels.get(r[0], r[0])
    if r[1] != 'ok':
        print(f"| {name} | not run: {r[2] if len(r) > 2 else ''} |||||||")
        continue
    print(f"| {name} | {float(r[6]):.0f} | {r[14]} | {r[12]} | {pct(r[3])} | {float(r[11]):.1f} | {pct(r[2])} | {float(r[9]):.2f} |")
EOF
fi
echo
cat "$work/table.md"
if [[ -s "$work/rate.md" ]]; then echo; cat "$work/rate.md"; fi
cp "$work/results.tsv" "$here/results.tsv"

# --- the plot ----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
  awk -F'\t' '$2 == "ok" {
    split("backstop|backstop, storm|Postfix recipe|Haraka+bounce|smtp-sink|Postfix+VBounce", l, "|")
    n = ($1 == "backstop") ? 1 : ($1 == "backstop-storm") ? 2 : ($1 == "postfix") ? 3 : ($1 == "haraka") ? 4 : ($1 == "postfix-vbounce") ? 6 : 5
    printf "\"%s\"\t%s\t%s\t%s\t%s\t%s\t%s\n", l[n], $7, $11, ($3 < 0 ? 0 : $3), ($4 < 0 ? 0 : $4), ($5 < 0 ? 0 : $5), ($6 < 0 ? 0 : $6)
  }' "$work/results.tsv" >"$work/plot.dat"
  gnuplot <<EOF || echo "run.sh: gnuplot failed" >&2
set terminal pngcairo size 1100,800 font ",10" noenhanced
set output "$here/compare.png"
set multiplot layout 2,1 title "backstop drill, ${duration} s at concurrency $concurrency per system ($(date -u '+%Y-%m-%d'), $(nproc) CPUs)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key outside right top
set ylabel "sessions/s, sessions per CPU-s"
set yrange [0:*]
plot "$work/plot.dat" using 2:xtic(1) title "sessions/s (wall clock)", '' using 3 title "sessions per server CPU-second"
set ylabel "% of sessions started"
set yrange [0:105]
plot "$work/plot.dat" using 4:xtic(1) title "backscatter blocked", '' using 5 title "legit delivered", \
     '' using 6 title "legit bounces delivered", '' using 7 title "SAV probes answered"
unset multiplot
EOF
fi

# --- the docs section --------------------------------------------------------------------------
if [[ "${NO_DOCS:-0}" != 1 ]]; then
  doc="$top/docs/benchmarks.md"
  section="$work/section.md"
  {
    echo "## Side by side"
    echo
    echo "Written by \`make compare\` (bench/compare/run.sh); the figures are of the last run."
    echo "The same \`backstop drill\` workload (default mix: backscatter 90, SAV probes 3, spam to"
    echo "unknown users 4, legitimate mail 2, legitimate bounces 1 in 100 sessions; the shared"
    echo "corpus) against each system in turn on loopback, ${duration} s at concurrency"
    echo "$concurrency. Delivery percentages are of what arrived at the drill's sink for the systems"
    echo "that relay, and of the answers for smtp-sink (which relays nothing and blocks nothing)."
    echo "Server CPU is utime + stime (with reaped children) of the server's whole process tree from"
    echo "/proc; for Postfix it includes delivering its queue to the sink after the run, and with"
    echo "SpamAssassin the spamd and spamass-milter process trees."
    echo "Configurations: bench/compare/ (postfix/, spamassassin/, haraka/, and run.sh for backstop's)."
    echo
    echo '```'
    cat "$work/header.txt"
    echo '```'
    echo
    cat "$work/table.md"
    echo
    echo '![sessions/s and delivery rates per system](../bench/compare/compare.png)'
    if [[ -s "$work/rate.md" ]]; then
      echo
      echo "Under a storm at a fixed rate: half of backstop's saturation rate above, offered to every"
      echo "system for ${duration} s (\`--rate\`, open loop, at most 2,000 sessions in flight; sessions"
      echo "that could not start are counted, not sent). The latency is of legitimate mail, from the"
      echo "connect to the reply at the end of DATA."
      echo
      cat "$work/rate.md"
    fi
    echo
    echo "Per run (command, \`ss -s\` and load average):"
    echo
    echo '```'
    cat "$work/runs.txt"
    echo '```'
    [[ -s "$here/NOTES.md" ]] && { echo; cat "$here/NOTES.md"; }
  } >"$section"
  # Replace only this section (from its heading to the next "## " heading), keeping the
  # sections other benchmarks wrote after it.
  python3 - "$doc" "$section" <<'PY'
import sys
doc, section = sys.argv[1], sys.argv[2]
lines = open(doc).read().split("\n")
new = open(section).read().rstrip("\n").split("\n")
start = next((i for i, l in enumerate(lines) if l == "## Side by side"), None)
if start is None:
    out = lines + [""] + new
else:
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    out = lines[:start] + new + [""] + lines[end:]
open(doc, "w").write("\n".join(out).rstrip("\n") + "\n")
PY
  echo "run.sh: wrote the \"Side by side\" section of docs/benchmarks.md"
fi
