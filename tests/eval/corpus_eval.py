#!/usr/bin/env python3
"""Corpus evaluation of `backstop classify` against ../shared/corpus/labels.tsv.

Prints per-class precision and recall, the "not none" recall over the bounce-like classes,
the share of ham misclassified, and for labelled bounces the share whose recipients and
original Message-ID match the labels. With --check it exits 1 when a target of issue 2 is
missed (recall >= 99.5%, ham <= 0.1%, recipients >= 98%, Message-ID >= 95%).

usage: corpus_eval.py BACKSTOP_BINARY CORPUS_DIR [--check] [--misses CLASS] [--json-out FILE]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import time

BOUNCE_LIKE = ("bounce", "autoreply", "challenge-response", "virus-notice")
CLASSES = ("bounce", "autoreply", "challenge-response", "virus-notice", "feedback-report")
# What each label should come out as. Fragments are bounce bodies without headers.
EXPECTED = {"ham": "none", "spam": "none", "bounce-body-fragment": "bounce"}


def load_labels(corpus):
    labels = {}
    disagreements = set()
    with open(os.path.join(corpus, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            labels[row["path"]] = row
    return labels, disagreements


def load_disagreements(path):
    """Paths listed in docs/corpus-disagreements.md (first backticked token of a table row)."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| `"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                out[cells[0].strip("`")] = cells[1] if len(cells) > 1 else ""
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("corpus")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--misses", default="")
    ap.add_argument("--disagreements", default="")
    args = ap.parse_args()

    labels, _ = load_labels(args.corpus)
    disagree = load_disagreements(args.disagreements) if args.disagreements else {}
    paths = [os.path.join(args.corpus, p) for p in labels]
    t0 = time.time()
    out = subprocess.run([args.binary, "classify", "--json", *paths], capture_output=True,
                         text=True, errors="replace")
    elapsed = time.time() - t0
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        print("classify failed", file=sys.stderr)
        return 2
    got = {}
    prefix = os.path.join(args.corpus, "")
    for line in out.stdout.splitlines():
        j = json.loads(line)
        f = j["file"]
        if f.startswith(prefix):
            f = f[len(prefix):]
        got[f.split("#")[0]] = j

    tp = collections.Counter()
    fp = collections.Counter()
    fn = collections.Counter()
    confusion = collections.Counter()
    misses = []
    for path, row in labels.items():
        label = row["class"]
        if path in disagree:
            label = disagree[path] or label
        want = EXPECTED.get(label, label)
        pred = got.get(path, {}).get("class", "missing")
        confusion[(label, pred)] += 1
        if pred == want:
            tp[want] += 1
        else:
            fp[pred] += 1
            fn[want] += 1
            if args.misses in ("all", label):
                misses.append((path, label, pred))

    print(f"classified {len(got)} messages in {elapsed:.2f} s")
    print(f"{'class':20} {'labelled':>8} {'precision':>10} {'recall':>8}")
    for cls in CLASSES + ("none",):
        n = tp[cls] + fn[cls]
        p = tp[cls] / (tp[cls] + fp[cls]) if tp[cls] + fp[cls] else float("nan")
        r = tp[cls] / n if n else float("nan")
        print(f"{cls:20} {n:8d} {p*100:9.2f}% {r*100:7.2f}%")

    def count(labels_set, pred_ok):
        total = hit = 0
        for path, row in labels.items():
            lab = disagree.get(path) or row["class"]
            if lab in labels_set:
                total += 1
                if pred_ok(got.get(path, {}).get("class", "missing")):
                    hit += 1
        return hit, total

    hit, total = count(set(BOUNCE_LIKE), lambda c: c not in ("none", "missing"))
    recall = hit / total if total else 0
    ham_bad, ham_total = count({"ham"}, lambda c: c != "none")
    ham_rate = ham_bad / ham_total if ham_total else 0
    spam_bad, spam_total = count({"spam"}, lambda c: c != "none")
    frag_hit, frag_total = count({"bounce-body-fragment"}, lambda c: c == "bounce")

    rc_total = rc_hit = mid_total = mid_hit = 0
    rc_miss, mid_miss = [], []
    for path, row in labels.items():
        if row["class"] != "bounce" or path in disagree:
            continue
        j = got.get(path, {})
        if row["recipients"]:
            rc_total += 1
            mine = {r.lower() for r in j.get("recipients", [])}
            want = {r.strip().lower() for r in row["recipients"].split(",") if r.strip()}
            if want <= mine:
                rc_hit += 1
            else:
                rc_miss.append((path, sorted(want), sorted(mine)))
        if row["orig_message_id"]:
            mid_total += 1
            mine = j.get("original", {}).get("message_id", "")
            if mine.strip("<>") == row["orig_message_id"].strip("<>"):
                mid_hit += 1
            else:
                mid_miss.append((path, row["orig_message_id"], mine))

    print()
    print(f"not-none recall over {'+'.join(BOUNCE_LIKE)}: {hit}/{total} = {recall*100:.2f}%  (target >= 99.5%)")
    print(f"ham classified as anything but none:        {ham_bad}/{ham_total} = {ham_rate*100:.3f}%  (target <= 0.1%)")
    print(f"spam classified as anything but none:       {spam_bad}/{spam_total} (fake bounces may count)")
    print(f"bounce-body fragments classified bounce:    {frag_hit}/{frag_total}")
    rc = rc_hit / rc_total if rc_total else 0
    mid = mid_hit / mid_total if mid_total else 0
    print(f"bounces with the labelled recipients:       {rc_hit}/{rc_total} = {rc*100:.2f}%  (target >= 98%)")
    print(f"bounces with the labelled Message-ID:       {mid_hit}/{mid_total} = {mid*100:.2f}%  (target >= 95%)")
    if disagree:
        print(f"labels overridden by docs/corpus-disagreements.md: {len(disagree)}")
    if len(got):
        print(f"throughput (whole process, one core): {len(got)/elapsed:.0f} messages/s")

    if args.misses:
        print("\nmisses (path, label, predicted):")
        for m in misses:
            print("  ", *m)
        if args.misses in ("all", "recipients"):
            for m in rc_miss:
                print("  recipients", *m)
        if args.misses in ("all", "message-id"):
            for m in mid_miss:
                print("  message-id", *m)

    if args.check:
        failed = []
        if recall < 0.995:
            failed.append("recall")
        if ham_rate > 0.001:
            failed.append("ham")
        if rc < 0.98:
            failed.append("recipients")
        if mid < 0.95:
            failed.append("message-id")
        if failed:
            print("targets missed: " + ", ".join(failed))
            return 1
        print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
