#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Plot a dpdk-test-replace JSON report.

Usage: plot.py REPORT.json OUT.png

Top: throughput over time (received packets/s, all ports) with a marker
for every swap, coloured by strategy (failed swaps in black).
Bottom: histogram of pause times per strategy (log scale).
"""
import json
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"quiesce": "tab:blue", "hitless": "tab:green", "remap": "tab:orange",
          "restart": "tab:red", "default": "tab:gray"}


def save_safely(fig, path):
    """Write the PNG to a new file next to path (O_CREAT|O_EXCL: never
    through a link), mode 0644, renamed over path. A path that is a
    symbolic link (one planted in a shared directory) is refused."""
    if os.path.islink(path):
        raise SystemExit("plot.py: refusing to write '%s': it is a symbolic link "
                         "(one planted in a shared directory would redirect the "
                         "write); remove it or choose another path" % path)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".",
                               dir=os.path.dirname(path) or ".")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, dpi=100, format="png")
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plot.py REPORT.json OUT.png\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        rep = json.load(f)
    swaps = rep.get("swaps", [])
    thr = rep.get("throughput", [])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 8))

    if thr:
        t = [s["t_ms"] / 1000.0 for s in thr]
        ax1.plot(t, [s["rx_pps"] / 1e6 for s in thr], color="black", lw=1,
                 label="rx (all ports)")
        ax1.plot(t, [s["tx_pps"] / 1e6 for s in thr], color="gray", lw=0.8,
                 ls="--", label="tx (all ports)")
    ymax = ax1.get_ylim()[1] if thr else 1.0
    seen = set()
    for strat in COLORS:
        ts = [s["t_ms"] / 1000.0 for s in swaps if s["strategy"] == strat and s["ok"]]
        if ts:
            ax1.vlines(ts, 0, ymax * 0.06, color=COLORS[strat], lw=0.6,
                       label=f"swap: {strat} ({len(ts)})")
            seen.add(strat)
    bad = [s["t_ms"] / 1000.0 for s in swaps if not s["ok"]]
    if bad:
        ax1.plot(bad, [ymax * 0.08] * len(bad), "kx", ms=4,
                 label=f"failed swap ({len(bad)})")
    ax1.set_xlabel("time (s)")
    ax1.set_ylabel("Mpps")
    ax1.set_title("Throughput with domain swaps (%s)" % rep.get("dpdk", ""))
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(loc="upper right", fontsize=8)
    ax1.grid(alpha=0.3)

    data, labels, colors = [], [], []
    for strat in COLORS:
        p = [s["pause_ns"] / 1000.0 for s in swaps
             if s["strategy"] == strat and s["ok"] and s["pause_ns"] > 0]
        n_ok = sum(1 for s in swaps if s["strategy"] == strat and s["ok"])
        if not p and n_ok:
            # hitless parks nothing: say so instead of dropping it silently
            ax2.plot([], [], " ", label=f"{strat} (n={n_ok}): no pause")
        if p:
            data.append(p)
            summ = rep.get("summary", {}).get(strat, {})
            p99 = summ.get("pause_p99_ns", 0) / 1000.0
            labels.append(f"{strat} (n={len(p)}, p99 {p99:.1f} us)")
            colors.append(COLORS[strat])
    if data:
        lo = max(min(min(d) for d in data), 0.01)
        hi = max(max(d) for d in data)
        if hi <= lo:
            hi = lo * 10
        bins = [lo * (hi / lo) ** (i / 40.0) for i in range(41)]
        ax2.hist(data, bins=bins, label=labels, color=colors, alpha=0.7,
                 histtype="stepfilled" if len(data) == 1 else "bar")
        ax2.set_xscale("log")
    if ax2.get_legend_handles_labels()[0]:
        ax2.legend(fontsize=8)
    if not data:
        ax2.text(0.5, 0.5, "no pause times", ha="center", transform=ax2.transAxes)
    ax2.set_xlabel("pause time (us, log)")
    ax2.set_ylabel("swaps")
    ax2.set_title("Pause time per strategy")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    save_safely(fig, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
