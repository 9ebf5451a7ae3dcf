#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""End-to-end tests of dpdk-test-replace. One case per meson test:

  ring_traffic   txonly on two net_ring ports: every packet verified
  ring_io        io forwarding with tx_first: nothing corrupted
  interrupt      ^C in a scripted run: report written, exit status 130
  bad_args       every command's bad-argument path (bad_commands.txt)
  prompt         cmdline prompt: help, TAB completion, quit
  swaps          embedded default: swaps of every strategy under traffic
  rollback       injected failures roll back; traffic stays verified
  coverage       replace to a domain without the port's memory is refused
  hitless_vtd    hitless on a non-atomic IOMMU: refused, or forced and faulting
  demo           the README demo scenario, shortened: JSON parses, PNG exists
  restart_drops  restart swaps under traffic: verifier lost == ports' drops
  reset_recovery DMA faults (forced hitless on vtd) -> DEVICE_NEEDS_RESET ->
                 the app resets the port, traffic flows again, losses counted
  sched_refusal  a schedule stops on a refusal that cannot change (one line);
                 transient failures are counted and rate-limited
  swap_log_bounded  bounded window of swap records, summaries count all
  safe_files     report/PNG never written through a planted link; mode 0644
  accounting_inline, accounting_thread
                 quiesce/remap/hitless swaps every 1-2 ms: sent == received +
                 named drop counters exactly, 0 driver loss, imissed == the
                 device's own drops (inline device; engine on its own thread)
  starved_inline, starved_thread
                 the same with a CPU-bound process on the poller's core
  port_stop_race 'port stop'/'port start' while swaps run every 1 ms: no
                 error, every swap succeeds, 0 faults
"""
import json
import os
import re
import subprocess
import sys

import trlib
from trlib import fail, ok, run_app

RING = ["--vdev", "net_ring0", "--vdev", "net_ring1"]


def verify_clean(rep, out, lossless=True):
    v = rep["verify"]
    if v["corrupted"] or v["duplicated"]:
        fail("corrupted %d duplicated %d" % (v["corrupted"], v["duplicated"]), out)
    if lossless and v["lost"]:
        fail("lost %d packets" % v["lost"], out)
    if v["received"] < 1000:
        fail("too little traffic (%d received)" % v["received"], out)


@trlib.case(suite="integration")
def case_ring_traffic():
    rc, out, rep = run_app("ring", """
set fwd txonly
set pktlen 200
set pattern 0x5a
start
wait 300
stop
show verify
expect verify.lost == 0
expect verify.corrupted == 0
expect port.0.rx > 0
""", RING)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    verify_clean(rep, out)
    v = rep["verify"]
    if v["sent"] != v["unique"] or v["sent"] == 0:
        fail("sent %d unique %d" % (v["sent"], v["unique"]), out)
    if not rep["throughput"] or max(s["rx_pps"] for s in rep["throughput"]) <= 0:
        fail("no throughput samples", out)
    if rep["config"]["fwd"]["pktlen"] != 200:
        fail("config not in the report", out)
    ok("ring_traffic: %d packets sent and verified" % v["sent"])


@trlib.case(suite="integration")
def case_ring_io():
    rc, out, rep = run_app("ringio", """
set fwd io
set txfirst 2
start
wait 200
stop
expect verify.corrupted == 0
expect verify.received > 0
""", RING)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    ok("ring_io: %d packets forwarded" % rep["verify"]["received"])


@trlib.case(suite="integration")
def case_interrupt():
    """^C during a long scripted run: traffic stops, the report is written,
    the exit status says the run is incomplete. ^C comes once the progress
    line shows packets received (the event), not after a pause."""
    d = trlib.tmpdir()
    script = os.path.join(d, "s")
    rep = os.path.join(d, "r.json")
    with open(script, "w", encoding="utf-8") as f:
        f.write("start\nwait 60000\necho not reached\n")
    cmd = [trlib.APP] + trlib.eal("int") + RING + ["--", "--script", script, "--json", rep,
                                                   "--no-plot", "--progress"]
    trlib.need_artifacts(trlib.APP)
    # the progress line goes to stderr, unbuffered: no stdbuf (which would
    # come before the ASan runtime in an ASan build)
    app = trlib.Live(cmd, line_buffered=False)
    app.wait_for(r"rx +(?!0\.000 )\d+\.\d+ Mpps", "progress line with packets received")
    app.p.send_signal(2)
    rc, out = app.finish()
    if rc != 130:
        fail("exit status %s, expected 130" % rc, out)
    if "not reached" in out or "interrupted" not in out:
        fail("the script went on after ^C", out)
    with open(rep, encoding="utf-8") as f:
        r = json.load(f)
    v = r["verify"]
    if v["sent"] == 0 or v["lost"] != 0 or v["received"] != v["sent"]:
        fail("report of the interrupted run: %s" % v, out)
    ok("interrupt: report written, %d packets verified" % v["sent"])


def load_table():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad_commands.txt")
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cmd, _, want = line.partition("\t")
            rows.append((cmd.strip(), want.strip()))
    return rows


@trlib.case()
def case_bad_args():
    rows = load_table()
    script = "domain create red mirror\necho ---\n"
    script += "".join("%s\necho ---\n" % c for c, _ in rows)
    rc, out, _ = run_app("bad", script, app_extra=["--keep-going", "--no-echo"],
                         json_report=False)
    trlib.need_default_devices(out)
    if rc == 0:
        fail("app exited 0 although commands failed", out)
    segs = [[]]
    for line in out.splitlines():
        if line == "---":
            segs.append([])
        else:
            segs[-1].append(line)
    segs = ["\n".join(x) for x in segs]
    if len(segs) < len(rows) + 1:
        fail("expected %d outputs, got %d" % (len(rows) + 1, len(segs)), out)
    if "error:" in segs[0]:
        fail("setup failed", segs[0])
    bad = 0
    for (cmd, want), seg in zip(rows, segs[1:]):
        errs = [l for l in seg.splitlines() if l.startswith("error: ")]
        if want == "ok":
            if errs:
                print("FAIL: '%s' should succeed, got: %s" % (cmd, errs[0]))
                bad += 1
        elif len(errs) != 1 or want not in errs[0]:
            print("FAIL: '%s': expected one error with '%s', got %s" % (cmd, want, errs))
            bad += 1
    if bad:
        fail("%d of %d bad-argument checks failed" % (bad, len(rows)), out)
    ok("bad_args: %d commands" % len(rows))


@trlib.case()
def case_prompt():
    cmd = [trlib.APP] + trlib.eal("prompt") + RING + ["--"]
    # "sh" TAB "ver" TAB completes to "show verify"
    stdin = "help\nsh\tver\t\nshow domains\nnosuch\nquit\n"
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=60, check=False)
    out = p.stdout
    if p.returncode != 0:
        fail("exit %d" % p.returncode, out)
    for want in ("port replace <port> <domain>", "swap <port> <domA> <domB> every <ms>",
                 "mapped(B)", "verify (txonly, stopped)",
                 "error: unknown command 'nosuch'"):
        if want not in out:
            fail("prompt output lacks '%s'" % want, out)
    ok("prompt")


# Each port swaps between domains of its own: remap rewrites the domain a
# port is on in place, which must not be one the other port uses.
# Timeouts are generous (2 s): on these shared 2-core machines a thread can
# be descheduled for tens of ms (doc/guides/design.rst, "Why the Waits Yield"); an overrun would be
# reported as a failed swap, never retried.
# Traffic runs throughout; the report is written after each strategy's
# phase (port counters are exact at any time, the verifier's count only once
# traffic stopped and drained, at the end).
SWAPS_HEAD = """
domain create red0 mirror
domain create blue0 copy red0
domain create red1 mirror
domain create blue1 copy red1
set pktlen 128
set rate 50000
start
wait 100
"""
SWAPS_PHASES = [
    ("quiesce", ["swap 0 red0 blue0 every 2 count {n} strategy quiesce timeout 2000000",
                 "swap 1 red1 blue1 every 2 count {n} strategy quiesce timeout 2000000"]),
    ("hitless", ["swap 0 red0 blue0 every 2 count {n} strategy hitless timeout 2000000"]),
    ("remap", ["swap 1 red1 blue1 every 2 count {n} strategy remap timeout 2000000"]),
    ("restart", ["swap 0 red0 blue0 every 5 count {r} strategy restart timeout 2000000"]),
]
SWAPS_TAIL = """
wait 100
stop
show swap stats
show verify
"""


def swaps_script(n, r, d):
    text = SWAPS_HEAD
    for i, (_, cmds) in enumerate(SWAPS_PHASES):
        text += "%s\nwait swaps\nreport %s\n" % (
            "\n".join(c.format(n=n, r=r) for c in cmds), os.path.join(d, "phase%d.json" % i))
    return text + SWAPS_TAIL


def port_drops(rep):
    """Per port (imissed, oerrors) of a report: every packet a port dropped
    is in one of them (emulated device's rx drops and stop/reset discards in
    rx_driver_discards, discarded tx in oerrors)."""
    return {p["port"]: (p["imissed"] + p["rx_driver_discards"], p["oerrors"])
            for p in rep["port_stats"]}


@trlib.case()
def case_swaps():
    n, r = 40, 10
    d = trlib.tmpdir()
    rc, out, rep = run_app("swaps", swaps_script(n, r, d))
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report (exit %d)" % rc, out)
    s = rep["summary"]
    want = {"quiesce": 2 * n, "hitless": n, "remap": n, "restart": r}
    for strat, cnt in want.items():
        got = s.get(strat, {})
        if got.get("swaps") != cnt or got.get("failures"):
            fail("%s: expected %d swaps, no failure; got %s" % (strat, cnt, got), out)
        if got.get("faults"):
            fail("%s: %d DMA faults" % (strat, got["faults"]), out)
    if len(rep["swaps"]) != sum(want.values()):
        fail("%d swap records, expected %d" % (len(rep["swaps"]), sum(want.values())), out)
    if any(x["pause_ns"] <= 0 for x in rep["swaps"] if x["strategy"] == "quiesce"):
        fail("a quiesce swap without pause time", out)
    if rep["dma_faults"]:
        fail("%d DMA faults in the soft IOMMU log" % rep["dma_faults"], out)
    verify_clean(rep, out, lossless=False)
    # Exact, whatever the timing: every packet lost is one a port counted
    # as dropped (a pause may make a receive ring overrun or a queue reset
    # discard: imissed), and no strategy but restart may discard a packet
    # tx_burst accepted (a parked burst keeps it: oerrors stays).
    if rep["verify"]["lost"] != drops_of(rep):
        fail("verifier lost %d, port counters dropped %d"
             % (rep["verify"]["lost"], drops_of(rep)), out)
    prev = {p: (0, 0) for p in port_drops(rep)}
    per_phase = []
    for i, (strat, _) in enumerate(SWAPS_PHASES):
        with open(os.path.join(d, "phase%d.json" % i), encoding="utf-8") as f:
            cur = port_drops(json.load(f))
        dim = sum(cur[p][0] - prev[p][0] for p in cur)
        doe = sum(cur[p][1] - prev[p][1] for p in cur)
        prev = cur
        if strat != "restart" and doe:
            fail("%s phase: %d packets accepted by tx_burst were discarded (oerrors)"
                 % (strat, doe), out)
        per_phase.append("%s %d" % (strat, dim + doe))
    if rc != 0:
        fail("app exited %d" % rc, out)
    ok("swaps: %s; lost %d == dropped by the ports (per phase: %s)"
       % (", ".join("%s %d" % kv for kv in want.items()), rep["verify"]["lost"],
          ", ".join(per_phase)))


@trlib.case()
def case_rollback():
    rc, out, rep = run_app("rollback", """
domain create red mirror
start
wait 50
port inject 0 switch
port replace 0 red
port inject 0 fault
port replace 0 red quiesce
port inject 0 coverage
port replace 0 red
port replace 0 red timeout 2000000
wait 50
stop
show swap log
expect swaps.failed == 3
expect swaps.ok == 1
expect verify.lost == 0
expect verify.corrupted == 0
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report", out)
    recs = rep["swaps"]
    if len(recs) != 4 or [x["ok"] for x in recs] != [False, False, False, True]:
        fail("unexpected swap records %s" % recs, out)
    if recs[0]["to"] != "red" or recs[0]["from"] != "default":
        fail("record names wrong: %s" % recs[0], out)
    if not recs[0]["rolled_back"] or not recs[1]["rolled_back"]:
        fail("switch/fault failures must roll back", out)
    if not all(x["reason"] for x in recs[:3]):
        fail("failures without a reason", out)
    if out.count("error: replace of port 0 to domain 'red' failed") != 3:
        fail("each failure must print an error naming port and domain", out)
    if [e for e in rep["config"]["ports"] if e["id"] == 0][0]["domain"] != "red":
        fail("port 0 should end on red after the last replace", out)
    ok("rollback: 3 injected failures rolled back, then a clean swap")


@trlib.case()
def case_coverage():
    rc, out, rep = run_app("coverage", """
domain create hole empty
show coverage 0 hole
port replace 0 hole
show ports
expect swaps.failed == 1
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if "NOT fully covered" not in out:
        fail("coverage report does not say the empty domain misses memory", out)
    if "error: replace of port 0 to domain 'hole' failed" not in out:
        fail("replace to an empty domain was not refused", out)
    port0 = [e for e in rep["config"]["ports"] if e["id"] == 0][0]
    if port0["domain"] == "hole":
        fail("refused replace still moved the port", out)
    if rep["swaps"][0]["rolled_back"]:
        fail("a coverage refusal must not touch the device", out)
    ok("coverage: refused, port stayed on %s" % port0["domain"])


@trlib.case()
def case_hitless_vtd():
    """The seed's experiment: hitless replace where the IOMMU replaces
    non-atomically (soft model 'vtd') is refused unless forced, and forced
    under traffic it shows DMA faults and rolls back."""
    rc, out, rep = run_app("vtd", """
domain create red0 mirror
domain create blue0 copy red0
set iommu vtd window 1000
start
wait 50
port replace 0 red0 hitless
swap 0 red0 blue0 every 3 count 60 strategy hitless force
wait swaps
stop
show faults
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report", out)
    if "error: replace of port 0 to domain 'red0' failed: hitless needs an atomic replace" not in out:
        fail("unforced hitless on a non-atomic IOMMU was not refused with its reason", out)
    forced = [x for x in rep["swaps"] if x["schedule"] == 0]
    faulted = [x for x in forced if x["faults"] > 0]
    if not faulted:
        fail("60 forced hitless swaps under traffic saw no DMA fault", out)
    if not all(not x["ok"] and x["rolled_back"] for x in faulted):
        fail("a swap that saw faults must fail and roll back: %s" % faulted[0], out)
    if rep["dma_faults"] < 1 or rep["config"]["soft_iommu"]["model"] != "vtd":
        fail("fault log or model not in the report", out)
    ok("hitless_vtd: %d of %d forced swaps faulted and rolled back"
       % (len(faulted), len(forced)))


@trlib.case(timeout=300)
def case_demo():
    scen = os.path.join(trlib.SOURCE, "app/test-replace/run-demo-scenario.sh")
    outdir = trlib.tmpdir()
    env = dict(os.environ, DEMO_SWAPS="40", DEMO_FILE_PREFIX="tr_demo_%d" % os.getpid())
    p = subprocess.run([scen, trlib.BUILD, outdir], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                       check=False)
    out = p.stdout
    trlib.need_default_devices(out)
    if p.returncode != 0:
        fail("demo exited %d" % p.returncode, out)
    with open(os.path.join(outdir, "demo-report.json"), encoding="utf-8") as f:
        rep = json.load(f)
    png = os.path.join(outdir, "demo-report.png")
    if not os.path.exists(png) or os.path.getsize(png) < 1000:
        fail("no PNG at " + png, out)
    with open(png, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail("not a PNG: " + png, out)
    if "strategy" not in out or "report:" not in out:
        fail("no summary table", out)
    if len(rep["swaps"]) < 40:
        fail("demo did too few swaps", out)
    ok("demo: %d swaps, report %s" % (len(rep["swaps"]), outdir))


def drops_of(rep):
    """Packets the ports dropped by their own counters (imissed: the device
    had no buffer; rx_driver_discards: received by the device, discarded by
    the driver, e.g. a restart; oerrors: accepted by tx_burst, never sent)."""
    return sum(p["imissed"] + p["rx_driver_discards"] + p["oerrors"]
               for p in rep["port_stats"])


@trlib.case()
def case_restart_drops():
    """restart swaps under traffic both ways: the packets the verifier lost
    are exactly the ones the ports' counters say they dropped."""
    rc, out, rep = run_app("rsdrop", """
domain create red0 mirror
domain create blue0 copy red0
set pktlen 128
set rate 50000
start
wait 50
swap 0 red0 blue0 every 10 count 15 strategy restart timeout 2000000
wait swaps
wait 50
stop
show port stats
show verify
""")
    trlib.need_default_devices(out)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    v = rep["verify"]
    if v["duplicated"] or v["corrupted"] or v["reordered"]:
        fail("duplicated %d reordered %d corrupted %d"
             % (v["duplicated"], v["reordered"], v["corrupted"]), out)
    if rep["summary"].get("restart", {}).get("swaps") != 15:
        fail("expected 15 restart swaps: %s" % rep["summary"].get("restart"), out)
    if v["lost"] != drops_of(rep):
        fail("verifier lost %d, port counters dropped %d (imissed+oerrors: %s)"
             % (v["lost"], drops_of(rep),
                [(p["imissed"], p["oerrors"]) for p in rep["port_stats"]]), out)
    if "missed" not in out:
        fail("'show port stats' does not show the drops", out)
    ok("restart_drops: %d restarts, lost %d == dropped %d"
       % (15, v["lost"], drops_of(rep)))


@trlib.case()
def case_reset_recovery():
    """Forced hitless swaps on a non-atomic IOMMU fault the device
    (DEVICE_NEEDS_RESET); the app resets and restarts the port on its
    control thread, traffic flows again, and what was lost is counted."""
    rc, out, rep = run_app("reset", """
domain create red0 mirror
domain create blue0 copy red0
set iommu vtd window 1000
set pktlen 128
set rate 50000
start
wait 50
swap 0 red0 blue0 every 5 count 40 strategy hitless force
wait swaps
wait 300
stop
show port stats
show verify
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report (exit %d)" % rc, out)
    resets = rep["port_resets"]
    port0 = [p for p in rep["port_stats"] if p["port"] == 0][0]
    if not resets or not any(r["ok"] for r in resets):
        fail("no successful port reset after the faults (%d DMA faults)"
             % rep["dma_faults"], out)
    if any(not r["ok"] for r in resets):
        fail("a port reset failed: %s" % resets, out)
    if port0["resets"] != len([r for r in resets if r["port"] == 0]):
        fail("port_stats resets %d, %d reset records" % (port0["resets"], len(resets)), out)
    if out.count("device needs reset: reset, reconfigured and restarted") != len(resets):
        fail("expected one log line per reset", out)
    if "resets: %d" % port0["resets"] not in out:
        fail("'show port stats' does not show the resets", out)
    # traffic flows again into port 0 after its last reset
    last = max(r["t_ms"] + r["duration_us"] / 1000.0 for r in resets)
    after = [s for s in rep["throughput"] if s["t_ms"] > last + 50]
    if not after or max(s["rx_pps_port"][0] for s in after) <= 0:
        fail("port 0 received nothing after its last reset at %.1f ms" % last, out)
    v = rep["verify"]
    if v["duplicated"] or v["corrupted"] or v["reordered"]:
        fail("duplicated %d reordered %d corrupted %d"
             % (v["duplicated"], v["reordered"], v["corrupted"]), out)
    if v["lost"] != drops_of(rep):
        fail("verifier lost %d, port counters dropped %d (imissed+oerrors: %s)"
             % (v["lost"], drops_of(rep),
                [(p["imissed"], p["oerrors"]) for p in rep["port_stats"]]), out)
    ok("reset_recovery: %d resets, %d DMA faults, lost %d == dropped %d"
       % (len(resets), rep["dma_faults"], v["lost"], drops_of(rep)))


@trlib.case()
def case_rollback_failed():
    """A swap whose rollback fails too (injected: the switch back and the
    re-attach of the old domain both fail) leaves the device on no domain:
    the PMD raises RTE_ETH_EVENT_RECOVERY_FAILED, the app stops the port,
    attaches it to the domain the swap came from and restarts it; traffic
    flows again and what the reset dropped is counted."""
    rc, out, rep = run_app("rbfail", """
domain create red0 mirror
domain create blue0 copy red0
set pktlen 128
set rate 50000
start
wait 50
port inject 0 rollback
port replace 0 blue0 quiesce
wait 300
show ports
stop
show verify
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report (exit %d)" % rc, out)
    if not re.search(r"error: replace of port 0 to domain '\S+' failed: .*ROLLBACK FAILED", out):
        fail("the failed rollback was not reported as such", out)
    if "rollback failed, the device is on no DMA domain: recovering" not in out:
        fail("no RTE_ETH_EVENT_RECOVERY_FAILED reached the app", out)
    if not re.search(r"^\s+0\s+emu0\s+\S+\s+started\s+default\s", out, re.M):
        fail("port 0 is not started on its old domain 'default' after recovery", out)
    resets = [r for r in rep["port_resets"] if r["port"] == 0]
    if len(resets) != 1 or not resets[0]["ok"]:
        fail("expected one successful recovery of port 0: %s" % resets, out)
    last = resets[0]["t_ms"] + resets[0]["duration_us"] / 1000.0
    after = [s for s in rep["throughput"] if s["t_ms"] > last + 50]
    if not after or max(s["rx_pps_port"][0] for s in after) <= 0:
        fail("port 0 received nothing after its recovery", out)
    v = rep["verify"]
    if v["duplicated"] or v["corrupted"] or v["reordered"]:
        fail("duplicated %d reordered %d corrupted %d"
             % (v["duplicated"], v["reordered"], v["corrupted"]), out)
    if v["lost"] != drops_of(rep):
        fail("verifier lost %d, port counters dropped %d" % (v["lost"], drops_of(rep)), out)
    ok("rollback_failed: device on no domain, recovered onto 'default', lost %d == dropped %d"
       % (v["lost"], drops_of(rep)))


# ---- issue 12: failures that read well, bounded records, safe files ----

def sched_lines(out, sid):
    return [ln for ln in out.splitlines() if ln.startswith("schedule %d (port " % sid)]


@trlib.case()
def case_sched_refusal():
    """A schedule whose swaps are refused for a reason that will not change
    stops after the first one with ONE line naming the cause in words;
    transient failures (faults rolled back) are counted, not one line each."""
    rc, out, rep = run_app("schedref", """
domain create red0 mirror
domain create blue0 copy red0
domain create hole empty
set iommu vtd window 1000
port replace 0 hole
swap 0 default hole every 1 count 300 strategy quiesce
wait swaps
port replace 0 red0 quiesce
swap 0 red0 blue0 every 1 count 300 strategy hitless
wait swaps
start
wait 50
swap 0 red0 blue0 every 2 count 100 strategy hitless force
wait swaps
stop
""", app_extra=["--keep-going"])
    trlib.need_default_devices(out)
    if rep is None:
        fail("no report (exit %d)" % rc, out)
    refusals = [ln for ln in out.splitlines()
                if "replace of port" in ln or ln.startswith("schedule ")]
    for bad in ("Numerical result out of range", "Operation not supported"):
        if any(bad in ln for ln in refusals):
            fail("a refusal printed the errno string '%s' as its cause" % bad, out)
    m = re.search(r"error: replace of port 0 to domain 'hole' failed: (.*)", out)
    if not m or "IOVA" not in m.group(1) or "not mapped" not in m.group(1):
        fail("the coverage refusal does not give the library's reason", out)
    scheds = {x["id"]: x for x in rep["schedules"]}
    for sid, cause in ((0, "not mapped"), (1, "hitless needs an atomic replace")):
        sc = scheds[sid]
        if sc["done"] != 1 or sc["failed"] != 1:
            fail("schedule %d went on after a refusal that cannot change: done %d failed %d"
                 % (sid, sc["done"], sc["failed"]), out)
        if cause not in (sc["stop_reason"] or ""):
            fail("schedule %d's stop reason does not name the cause: %r"
                 % (sid, sc["stop_reason"]), out)
        lines = sched_lines(out, sid)
        if len(lines) != 1 or "stopped" not in lines[0] or cause not in lines[0]:
            fail("schedule %d: expected one line saying it stopped and why, got %s"
                 % (sid, lines), out)
    lib = [ln for ln in out.splitlines() if "hitless needs an atomic" in ln
           and "dma_domain:" in ln]
    if lib:
        fail("the library logs a refusal that changed nothing as a warning: %s" % lib[0], out)
    sc = scheds[2]
    if sc["done"] != 100:
        fail("the forced schedule stopped on transient failures: done %d" % sc["done"], out)
    if sc["transient"] != sc["failed"]:
        fail("transient %d != failed %d" % (sc["transient"], sc["failed"]), out)
    lines = sched_lines(out, 2)
    secs = (sc["end_ms"] - sc["start_ms"]) / 1000.0
    # first failure, then at most one summary a second and one at the end
    if len(lines) > 2 + int(secs):
        fail("%d lines for %d transient failures in %.1f s (not rate-limited)"
             % (len(lines), sc["transient"], secs), out)
    if sc["transient"] >= 2 and not any(
            ("(%d in all)" % sc["transient"]) in ln for ln in lines):
        fail("no summary line with the transient failure count %d" % sc["transient"], out)
    if sc["transient"] >= 1 and "transient failure" not in lines[0]:
        fail("the first transient failure is not logged as such", out)
    ok("sched_refusal: 2 schedules stopped with one line each; %d transient failures"
       " in %d line(s)" % (sc["transient"], len(lines)))


@trlib.case()
def case_swap_log_bounded():
    """The app keeps a bounded window of swap records; the summaries count
    every swap and the report says how many records it does not list."""
    rc, out, rep = run_app("swaplog", """
domain create red mirror
swap 0 default red every 0 count 300 strategy quiesce
wait swaps
show swap log 5
expect swaps.total == 300
""", app_extra=["--swap-log", "50"])
    trlib.need_default_devices(out)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    if len(rep["swaps"]) != 50:
        fail("%d records in the report, the window is 50" % len(rep["swaps"]), out)
    if rep.get("swaps_total") != 300 or rep.get("swaps_dropped") != 250:
        fail("swaps_total %s swaps_dropped %s, expected 300 and 250"
             % (rep.get("swaps_total"), rep.get("swaps_dropped")), out)
    q = rep["summary"]["quiesce"]
    if q["swaps"] + q["failures"] != 300 or q["pause_p50_ns"] <= 0:
        fail("the summary does not count every swap: %s" % q, out)
    if rep["swaps"][-1]["t_ms"] < rep["swaps"][0]["t_ms"]:
        fail("the window is not the last records in order", out)
    ok("swap_log_bounded: 300 swaps, 50 records kept, 250 counted as dropped")


@trlib.case()
def case_safe_files():
    """The JSON report and the PNG plot never follow a link planted at their
    path or next to it: the link's target stays untouched; files are 0644."""
    d = trlib.tmpdir()
    victim = os.path.join(d, "victim")
    victim2 = os.path.join(d, "victim2")
    for v in (victim, victim2):
        with open(v, "w", encoding="utf-8") as f:
            f.write("precious\n")
    rep = os.path.join(d, "r.json")
    os.symlink(victim, rep)
    os.symlink(victim2, rep + ".tmp")
    script = "domain create red mirror\nport replace 0 red\n"
    rc, out, _ = run_app("safe1", script, json_report=False,
                         app_extra=["--json", rep, "--no-plot"])
    for v in (victim, victim2):
        with open(v, encoding="utf-8") as f:
            if f.read() != "precious\n":
                fail("the report was written through a planted link into %s" % v, out)
    if not os.path.islink(rep):
        fail("the link at the report path was replaced instead of refused", out)
    if "refusing to write '%s': it is a symbolic link" % rep not in out or rc == 0:
        fail("no clear refusal of the link at the report path (exit %d)" % rc, out)
    # A regular report path next to a planted .tmp link, a PNG path that is
    # a link, under a strict umask: report 0644, link not followed.
    rep2 = os.path.join(d, "r2.json")
    png = os.path.join(d, "r2.png")
    os.symlink(victim2, rep2 + ".tmp")
    os.symlink(victim, png)
    old = os.umask(0o077)
    try:
        rc, out, _ = run_app("safe2", script, json_report=False,
                             app_extra=["--json", rep2, "--png", png])
    finally:
        os.umask(old)
    for v in (victim, victim2):
        with open(v, encoding="utf-8") as f:
            if f.read() != "precious\n":
                fail("a file was written through a planted link into %s" % v, out)
    if not os.path.isfile(rep2) or os.path.islink(rep2):
        fail("no report at %s (exit %d)" % (rep2, rc), out)
    with open(rep2, encoding="utf-8") as f:
        json.load(f)
    mode = os.stat(rep2).st_mode & 0o777
    if mode != 0o644:
        fail("report mode %o, expected 644" % mode, out)
    if not os.path.islink(png) or "refusing to write '%s'" % png not in out:
        fail("the plot did not refuse the link at %s" % png, out)
    left = [x for x in os.listdir(d) if x.startswith(("r.json.", "r2.json.", "r2.png."))
            and not x.endswith(".tmp")]
    if left:
        fail("temporary files left behind: %s" % left, out)
    ok("safe_files: links at the report, next to it and at the PNG not followed; mode 644")

# ---- accounting and starvation (issue 12, items 0 and 1) -------------------
# Every packet tx_burst accepted is received or in exactly one named drop
# counter: wire_drops (imissed, the device had no buffer; wire=sink) or the
# driver's (rx_driver_discards, oerrors). No swap of quiesce, hitless or
# remap may cost a driver drop, however starved the poller is. The emulated
# peer wire applies back-pressure (a frame the receiver has no buffer for
# waits in the sender's ring, like a link with pause frames), so its wire
# drops stay 0 too; they are allowed, and checked to be counted.

THREAD_DEVS = ["-a", "iommufd:emu0,peer=emu1,mode=thread,cpu=0",
               "-a", "iommufd:emu1,peer=emu0"]
ACCT_SCRIPT = """
domain create red0 mirror
domain create blue0 copy red0
domain create red1 mirror
domain create blue1 copy red1
set pktlen 128
set rate {rate}
start
wait 50
swap 0 red0 blue0 every 1 count {n} strategy quiesce timeout 2000000
swap 1 red1 blue1 every 2 count {m} strategy remap timeout 2000000
wait swaps
swap 0 red0 blue0 every 1 count {m} strategy hitless timeout 2000000
wait swaps
stop
show verify
"""


def poller_cpu():
    """CPU of the forwarding lcore (EAL -l 0-1: lcore 1 on CPU 1)."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


def start_starver(cpu):
    """One CPU-bound process pinned to cpu (the deliberate starver)."""
    code = "import os\nos.sched_setaffinity(0, {%d})\nwhile True:\n    pass\n" % cpu
    return subprocess.Popen([sys.executable, "-c", code])


def run_accounting(tag, devs, starve, n):
    """quiesce swaps of port 0 every 1 ms with remap swaps of port 1 every
    2 ms, then hitless swaps of port 0, under 100 kpps per port; with starve,
    a CPU-bound process shares the poller's core throughout. Checks that the
    accounting closes exactly and that no swap lost a packet in the driver."""
    m = n // 2
    st = start_starver(poller_cpu()) if starve else None
    try:
        rc, out, rep = run_app(tag, ACCT_SCRIPT.format(rate=100000, n=n, m=m), devs)
    finally:
        if st is not None:
            st.kill()
            st.wait()
    trlib.need_default_devices(out)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    s = rep["summary"]
    want = {"quiesce": n, "remap": m, "hitless": m}
    for strat, cnt in want.items():
        got = s.get(strat, {})
        if got.get("swaps") != cnt or got.get("failures") or got.get("faults"):
            fail("%s: expected %d swaps, no failure or fault; got %s" % (strat, cnt, got), out)
    v = rep["verify"]
    if v["duplicated"] or v["corrupted"] or v["reordered"]:
        fail("duplicated %d reordered %d corrupted %d"
             % (v["duplicated"], v["reordered"], v["corrupted"]), out)
    if v["sent"] < 10000:
        fail("too little traffic (%d sent)" % v["sent"], out)
    # closes exactly: sent == received (unique) + named drop counters
    if v["sent"] != v["unique"] + v["wire_drops"] + v["driver_discards"]:
        fail("sent %d != received %d + wire drops %d + driver discards %d"
             % (v["sent"], v["unique"], v["wire_drops"], v["driver_discards"]), out)
    # imissed is the device's: it matches the emulated device's own count
    # (driver discards are never in it)
    for p in rep["port_stats"]:
        if p["imissed"] != p["device_rx_dropped"]:
            fail("port %d: imissed %d, but the device dropped %d on receive: the driver "
                 "counted %d of its own losses as the device's"
                 % (p["port"], p["imissed"], p["device_rx_dropped"],
                    p["imissed"] - p["device_rx_dropped"]), out)
    if v["unaccounted"]:
        fail("%d packets lost and in no counter" % v["unaccounted"], out)
    if v["driver_lost"] or v["driver_discards"]:
        fail("driver lost %d (discards %d) under quiesce/remap/hitless swaps"
             % (v["driver_lost"], v["driver_discards"]), out)
    swaps = sum(want.values())
    pause = s["quiesce"]["pause_p50_ns"] / 1000.0
    ok("%s: %d swaps (quiesce pause p50 %.0f us), sent %d = received %d + wire drops %d "
       "(%.2f per swap) + driver discards 0; driver lost 0"
       % (tag, swaps, pause, v["sent"], v["unique"], v["wire_drops"],
          v["wire_drops"] / float(swaps)))


@trlib.case()
def case_accounting_inline():
    """Idle, emulated devices inline (in the poller's calls)."""
    run_accounting("acct_inline", (), False, 1500)


@trlib.case()
def case_accounting_thread():
    """Idle, emu0's engine on its own thread (its wire keeps running while
    the poller is parked or descheduled)."""
    run_accounting("acct_thread", THREAD_DEVS, False, 1500)


@trlib.case()
def case_starved_inline():
    """A CPU-bound process on the poller's core: swaps every 1 ms find the
    packets an earlier pause carried over unread; nothing may be lost."""
    run_accounting("starved_inline", (), True, 800)


@trlib.case()
def case_starved_thread():
    """Starved poller, emu0's engine on its own thread."""
    run_accounting("starved_thread", THREAD_DEVS, True, 600)



@trlib.case()
def case_port_stop_race():
    """'port stop' / 'port start' while periodic swaps run on the ports
    (the PMD's device reset and queue setup against a swap's driver
    callbacks): serialised with the swaps (the app's domain lock), no
    command error, every swap succeeds, 0 faults, traffic verified."""
    cycles = "".join("stop\nport stop all\nport start all\nstart\nwait 10\n"
                     for _ in range(30))
    rc, out, rep = run_app("pstop", """
domain create red0 mirror
domain create blue0 copy red0
domain create red1 mirror
domain create blue1 copy red1
set pktlen 128
set rate 50000
start
swap 0 red0 blue0 every 1 strategy quiesce timeout 1000000
swap 1 red1 blue1 every 1 strategy remap timeout 1000000
%s
swap stop all
wait swaps
stop
show swap stats
show verify
""" % cycles)
    trlib.need_default_devices(out)
    if rc != 0 or rep is None:
        fail("app exited %d" % rc, out)
    if rep["command_errors"]:
        fail("%d command errors" % rep["command_errors"], out)
    s = rep["summary"]
    for strat in ("quiesce", "remap"):
        got = s.get(strat, {})
        if not got.get("swaps") or got.get("failures") or got.get("faults"):
            fail("%s: %s (expected swaps, 0 failures, 0 faults)" % (strat, got), out)
    if rep["dma_faults"]:
        fail("%d DMA faults" % rep["dma_faults"], out)
    v = rep["verify"]
    if v["corrupted"] or v["duplicated"] or v["received"] == 0:
        fail("corrupted %d duplicated %d received %d"
             % (v["corrupted"], v["duplicated"], v["received"]), out)
    ok("port_stop_race: 30 port stop/start cycles under swaps every 1 ms: quiesce %d, "
       "remap %d swaps, 0 failed, 0 faults" % (s["quiesce"]["swaps"], s["remap"]["swaps"]))


if __name__ == "__main__":
    trlib.main(globals(), "test_app.py")
