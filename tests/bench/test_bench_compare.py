#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Unit test of scripts/bench-compare.py (no benchmark runs): two small
reports (fixtures/baseline.json, fixtures/new.json) with known changes;
checks the exit status and exactly which figures are flagged WORSE, with
the default threshold (ratios only), a tighter and a looser one,
--absolute, a report against itself, bad input, and --plot."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_ROOT", os.path.join(HERE, "..", ".."))
TOOL = os.path.join(SRC, "scripts", "bench-compare.py")
BASE = os.path.join(HERE, "fixtures", "baseline.json")
NEW = os.path.join(HERE, "fixtures", "new.json")
# the distribution's python has python3-matplotlib (scripts/setup.sh)
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

failures = []


def run(*args):
    p = subprocess.run([PY, TOOL] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=60,
                       check=False)
    worse = {l.split(None, 1)[1] for l in p.stdout.splitlines() if l.startswith("WORSE ")}
    return p.returncode, worse, p.stdout


def expect(what, args, rc, worse):
    got_rc, got_worse, out = run(*args)
    if got_rc != rc or got_worse != set(worse):
        failures.append("%s: exit %d, flagged %s; expected exit %d, flagged %s\n%s" % (
            what, got_rc, sorted(got_worse), rc, sorted(worse), out))
    else:
        print("ok %s: exit %d, flagged %s" % (what, got_rc, sorted(got_worse)))


def main():
    if not os.path.isfile(TOOL):
        print("FAIL: %s missing" % TOOL)
        return 1
    # 64B 1 ms ratio 0.95 -> 0.90 (-5.3 %), synthetic hot path 1.002 -> 1.05
    # (lower is better: -4.8 %); 64B 10 ms 0.99 -> 0.985 (-0.51 %)
    ratios = ["virtio.64B.swap_1ms.ratio", "hotpath.synthetic.ratio"]
    expect("default threshold (2 %, ratios)", [BASE, NEW], 1, ratios)
    expect("threshold 0.5 %", [BASE, NEW, "--threshold", "0.5"], 1,
           ratios + ["virtio.64B.swap_10ms.ratio"])
    expect("threshold 6 %", [BASE, NEW, "--threshold", "6"], 0, [])
    # absolute: the rate 4.8 -> 3.0 Mpps and remap pause 40 -> 60 us too;
    # the quiesce pause got better; hitless 0 -> 10 ns has no relative change
    expect("--absolute", [BASE, NEW, "--absolute"], 1,
           ratios + ["virtio.64B.noswap_mpps", "dd.remap.q1.pause_p50_ns"])
    expect("baseline against itself", [BASE, BASE, "--absolute"], 0, [])
    expect("reversed, threshold 0", [NEW, BASE, "--threshold", "0"], 1,
           ["virtio.1500B.swap_10ms.ratio"])
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.json")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('{"figures": {"x": {"value": "fast", "better": "higher"}}}')
        expect("bad report", [BASE, bad], 2, [])
        expect("missing report", [BASE, os.path.join(d, "none.json")], 2, [])
        expect("negative threshold", [BASE, NEW, "--threshold", "-1"], 2, [])
        png = os.path.join(d, "cmp.png")
        rc, _, out = run(BASE, NEW, "--plot", png)
        try:
            with open(png, "rb") as f:
                magic = f.read(8)
        except OSError:
            magic = b""
        if rc != 1 or magic != b"\x89PNG\r\n\x1a\n":
            failures.append("--plot: exit %d, no PNG written at %s\n%s" % (rc, png, out))
        else:
            print("ok --plot: PNG written")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
