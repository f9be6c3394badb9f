#!/usr/bin/env python3
# Integration test of `backstop classify` as a user runs it: --json on a file, a directory, an
# mbox, a Maildir (tmp/ skipped) and standard input; the JSON keys; exit codes; --summary.
# Usage: classify_cli_test.py BACKSTOP_BINARY FIXTURES_DIR   (last line: "N passed, M failed")
import json
import os
import shutil
import subprocess
import sys
import tempfile

CLASSES = {"none", "bounce", "autoreply", "challenge-response", "virus-notice",
           "feedback-report"}
BOUNCE_KEYS = ["kind", "action", "status", "diagnostic", "reporting_mta", "recipients", "reason"]
ORIGINAL_KEYS = ["found", "message_id", "from", "to", "subject", "date", "received",
                 "origin_ip", "urls", "headers_only"]
HOP_KEYS = ["from_host", "from_ip", "by_host"]

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def run(binary, args, stdin=None):
    p = subprocess.run([binary] + args, input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def json_lines(name, out):
    objs = []
    for line in out.splitlines():
        try:
            objs.append(json.loads(line))
        except json.JSONDecodeError as e:
            check(f"{name}: line is JSON", False, f"{e}: {line[:120]!r}")
    return objs


def check_keys(name, obj):
    """The keys docs/classify.md promises, by class."""
    missing = [k for k in ("file", "class", "evidence") if k not in obj]
    cls = obj.get("class")
    if cls not in CLASSES:
        missing.append(f"class value {cls!r}")
    if cls == "bounce":
        missing += [k for k in BOUNCE_KEYS if k not in obj]
        if not isinstance(obj.get("recipients"), list):
            missing.append("recipients as list")
    if cls != "none":
        orig = obj.get("original")
        if not isinstance(orig, dict):
            missing.append("original")
        else:
            missing += [f"original.{k}" for k in ORIGINAL_KEYS if k not in orig]
            for i, hop in enumerate(orig.get("received", [])):
                missing += [f"original.received[{i}].{k}" for k in HOP_KEYS if k not in hop]
            if not isinstance(orig.get("urls"), list):
                missing.append("original.urls as list")
    if not isinstance(obj.get("evidence"), list):
        missing.append("evidence as list")
    check(f"{name}: keys of {obj.get('file')}", not missing, ", ".join(missing))


def fixture_files(fixtures):
    out = []
    for root, _, files in os.walk(fixtures):
        for f in files:
            if f.endswith(".eml"):
                out.append(os.path.join(root, f))
    return sorted(out)


def test_single_file(binary, fixtures):
    path = os.path.join(fixtures, "bounce", "postfix_dsn_user_unknown.eml")
    rc, out, err = run(binary, ["classify", "--json", path])
    check("file: exit 0", rc == 0, f"rc={rc} {err.strip()}")
    objs = json_lines("file", out)
    check("file: one object", len(objs) == 1, f"got {len(objs)}")
    if not objs:
        return
    o = objs[0]
    check_keys("file", o)
    check("file: name", o.get("file") == path, o.get("file"))
    check("file: bounce", o.get("class") == "bounce", o.get("class"))
    check("file: dsn", o.get("kind") == "dsn", o.get("kind"))
    check("file: status", o.get("status") == "5.1.1", o.get("status"))
    check("file: recipients", o.get("recipients") == ["kpatel@example.net"], o.get("recipients"))
    orig = o.get("original", {})
    check("file: message id", orig.get("message_id") ==
          "a81f93c2e4b7.20240312081358@ws-pc17.lan.example.org", orig.get("message_id"))
    check("file: origin ip", orig.get("origin_ip") == "62.141.37.200", orig.get("origin_ip"))
    check("file: received hops", len(orig.get("received", [])) == 2, orig.get("received"))
    check("file: urls", "spam-shop.example.net" in orig.get("urls", []), orig.get("urls"))
    check("file: evidence", "rfc3464-delivery-status" in o.get("evidence", []), o.get("evidence"))

    rc, out, _ = run(binary, ["classify", os.path.join(fixtures, "none", "personal_ham.eml")])
    fields = out.rstrip("\n").split("\t")
    check("text: tab-separated line", rc == 0 and len(fields) >= 2 and fields[1] == "none", out)
    rc, out, _ = run(binary, ["classify", path])
    fields = out.rstrip("\n").split("\t")
    check("text: bounce detail", len(fields) == 3 and fields[2].startswith("dsn 5.1.1 "), out)


def test_directory(binary, fixtures):
    rc, out, err = run(binary, ["classify", "--json", fixtures])
    check("dir: exit 0", rc == 0, f"rc={rc} {err.strip()}")
    objs = json_lines("dir", out)
    files = fixture_files(fixtures)
    names = [o.get("file") for o in objs]
    # Every .eml once and the mbox as two messages. (README.md is read too: the CLI does not
    # guess which files are mail, so its class is whatever its text looks like.)
    for f in files:
        check(f"dir: reports {os.path.relpath(f, fixtures)}", f in names)
    mbox = os.path.join(fixtures, "mbox", "two.mbox")
    check("dir: mbox split", f"{mbox}#1" in names and f"{mbox}#2" in names, names[-5:])
    check("dir: sorted by name", names == sorted(names), "")
    for o in objs:
        check_keys("dir", o)
    seen = {o.get("file"): o.get("class") for o in objs}
    check("dir: one object per message", len(names) == len(set(names)) == len(files) + 2 +
          sum(1 for n in names if not n.endswith((".eml", ".mbox#1", ".mbox#2"))), len(names))
    # The same answers as one file at a time.
    for f in files[:6]:
        _, one, _ = run(binary, ["classify", "--json", f])
        single = json_lines("dir single", one)
        check(f"dir: same as single for {os.path.basename(f)}",
              single and single[0].get("class") == seen.get(f))
    classes = {c for c in seen.values()}
    check("dir: several classes found", len(classes) >= 5, sorted(classes))


def test_mbox(binary, fixtures):
    mbox = os.path.join(fixtures, "mbox", "two.mbox")
    rc, out, err = run(binary, ["classify", "--json", mbox])
    check("mbox: exit 0", rc == 0, f"rc={rc} {err.strip()}")
    objs = json_lines("mbox", out)
    check("mbox: two messages", [o.get("file") for o in objs] == [f"{mbox}#1", f"{mbox}#2"],
          [o.get("file") for o in objs])
    if len(objs) == 2:
        check("mbox: #1 bounce", objs[0].get("class") == "bounce", objs[0].get("class"))
        check("mbox: #1 recipient", objs[0].get("recipients") == ["o.nilsen@example.org"],
              objs[0].get("recipients"))
        check("mbox: #2 none", objs[1].get("class") == "none", objs[1].get("class"))
        for o in objs:
            check_keys("mbox", o)
    # --mbox reads any name as an mbox; standard input too.
    with open(mbox, "rb") as f:
        data = f.read()
    rc, out, _ = run(binary, ["classify", "--json", "--mbox", "-"], stdin=data)
    names = [o.get("file") for o in json_lines("mbox stdin", out)]
    check("mbox: --mbox on stdin", rc == 0 and names == ["-#1", "-#2"], names)
    rc, out, _ = run(binary, ["classify", "--json", "--limit", "1", mbox])
    check("mbox: --limit 1", rc == 0 and len(json_lines("limit", out)) == 1, out)


def test_maildir(binary, fixtures):
    tmp = tempfile.mkdtemp(prefix="backstop-maildir-")
    try:
        md = os.path.join(tmp, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub))
        shutil.copy(os.path.join(fixtures, "bounce", "qmail_legacy.eml"),
                    os.path.join(md, "cur", "1712000000.M1P1.host:2,S"))
        shutil.copy(os.path.join(fixtures, "autoreply", "rfc3834_auto_replied.eml"),
                    os.path.join(md, "new", "1712000001.M2P1.host"))
        shutil.copy(os.path.join(fixtures, "bounce", "exim_failed.eml"),
                    os.path.join(md, "tmp", "1712000002.M3P1.host"))
        rc, out, err = run(binary, ["classify", "--json", md])
        check("maildir: exit 0", rc == 0, f"rc={rc} {err.strip()}")
        objs = json_lines("maildir", out)
        rel = sorted(os.path.relpath(o.get("file", ""), md) for o in objs)
        check("maildir: cur and new read, tmp skipped",
              rel == ["cur/1712000000.M1P1.host:2,S", "new/1712000001.M2P1.host"], rel)
        classes = sorted(o.get("class") for o in objs)
        check("maildir: classes", classes == ["autoreply", "bounce"], classes)
        for o in objs:
            check_keys("maildir", o)
        # A folder named tmp outside a Maildir is an ordinary folder.
        plain = os.path.join(tmp, "plain", "tmp")
        os.makedirs(plain)
        shutil.copy(os.path.join(fixtures, "none", "personal_ham.eml"), plain)
        rc, out, _ = run(binary, ["classify", "--json", os.path.join(tmp, "plain")])
        check("maildir: tmp outside a Maildir is read", len(json_lines("plain", out)) == 1, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_stdin(binary, fixtures):
    with open(os.path.join(fixtures, "virus-notice", "scanner_notice.eml"), "rb") as f:
        data = f.read()
    rc, out, err = run(binary, ["classify", "--json", "-"], stdin=data)
    check("stdin: exit 0", rc == 0, f"rc={rc} {err.strip()}")
    objs = json_lines("stdin", out)
    check("stdin: one object named -", len(objs) == 1 and objs[0].get("file") == "-",
          [o.get("file") for o in objs])
    if objs:
        check("stdin: class", objs[0].get("class") == "virus-notice", objs[0].get("class"))
        check_keys("stdin", objs[0])
    rc, out, _ = run(binary, ["classify", "--json", "-"], stdin=b"")
    objs = json_lines("stdin empty", out)
    check("stdin: empty input is one message of class none",
          rc == 0 and len(objs) == 1 and objs[0].get("class") == "none", out)


def test_exit_codes(binary, fixtures):
    missing = os.path.join(fixtures, "no-such-file.eml")
    ham = os.path.join(fixtures, "none", "personal_ham.eml")
    rc, out, err = run(binary, ["classify", "--json", missing])
    check("exit: missing path is 1", rc == 1, f"rc={rc}")
    check("exit: missing path is named on stderr", "no-such-file.eml" in err, err)
    rc, out, _ = run(binary, ["classify", "--json", missing, ham])
    check("exit: others still classified", rc == 1 and len(json_lines("partial", out)) == 1,
          f"rc={rc} {out}")
    rc, _, _ = run(binary, ["classify"])
    check("exit: no arguments is 2", rc == 2, f"rc={rc}")
    rc, _, _ = run(binary, [])
    check("exit: no subcommand is 2", rc == 2, f"rc={rc}")
    rc, _, _ = run(binary, ["classify", "--no-such-flag", ham])
    check("exit: unknown flag is 2", rc == 2, f"rc={rc}")
    rc, out, _ = run(binary, ["classify", "--help"])
    check("exit: --help is 0", rc == 0 and "--json" in out, f"rc={rc}")


def test_summary(binary, fixtures):
    rc, out, err = run(binary, ["classify", "--summary", fixtures])
    check("summary: exit 0", rc == 0, f"rc={rc} {err.strip()}")
    lines = out.splitlines()
    check("summary: header", bool(lines) and lines[0].split()[:2] == ["class", "messages"],
          lines[:1])
    total = [l for l in lines if l.split()[:1] == ["total"]]
    _, js, _ = run(binary, ["classify", "--json", fixtures])
    n = len(json_lines("summary json", js))
    check("summary: total", len(total) == 1 and total[0].split()[1] == str(n), f"{total} vs {n}")
    counts = {}
    for l in lines[1:]:
        if not l.strip():
            break  # the per-reason table follows
        parts = l.split()
        if len(parts) == 3 and parts[0] in CLASSES:
            counts[parts[0]] = int(parts[1])
    check("summary: counts add up", sum(counts.values()) == n, counts)
    check("summary: bounce reasons listed", any(l.startswith("bounce reason") for l in lines),
          out)
    check("summary: no per-message lines", not any("\t" in l for l in lines), out[:200])


def main():
    if len(sys.argv) != 3:
        print("usage: classify_cli_test.py BACKSTOP_BINARY FIXTURES_DIR", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    binary, fixtures = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not os.access(binary, os.X_OK) or not os.path.isdir(fixtures):
        print(f"not runnable: {binary} / {fixtures}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    for test in (test_single_file, test_directory, test_mbox, test_maildir, test_stdin,
                 test_exit_codes, test_summary):
        try:
            test(binary, fixtures)
        except Exception as e:  # a crash of the harness is a failure, not a pass
            check(f"{test.__name__} raised", False, repr(e))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
