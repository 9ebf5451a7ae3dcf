#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Compare two benchmark reports of scripts/bench.sh (report.json).

Usage: bench-compare.py BASELINE.json NEW.json [--threshold PCT]
                        [--absolute] [--plot OUT.png]

Prints every figure of both reports side by side with its change, and
flags (WORSE) each one that got worse by more than PCT percent (default 2)
of the baseline's value, in the direction the report gives it ("better":
"higher" or "lower"). By default only ratios (kind "ratio": swap against no
swap, pause check against none, ...) are judged: both sides of a ratio ran
on the same machine at the same time, absolute rates and times do not
compare across runs of a loaded or different machine. --absolute judges
rates, times and counts too.

Exit status: 0 nothing got worse, 1 at least one figure got worse
(the flagged figures are listed last, one per line, "WORSE <name>"),
2 bad usage or unreadable report. --plot writes both runs' judged figures
side by side (needs matplotlib: /usr/bin/python3 with python3-matplotlib).
"""
import argparse
import json
import math
import sys

JUDGED_DEFAULT = ("ratio",)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit2("cannot read report %s: %s" % (path, e))
    fig = r.get("figures") if isinstance(r, dict) else None
    if not isinstance(fig, dict):
        raise SystemExit2("%s is not a report of scripts/bench.sh (no 'figures' object)" % path)
    for name, f in fig.items():
        if not isinstance(f, dict) or not isinstance(f.get("value"), (int, float)) or \
                f.get("better") not in ("higher", "lower"):
            raise SystemExit2("%s: figure '%s' needs a numeric 'value' and 'better' "
                              "('higher' or 'lower')" % (path, name))
    return r


class SystemExit2(Exception):
    """bad input: exit status 2"""


def change_pct(base, new, better):
    """Signed change in percent of the baseline, positive when better;
    None when the baseline is 0 (no relative change)."""
    if base == 0:
        return None
    d = (new - base) / abs(base) * 100.0
    return d if better == "higher" else -d


def compare(base, new, threshold, absolute):
    """[(name, kind, base value, new value, change %, judged, worse)] over
    the figures of both reports (one side may be None)."""
    bf, nf = base["figures"], new["figures"]
    rows = []
    for name in sorted(set(bf) | set(nf)):
        b, n = bf.get(name), nf.get(name)
        ref = b or n
        kind = ref.get("kind", "")
        judged = absolute or kind in JUDGED_DEFAULT
        ch = None
        worse = False
        if b is not None and n is not None:
            ch = change_pct(b["value"], n["value"], b["better"])
            worse = judged and ch is not None and ch < -threshold
        rows.append((name, kind, b["value"] if b else None, n["value"] if n else None,
                     ch, judged, worse))
    return rows


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float) and not v.is_integer():
        return "%.4g" % v
    return "%d" % v


def print_rows(rows, base, new, threshold):
    bm, nm = base.get("meta", {}), new.get("meta", {})
    for tag, m in (("baseline", bm), ("new", nm)):
        print("%-8s DPDK %s, %s, %s cores, build %s, commit %s, %s" % (
            tag, m.get("dpdk", "?"), m.get("machine", "?"), m.get("cores", "?"),
            m.get("build", "?"), m.get("commit", "?"), m.get("date", "?")))
    w = max([len(r[0]) for r in rows] + [6])
    print("%-*s %-6s %12s %12s %9s  %s" % (w, "figure", "kind", "baseline", "new", "change",
                                          "(threshold %.2f %%)" % threshold))
    for name, kind, b, n, ch, judged, worse in rows:
        print("%-*s %-6s %12s %12s %9s  %s" % (
            w, name, kind, fmt(b), fmt(n), "-" if ch is None else "%+.2f%%" % ch,
            "WORSE" if worse else ("" if judged else "(not judged)")))


def plot(rows, base, new, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit2("--plot needs matplotlib (python3-matplotlib, /usr/bin/python3)")
    rows = [r for r in rows if r[5] and r[2] is not None and r[3] is not None]
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(rows) + 2), 4.5))
    x = list(range(len(rows)))
    # each figure relative to its baseline: baseline = 1
    rel = [(r[3] / r[2]) if r[2] else float("nan") for r in rows]
    ax.bar([i - 0.2 for i in x], [1.0] * len(rows), 0.4, label="baseline", color="tab:gray")
    ax.bar([i + 0.2 for i in x], rel, 0.4, label="new",
           color=["tab:red" if r[6] else "tab:blue" for r in rows])
    ax.set_xticks(x)
    ax.set_xticklabels([r[0] for r in rows], rotation=40, ha="right", fontsize=7)
    ax.set_ylabel("new / baseline (red: worse beyond the threshold)")
    finite = [v for v in rel if not math.isnan(v)]
    if finite:
        ax.set_ylim(min(finite + [1.0]) * 0.95, max(finite + [1.0]) * 1.05)
    ax.legend(fontsize=7)
    bm, nm = base.get("meta", {}), new.get("meta", {})
    ax.set_title("baseline %s (DPDK %s) against new %s (DPDK %s)" % (
        bm.get("commit", "?"), bm.get("dpdk", "?"), nm.get("commit", "?"), nm.get("dpdk", "?")),
        fontsize=8)
    fig.text(0.01, 0.005, "new: %s, %s cores, build %s" % (
        nm.get("machine", "?"), nm.get("cores", "?"), nm.get("build", "?")), fontsize=6.5)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv):
    ap = argparse.ArgumentParser(
        description="Compare two reports of scripts/bench.sh; exit 1 when a figure got worse.")
    ap.add_argument("baseline")
    ap.add_argument("new")
    ap.add_argument("--threshold", type=float, default=2.0,
                    help="percent of the baseline a figure may get worse by (default 2)")
    ap.add_argument("--absolute", action="store_true",
                    help="judge rates, times and counts too, not only ratios")
    ap.add_argument("--plot", metavar="OUT.png", help="plot both runs' judged figures")
    a = ap.parse_args(argv)
    if not (a.threshold >= 0 and math.isfinite(a.threshold)):
        print("bench-compare: --threshold must be a percentage >= 0, not %s" % a.threshold,
              file=sys.stderr)
        return 2
    try:
        base, new = load(a.baseline), load(a.new)
        rows = compare(base, new, a.threshold, a.absolute)
        print_rows(rows, base, new, a.threshold)
        if a.plot:
            plot(rows, base, new, a.plot)
    except SystemExit2 as e:
        print("bench-compare: %s" % e, file=sys.stderr)
        return 2
    worse = [r[0] for r in rows if r[6]]
    for name in worse:
        print("WORSE %s" % name)
    print("bench-compare: %d figure(s) worse than the baseline by more than %.2f %%" % (
        len(worse), a.threshold) if worse else
        "bench-compare: no judged figure worse than the baseline by more than %.2f %%"
        % a.threshold)
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
