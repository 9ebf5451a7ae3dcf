#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Collect the outputs of scripts/bench.sh into one report.

Usage: bench_report.py --out DIR --build-dir BDIR --dpdk-version V
                       [--source TOP] [--mode quick|full] [--note TEXT]
                       [--doc doc/guides/performance.rst]

Reads DIR/dma-domain-bench.json, DIR/virtio-bench.json, DIR/hotpath.json,
DIR/io-inline.json, DIR/io-thread.json and DIR/demo/demo-report.json (each
optional: a missing one is reported and its figures left out), writes:

  DIR/report.json            {"schema", "meta", "figures", "raw"}: every figure
                             is {"value", "kind" (ratio|rate|time), "better"
                             (higher|lower), "unit"} plus, for medians of
                             rounds, their spread (p25, p75, min, max, n)
  DIR/virtio-ratios.png      per-pair ratios, swap / no swap (box plots)
  DIR/hotpath.png            per-pair ratios, pause check / none
  DIR/pause.png              pause and switch times per strategy
  DIR/performance-table.rst  the tables, for doc/guides/performance.rst

With --doc, the text between the lines ".. bench-table-begin" and
".. bench-table-end" of that file is replaced by the table.
Every figure states machine, cores, DPDK version and build type.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import textwrap

SCHEMA = 1


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        print("bench_report: %s missing: its figures are left out" % path, file=sys.stderr)
    except ValueError as e:
        print("bench_report: %s is not JSON (%s): its figures are left out" % (path, e),
              file=sys.stderr)
    return None


def quartiles(v):
    """median, p25, p75 (linear interpolation, as virtio-bench computes them)"""
    s = sorted(v)
    n = len(s)

    def q(p):
        pos = p * (n - 1)
        i = int(pos)
        return s[-1] if i + 1 >= n else s[i] + (pos - i) * (s[i + 1] - s[i])
    return q(0.5), q(0.25), q(0.75)


def spread_figure(values, kind, better, unit=""):
    med, p25, p75 = quartiles(values)
    return {"value": round(med, 5), "kind": kind, "better": better, "unit": unit,
            "p25": round(p25, 5), "p75": round(p75, 5), "min": round(min(values), 5),
            "max": round(max(values), 5), "n": len(values)}


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def build_type(bdir):
    try:
        with open(os.path.join(bdir, "meson-info", "intro-buildoptions.json"),
                  encoding="utf-8") as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
        san = opts.get("b_sanitize", "none")
        return "plain, meson %s%s" % (opts.get("buildtype", "?"),
                                      "" if san in ("none", "") else ", sanitize=" + san)
    except (OSError, ValueError, KeyError):
        return "plain"


def git_commit(top):
    """HEAD, "-dirty" when a tracked file differs (the tables this script
    writes into doc/guides/performance.rst do not count)."""
    def git(*a):
        return subprocess.run(["git", "-C", top] + list(a), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True,
                              check=True, timeout=10).stdout.strip()
    try:
        c = git("rev-parse", "--short", "HEAD")
        if git("status", "--porcelain", "--untracked-files=no", "--", ".",
               ":!doc/guides/performance.rst"):
            c += "-dirty"
        return c or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def meta_of(args):
    return {
        "machine": "%s (%s)" % (socket.gethostname(), cpu_model()),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "dpdk": args.dpdk_version,
        "build": build_type(args.build_dir),
        "commit": git_commit(args.source),
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "mode": args.mode,
        "note": args.note or "",
    }


def meta_line(m):
    s = "%s, %s cores, Linux %s; DPDK %s, build %s; commit %s, %s, %s mode" % (
        m["machine"], m["cores"], m["kernel"], m["dpdk"], m["build"], m["commit"],
        m["date"], m["mode"])
    if m.get("load_avg"):
        s += "; load average %s at the end" % m["load_avg"][0]
    if m.get("note"):
        s += "; " + m["note"]
    return s


def period_name(us):
    return "%gms" % (us / 1000.0)


def figures_virtio(vb, fig):
    for p in vb.get("points", []):
        key = "virtio.%dB" % p["frame"]
        fig[key + ".noswap_mpps." + period_name(p["period_us"])] = spread_figure(
            p["noswap_mpps_rounds"], "rate", "higher", "Mpps")
        fig[key + ".swap_" + period_name(p["period_us"]) + ".ratio"] = spread_figure(
            p["ratio_rounds"], "ratio", "higher")
        if "ratio_cpu_rounds" in p:
            fig[key + ".swap_" + period_name(p["period_us"]) + ".ratio_cpu"] = spread_figure(
                p["ratio_cpu_rounds"], "ratio", "higher")
    # no-swap rate of a frame size: all its no-swap rounds
    by_len = {}
    for p in vb.get("points", []):
        by_len.setdefault(p["frame"], []).extend(p["noswap_mpps_rounds"])
    for ln, v in by_len.items():
        fig["virtio.%dB.noswap_mpps" % ln] = spread_figure(v, "rate", "higher", "Mpps")


def figures_hotpath(hp, fig):
    for p in hp.get("hotpath", []):
        k = "hotpath.pmd.%dB." % p["frame"]
        fig[k + "ratio"] = spread_figure(p["ratio_rounds"], "ratio", "higher")
        if "ratio_cpu_rounds" in p:
            fig[k + "ratio_cpu"] = spread_figure(p["ratio_cpu_rounds"], "ratio", "higher")
        fig[k + "check_mpps"] = spread_figure(p["check_mpps_rounds"], "rate", "higher", "Mpps")
        fig[k + "nocheck_mpps"] = spread_figure(p["nocheck_mpps_rounds"], "rate", "higher",
                                                "Mpps")


def figures_dd(dd, fig):
    for r in dd.get("results", []):
        k = "dd.%s.q%d" % (r["strategy"], r["queues"])
        for f in ("pause_p50_ns", "pause_p99_ns", "switch_p50_ns"):
            fig["%s.%s" % (k, f)] = {"value": r[f], "kind": "time", "better": "lower",
                                      "unit": "ns"}
    hp = dd.get("hot_path")
    if hp:
        # cycles with the check / without: lower is better
        fig["hotpath.synthetic.ratio"] = {"value": hp["ratio"], "kind": "ratio",
                                          "better": "lower", "unit": ""}
    q = {r["queues"]: r for r in dd.get("results", []) if r["strategy"] == "quiesce"}
    rm = [r for r in dd.get("results", []) if r["strategy"] == "remap"]
    if 1 in q and rm and q[1]["switch_p50_ns"] > 0:
        fig["dd.remap_over_quiesce.switch_p50"] = {
            "value": round(rm[0]["switch_p50_ns"] / q[1]["switch_p50_ns"], 3),
            "kind": "ratio", "better": "higher", "unit": ""}


IO_PHASES = ("park", "coverage", "quiesce", "switch", "resume", "device", "libdrv")


def figures_io(io, fig):
    """the io-forwarding pause of each device placement (inline, thread)"""
    for p in io:
        k = "io.%s." % p["device"]
        fig[k + "pause_p50_us"] = {"value": p["pause_p50_us"], "kind": "time",
                                   "better": "lower", "unit": "us"}
        fig[k + "pause_p99_us"] = {"value": p["pause_p99_us"], "kind": "time",
                                   "better": "lower", "unit": "us"}
        for ph in IO_PHASES:
            fig[k + ph + "_p50_us"] = {"value": p["phases_us"][ph], "kind": "time",
                                       "better": "lower", "unit": "us"}


def figures_demo(demo, fig):
    for strat, s in demo.get("summary", {}).items():
        for f in ("pause_p50_ns", "pause_p99_ns", "switch_p50_ns"):
            if f in s:
                fig["demo.%s.%s" % (strat, f)] = {"value": s[f], "kind": "time",
                                                   "better": "lower", "unit": "ns"}
        fig["demo.%s.failures" % strat] = {"value": s.get("failures", 0), "kind": "count",
                                           "better": "lower", "unit": ""}


# ---- plots -------------------------------------------------------------------

def plt_module():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("bench_report: no matplotlib (scripts/setup.sh installs python3-matplotlib; "
              "run with /usr/bin/python3): no plots", file=sys.stderr)
        return None


def stamp(fig, meta):
    fig.text(0.01, 0.005, meta_line(meta), fontsize=6.5, ha="left", va="bottom",
             wrap=True)


def plot_virtio(plt, vb, meta, path):
    pts = vb.get("points", [])
    if not pts:
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    data = [p["ratio_rounds"] for p in pts]
    labels = ["%d B\nswap %s" % (p["frame"], period_name(p["period_us"])) for p in pts]
    ax.boxplot(data, labels=labels, whis=(0, 100))
    for x, p in enumerate(pts, 1):
        ax.plot([x] * len(p["ratio_rounds"]), p["ratio_rounds"], ".", alpha=0.4, color="tab:blue")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.axhline(0.99, color="tab:green", lw=0.8, ls="--", label="0.99 (10 ms target)")
    ax.axhline(0.95, color="tab:orange", lw=0.8, ls="--", label="0.95 (1 ms target)")
    ax.set_ylabel("rate with swaps / without (per pair)")
    ax.set_title("virtio-bench: %d interleaved pairs of %.0f ms rounds per point"
                 % (vb.get("rounds", 0), vb.get("round_s", 0) * 1e3))
    ax.legend(fontsize=7)
    stamp(fig, meta)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_hotpath(plt, hp, meta, path):
    pts = hp.get("hotpath", [])
    if not pts:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    data = [p["ratio_rounds"] for p in pts]
    ax.boxplot(data, labels=["%d B" % p["frame"] for p in pts], whis=(0, 100))
    for x, v in enumerate(data, 1):
        ax.plot([x] * len(v), v, ".", alpha=0.5, color="tab:blue")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.axhline(0.99, color="tab:green", lw=0.8, ls="--", label="0.99 (target)")
    ax.set_ylabel("rate with pause check / without (per pair)")
    ax.set_title("Hot path through the PMD: %d interleaved pairs of %.0f ms rounds"
                 % (hp.get("rounds", 0), hp.get("round_s", 0) * 1e3))
    ax.legend(fontsize=7)
    stamp(fig, meta)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_pause(plt, dd, demo, meta, path):
    rows = []
    for r in (dd or {}).get("results", []):
        rows.append(("lib %s %dq" % (r["strategy"], r["queues"]), r["pause_p50_ns"],
                     r["pause_p99_ns"], r["switch_p50_ns"]))
    for strat, s in (demo or {}).get("summary", {}).items():
        rows.append(("demo %s" % strat, s.get("pause_p50_ns", 0), s.get("pause_p99_ns", 0),
                     s.get("switch_p50_ns", 0)))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = range(len(rows))
    w = 0.27
    for k, (lab, col) in enumerate((("pause p50", "tab:blue"), ("pause p99", "tab:cyan"),
                                    ("switch p50", "tab:orange"))):
        ax.bar([i + (k - 1) * w for i in x], [max(r[k + 1], 1) / 1e3 for r in rows], w,
               label=lab, color=col)
    ax.set_yscale("log")
    ax.set_xticks(list(x))
    ax.set_xticklabels([r[0] for r in rows], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("microseconds (log)")
    ax.set_title("Pause and switch times: library (dma-domain-bench) and demo scenario")
    ax.legend(fontsize=7)
    stamp(fig, meta)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---- table -------------------------------------------------------------------

def rst_table(header, rows):
    cols = list(zip(*([header] + rows)))
    widths = [max(len(str(c)) for c in col) for col in cols]
    sep = "  ".join("=" * w for w in widths)
    fmt = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([sep, fmt(header), sep] + [fmt(r) for r in rows] + [sep])


def spread_txt(f, digits=3):
    return "%.*f (%.*f-%.*f)" % (digits, f["value"], digits, f["p25"], digits, f["p75"])


def minmax_txt(f, digits=3):
    return "%.*f-%.*f" % (digits, f["min"], digits, f["max"])


def io_table(io):
    rows = [[p["device"], p["phases_us"]["swaps"], "%.2f" % p["mpps"]["median"],
             "%.1f" % p["pause_p50_us"], "%.1f" % p["pause_p99_us"]] +
            ["%.1f" % p["phases_us"][ph] for ph in IO_PHASES] for p in io]
    return ["Pause of a ``quiesce`` swap under io forwarding at full speed (virtio-bench "
            "--io: each port sends back what it receives, %d bursts of 32 per port in "
            "circulation, %d-byte frames, a swap every %.0f ms, ports in turn), "
            "microseconds; the phases are medians over the swaps: park (until the "
            "poller's next burst), coverage (both walks), quiesce and resume (the "
            "driver's callbacks), device (the emulated device's work the controller ran "
            "or waited for inside the swap: hardware does it on its own), libdrv (pause "
            "minus park minus device: the library's and the driver's time). \"inline\": "
            "the device's work in the driver's calls; \"thread\": each device on an "
            "engine thread (pinned to the controller's CPU on a 2-core machine):"
            % (io[0]["txfirst"], io[0]["frame"], io[0]["period_us"] / 1000.0), "",
            rst_table(["device", "swaps", "Mpps", "pause p50", "pause p99"] +
                      list(IO_PHASES), rows), ""]


def table(meta, fig, vb, hp, io=None):
    out = [".. generated by scripts/bench.sh (scripts/bench_report.py): do not edit by hand",
           "", "Machine: " + meta_line(meta) + ".", ""]
    frames = sorted({int(k.split(".")[1][:-1]) for k in fig if k.startswith("virtio.")})
    if frames:
        periods = sorted({p["period_us"] for p in vb.get("points", [])}, reverse=True)
        header = ["frame", "no-swap Mpps"]
        for us in periods:
            header += ["swap %s ratio (IQR)" % period_name(us), "%s min-max" % period_name(us),
                       "%s per CPU s" % period_name(us)]
        rows = []
        for ln in frames:
            r = [ln, spread_txt(fig["virtio.%dB.noswap_mpps" % ln])]
            for us in periods:
                f = fig.get("virtio.%dB.swap_%s.ratio" % (ln, period_name(us)))
                fc = fig.get("virtio.%dB.swap_%s.ratio_cpu" % (ln, period_name(us)))
                r += [spread_txt(f, 4), minmax_txt(f, 4)] if f else ["-", "-"]
                r += ["%.4f" % fc["value"] if fc else "-"]
            rows.append(r)
        out += ["Packet rate, no swap against a ``quiesce`` swap every 10 ms and every "
                "1 ms: median of %d interleaved pairs of %.0f ms rounds (ratio per pair: "
                "swap / no swap), quartiles in parentheses, then min-max of the pairs; "
                "\"per CPU s\": the median ratio of the rates per second of the polling "
                "thread's CPU time (what other processes took of its core left out):"
                % (vb.get("rounds", 0), vb.get("round_s", 0) * 1e3), "",
                rst_table(header, rows), ""]
    hpf = [(ln, fig["hotpath.pmd.%dB.ratio" % ln]) for ln in frames
           if "hotpath.pmd.%dB.ratio" % ln in fig]
    if hpf:
        rows = [[ln, spread_txt(fig["hotpath.pmd.%dB.check_mpps" % ln]),
                 spread_txt(fig["hotpath.pmd.%dB.nocheck_mpps" % ln]),
                 spread_txt(f, 4), minmax_txt(f, 4),
                 "%.4f" % fig["hotpath.pmd.%dB.ratio_cpu" % ln]["value"]
                 if "hotpath.pmd.%dB.ratio_cpu" % ln in fig else "-"] for ln, f in hpf]
        out += ["Hot path through the PMD: rate with the pause check / without it (the "
                "PMD's bursts compiled without the check, ``-Dbench_no_pause_check=true``), "
                "median of %d interleaved pairs of %.0f ms rounds (quartiles; min-max):"
                % (hp.get("rounds", 0), hp.get("round_s", 0) * 1e3), "",
                rst_table(["frame", "check Mpps", "no check Mpps", "ratio (IQR)",
                           "min-max", "per CPU s"], rows), ""]
    if io:
        out += io_table(io)
    if "hotpath.synthetic.ratio" in fig:
        out += ["Synthetic burst loop of dma-domain-bench (cycles with the check / "
                "without, best of 15 rounds): %.4f." % fig["hotpath.synthetic.ratio"]["value"],
                ""]
    rows = []
    for k in sorted(fig):
        if k.startswith(("dd.quiesce.", "dd.remap.")) and k.endswith("pause_p50_ns"):
            base = k[:-len("pause_p50_ns")]
            _, strat, q = base.strip(".").split(".")
            rows.append(["library " + strat, q[1:], "%.1f" % (fig[k]["value"] / 1e3),
                         "%.1f" % (fig[base + "pause_p99_ns"]["value"] / 1e3),
                         "%.2f" % (fig[base + "switch_p50_ns"]["value"] / 1e3)])
    for k in sorted(fig):
        if k.startswith("demo.") and k.endswith("pause_p50_ns"):
            base = k[:-len("pause_p50_ns")]
            strat = base.split(".")[1]
            rows.append(["demo " + strat, "-", "%.1f" % (fig[k]["value"] / 1e3),
                         "%.1f" % (fig[base + "pause_p99_ns"]["value"] / 1e3),
                         "%.2f" % (fig[base + "switch_p50_ns"]["value"] / 1e3)])
    if rows:
        out += ["Pause and switch times (microseconds; library: dma-domain-bench, "
                "soft backend; demo: dpdk-test-replace's scenario):", "",
                rst_table(["where", "queues", "pause p50", "pause p99", "switch p50"], rows),
                ""]
    # prose wrapped, tables and comments as they are
    return "\n".join(textwrap.fill(l, 76) if l and not l.startswith(("..", "=", " "))
                     and "  " not in l else l for l in out)


def update_doc(path, text):
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    b, e = ".. bench-table-begin", ".. bench-table-end"
    if b not in doc or e not in doc:
        raise SystemExit("bench_report: %s has no '%s' ... '%s' lines to replace" % (path, b, e))
    head, rest = doc.split(b, 1)
    _, tail = rest.split(e, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + b + "\n\n" + text + "\n" + e + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--dpdk-version", required=True)
    ap.add_argument("--source", default=".")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--note", default="")
    ap.add_argument("--doc")
    args = ap.parse_args()

    meta = meta_of(args)
    dd = load(os.path.join(args.out, "dma-domain-bench.json"))
    vb = load(os.path.join(args.out, "virtio-bench.json"))
    demo = load(os.path.join(args.out, "demo", "demo-report.json"))
    hp = load(os.path.join(args.out, "hotpath.json"))
    io = [j["io"][0] for j in (load(os.path.join(args.out, "io-%s.json" % d))
                               for d in ("inline", "thread")) if j and j.get("io")]
    fig = {}
    if dd:
        figures_dd(dd, fig)
    if vb:
        figures_virtio(vb, fig)
    if hp:
        figures_hotpath(hp, fig)
    if demo:
        figures_demo(demo, fig)
    figures_io(io, fig)
    report = {"schema": SCHEMA, "meta": meta, "figures": fig,
              "raw": {"dma_domain_bench": dd, "virtio_bench": vb,
                      "hotpath": hp, "io": io,
                      "demo_summary": (demo or {}).get("summary")}}
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, sort_keys=True)
        f.write("\n")
    text = table(meta, fig, vb or {}, hp or {}, io)
    with open(os.path.join(args.out, "performance-table.rst"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    plt = plt_module()
    if plt is not None:
        if vb:
            plot_virtio(plt, vb, meta, os.path.join(args.out, "virtio-ratios.png"))
        if hp:
            plot_hotpath(plt, hp, meta, os.path.join(args.out, "hotpath.png"))
        plot_pause(plt, dd, demo, meta, os.path.join(args.out, "pause.png"))
    if args.doc:
        update_doc(args.doc, text)
    print(text)
    print("bench: report %s/report.json, table %s/performance-table.rst%s" % (
        args.out, args.out, ", plots %s/*.png" % args.out if plt else ""))
    if not (dd and vb and hp and demo and len(io) == 2):
        print("bench: some benchmarks gave no result (see the messages above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
