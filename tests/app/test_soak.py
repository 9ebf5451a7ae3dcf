#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Soak of dpdk-test-replace (issue 12, item 3): swaps every 1 ms for a
bounded time, resources measured at the start and the end.

  soak   SOAK_SECONDS (default 45; scripts/soak.sh: 600) of two ports
         wired back to back (the embedded emulated virtio-net devices):
         port 0 'quiesce' every 1 ms all along; port 1 'hitless', 'remap'
         (every 1 ms) and 'restart' (every 5 ms) in turn; txonly first,
         then io. Checks:
         - every swap succeeds, 0 DMA faults, 0 corrupted, 0 duplicated
           (swaps start every 1 ms; a swap that takes longer delays the
           next: the count done is printed per phase)
         - driver loss 0: every packet the verifier lost (txonly half) is
           one a port counted as dropped (imissed: no rx buffer while the wire sent;
           rx_driver_discards: a restart's reset; oerrors: a restart's tx
           discard), and
           no phase but restart discards what tx_burst accepted (oerrors
           flat); the wire drops (imissed) of each phase are printed
         - flat resources between the start (after a warm-up) and the end:
           open fds (/proc/PID/fd) equal (bound: +2), mbufs out of the pool
           with traffic stopped equal, RSS growth <= RSS_FIXED + RSS_PER_SWAP
           bytes per swap (see below). The iommufd object count is the
           kernel backend's (VM tier): not measured here (soft backend).
         Progress: one line every PROGRESS_S seconds on stdout.
"""
import json
import os
import sys
import time

import trlib
from trlib import fail, ok

# RSS bound: flat. The app keeps a bounded window of swap records
# (--swap-log, 4096) and bounded samples; RSS_FIXED covers filling those
# and the allocator's noise. SOAK_RSS_PER_SWAP (bytes per swap, default 0)
# loosens it for experiments. Measured: see the printed "RSS per swap".
RSS_FIXED = 8 << 20
RSS_PER_SWAP = int(os.environ.get("SOAK_RSS_PER_SWAP", "0"))
FD_SLACK = 2
PROGRESS_S = float(os.environ.get("SOAK_PROGRESS_S", "5"))

PORT1 = [("hitless", 1), ("remap", 1), ("restart", 5)]
MODES = ["txonly", "io"]


def script(seconds, d):
    """The app's script: a warm-up, then len(MODES) x len(PORT1) phases."""
    phase_ms = max(500, int(seconds * 1000 / (len(MODES) * len(PORT1))))
    text = """
domain create red0 mirror
domain create blue0 copy red0
domain create red1 mirror
domain create blue1 copy red1
set pktlen 128
set pattern inc
set rate 200000
set fwd txonly
start
swap 0 red0 blue0 every 1 count 100 strategy quiesce timeout 1000000
swap 1 red1 blue1 every 1 count 100 strategy remap timeout 1000000
wait swaps
stop
report {d}/start.json
echo SOAK-START
""".format(d=d)
    phases = []
    for mode in MODES:
        text += "set fwd %s\n" % mode
        if mode == "io":
            text += "set txfirst 32\n"
        text += "start\n"
        for strat, every in PORT1:
            name = "%s-%s" % (mode, strat)
            phases.append((name, strat))
            text += ("echo SOAK-PHASE {name}\n"
                     "swap 0 red0 blue0 every 1 strategy quiesce timeout 1000000\n"
                     "swap 1 red1 blue1 every {every} strategy {strat} timeout 1000000\n"
                     "wait {ms}\n"
                     "swap stop all\n"
                     "wait swaps timeout 600000\n"
                     "report {d}/{name}.json\n").format(
                         name=name, every=every, ms=phase_ms, strat=strat, d=d)
        text += "stop\nreport {d}/{mode}-stopped.json\n".format(d=d, mode=mode)
    text += """report {d}/end.json
echo SOAK-END
wait 1000
show verify
show swap stats
""".format(d=d)
    return text, phases


def proc_sample(pid):
    """(open fds, RSS bytes) of pid."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = 0
    with open("/proc/%d/status" % pid, encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return fds, rss


def load(d, name):
    with open(os.path.join(d, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def port_drops(rep):
    """Per port (rx drops, tx discards): imissed (the device had no buffer)
    + rx_driver_discards (received, discarded by the driver: a restart),
    and oerrors (accepted by tx_burst, never sent)."""
    return {p["port"]: (p["imissed"] + p["rx_driver_discards"], p["oerrors"])
            for p in rep["port_stats"]}


def nb_swaps(rep):
    return sum(s.get("swaps", 0) for s in rep["summary"].values() if isinstance(s, dict))


@trlib.case(timeout=900)
def case_soak():
    seconds = float(os.environ.get("SOAK_SECONDS", "45"))
    d = trlib.tmpdir()
    text, phases = script(seconds, d)
    sfile = os.path.join(d, "soak.script")
    with open(sfile, "w", encoding="utf-8") as f:
        f.write(text)
    trlib.need_artifacts(trlib.APP)
    cmd = ([trlib.APP] + trlib.eal("soak") +
           ["--", "--script", sfile, "--no-progress", "--json", os.path.join(d, "report.json"),
            "--no-plot"])
    live = trlib.Live(cmd)
    pid = live.p.pid
    t0 = time.monotonic()
    print("soak: %.0f s of swaps every 1 ms, %d phases (%s); reports in %s"
          % (seconds, len(phases), ", ".join(p for p, _ in phases), d), flush=True)
    live.wait_for(r"SOAK-START", "warm-up", deadline=300)
    fd0, rss0 = proc_sample(pid)
    rep0 = load(d, "start")
    print("soak: start: %d fds, RSS %.1f MiB, mbufs in use %d of %d"
          % (fd0, rss0 / 2**20, rep0["mempool"]["in_use"], rep0["mempool"]["size"]), flush=True)
    # Progress until the end marker; the deadline only turns a hang into
    # a failure (swaps slower than 1 ms make the phases longer).
    deadline = t0 + 20 * seconds + 300
    mark = live.mark()
    while True:
        with live.cond:
            live.cond.wait_for(lambda: "SOAK-END" in live.text[mark:] or live.eof,
                               timeout=PROGRESS_S)
            done = "SOAK-END" in live.text[mark:]
            eof = live.eof
            cur = [ln for ln in live.text.splitlines() if ln.startswith("SOAK-PHASE")]
        if done:
            break
        if eof or time.monotonic() > deadline:
            live.p.kill()
            fail("the soak did not reach its end (%s)" % ("the app exited" if eof else "hang"),
                 live.text)
        fds, rss = proc_sample(pid)
        print("soak: %6.1f s  phase %-15s fds %d  RSS %.1f MiB"
              % (time.monotonic() - t0, cur[-1].split()[1] if cur else "-", fds, rss / 2**20),
              flush=True)
    fd1, rss1 = proc_sample(pid)
    rc, out = live.finish(deadline=120)
    rep1 = load(d, "end")
    rep = load(d, "report") if os.path.exists(os.path.join(d, "report.json")) else rep1
    trlib.need_default_devices(out)
    if rc != 0:
        fail("app exited %d" % rc, out)

    # swaps: all done, none failed, no fault
    s = rep1["summary"]
    for strat in ["quiesce"] + [p for p, _ in PORT1]:
        got = s.get(strat, {})
        if not got.get("swaps") or got.get("failures") or got.get("faults"):
            fail("%s: %s (expected swaps, 0 failures, 0 faults)" % (strat, got), out)
    if rep1["dma_faults"]:
        fail("%d DMA faults in the soft IOMMU log" % rep1["dma_faults"], out)
    swaps = nb_swaps(rep1) - nb_swaps(rep0)

    # per phase: driver loss 0, tx_burst-accepted never discarded but by
    # restart; wire drops reported
    prev_rep = rep0
    lines = []
    for name, strat in phases:
        cur = load(d, name)
        pd, cd = port_drops(prev_rep), port_drops(cur)
        imissed = sum(cd[p][0] - pd[p][0] for p in cd)
        oerrors = sum(cd[p][1] - pd[p][1] for p in cd)
        cv = cur["verify"]
        for k in ("corrupted", "duplicated"):
            if cv[k]:
                fail("%s: %d %s" % (name, cv[k], k), out)
        if strat != "restart" and oerrors:
            fail("%s: %d packets accepted by tx_burst were discarded (oerrors)"
                 % (name, oerrors), out)
        rx = (sum(p["ipackets"] for p in cur["port_stats"]) -
              sum(p["ipackets"] for p in prev_rep["port_stats"]))
        if rx <= 0:
            fail("%s: no traffic" % name, out)
        lines.append("%s: %d swaps, rx drops (imissed+driver discards) %d, tx discards %d"
                     % (name, nb_swaps(cur) - nb_swaps(prev_rep), imissed, oerrors))
        prev_rep = cur
    # driver loss over the txonly half (the verifier counts sequence gaps
    # in txonly; io forwards what it receives, it has no sequence): with
    # traffic stopped, every lost frame is one a port counted as dropped
    ts = load(d, "txonly-stopped")
    v = ts["verify"]
    drops = sum(sum(d) for d in port_drops(ts).values())
    if v["lost"] > drops:
        fail("driver loss %d: verifier lost %d, the ports counted %d dropped (imissed+rx_driver_discards+oerrors)"
             % (v["lost"] - drops, v["lost"], drops), out)
    if v["lost"] < drops:
        # not a loss; the accounting does not close (issue 12, item 0)
        print("soak: note: the ports counted %d drops more than the verifier lost (%d)"
              % (drops - v["lost"], v["lost"]), flush=True)
    for r in (ts, rep1):
        if r["verify"]["corrupted"] or r["verify"]["duplicated"]:
            fail("corrupted %d duplicated %d" % (r["verify"]["corrupted"],
                                                 r["verify"]["duplicated"]), out)
    received = v["received"] + rep1["verify"]["received"]

    # flat resources
    in0, in1 = rep0["mempool"]["in_use"], rep1["mempool"]["in_use"]
    rss_bound = RSS_FIXED + RSS_PER_SWAP * swaps
    print("soak: end:   %d fds, RSS %.1f MiB, mbufs in use %d; %d swaps, RSS per swap %.0f B"
          % (fd1, rss1 / 2**20, in1, swaps, (rss1 - rss0) / max(swaps, 1)), flush=True)
    for ln in lines:
        print("  " + ln)
    if fd1 > fd0 + FD_SLACK:
        fail("fds %d -> %d (bound +%d)" % (fd0, fd1, FD_SLACK), out)
    if in1 != in0:
        fail("mbufs in use with traffic stopped: %d -> %d" % (in0, in1), out)
    if rss1 - rss0 > rss_bound:
        fail("RSS %.1f -> %.1f MiB: grew %d bytes, bound %d (%d + %d per swap x %d swaps)"
             % (rss0 / 2**20, rss1 / 2**20, rss1 - rss0, rss_bound, RSS_FIXED,
                RSS_PER_SWAP, swaps), out)
    ok("soak: %.0f s, %d swaps, %d frames received, txonly lost %d, counted by the ports %d, "
       "0 corrupted, 0 faults; fds %d -> %d, RSS %.1f -> %.1f MiB (bound +%.1f MiB), "
       "mbufs in use %d -> %d"
       % (time.monotonic() - t0, swaps, received, v["lost"], drops, fd0, fd1, rss0 / 2**20,
          rss1 / 2**20, rss_bound / 2**20, in0, in1))


if __name__ == "__main__":
    trlib.main(globals(), "test_soak.py")
