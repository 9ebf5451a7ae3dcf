# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the dpdk-test-replace and testpmd-plugin tests.

Environment (meson's test_env): BUILD_ROOT, SOURCE_ROOT, DPDK_PREFIX,
PLUGIN_DIR.
"""
import json
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("BUILD_ROOT", "")
SOURCE = os.environ.get("SOURCE_ROOT", "")
PREFIX = os.environ.get("DPDK_PREFIX", "")
APP = os.path.join(BUILD, "app/test-replace/dpdk-test-replace")
# -d plugins: the build's copies in the cache (scripts/plugins.sh), as the
# EAL refuses plugins below a world-writable directory (a build under /tmp).
# dpdk-test-replace links the bus and the PMD: give it only PLUGIN.
PLUGIN_DIR = os.environ.get("PLUGIN_DIR", "")
BUS = os.path.join(PLUGIN_DIR, "librte_bus_iommufd.so")
PMD = os.path.join(PLUGIN_DIR, "librte_net_virtio_iommufd.so")
PLUGIN = os.path.join(PLUGIN_DIR, "librte_testpmd_dma_domain.so")
TESTPMD = os.path.join(PREFIX, "bin/dpdk-testpmd")

NO_MODEL = "no such emulated device model"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def fail(why, out=None):
    print("FAIL: " + why)
    if out is not None:
        print("---- output ----")
        print(out)
    sys.exit(1)


def ok(what):
    print("PASS: " + what)
    sys.exit(0)


def main(scope, prog):
    """Runs the case_<name> function of scope that argv[1] names."""
    cases = {k[5:]: v for k, v in list(scope.items()) if k.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print("usage: %s <%s>" % (prog, "|".join(cases)))
        sys.exit(2)
    if not BUILD:
        skip("BUILD_ROOT not set (run through meson test)")
    cases[sys.argv[1]]()


def eal(tag, telemetry=False):
    """EAL options valid on 22.11 and 25.11 (22.11 refuses --no-huge with
    --in-memory), with a file prefix of our own."""
    args = ["-l", "0-1", "--no-huge", "-m", "256", "--no-shconf", "--no-pci",
            "--file-prefix", "tr_%s_%d" % (tag, os.getpid())]
    if not telemetry:
        args.append("--no-telemetry")
    return args


def tmpdir():
    return tempfile.mkdtemp(prefix="tr-test-")


def run_app(tag, script_text, eal_extra=(), app_extra=(), timeout=120,
            json_report=True, stdin=None):
    """Run dpdk-test-replace on a script; returns (rc, output, report)."""
    if not os.path.exists(APP):
        fail("app not built: " + APP)
    d = tmpdir()
    script = os.path.join(d, "t.script")
    with open(script, "w", encoding="utf-8") as f:
        f.write(script_text)
    rep = os.path.join(d, "report.json")
    cmd = [APP] + eal(tag) + list(eal_extra) + ["--", "--script", script,
                                                "--no-progress"]
    if json_report:
        cmd += ["--json", rep, "--no-plot"]
    cmd += list(app_extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, check=False, input=stdin,
                       universal_newlines=True)
    report = None
    if json_report and os.path.exists(rep):
        with open(rep, encoding="utf-8") as f:
            report = json.load(f)
    return p.returncode, p.stdout, report


def need_default_devices(out):
    """Skip when the emulated virtio-net model is not available yet."""
    if NO_MODEL in out:
        skip("the emulated virtio-net model is not registered (drivers/bus/iommufd/emu)")
    if "warning: no ethdev port" in out:
        fail("the embedded default devices gave no ethdev port", out)


def preload_env(plugin):
    """Environment for a stock binary (testpmd) that loads our plugins:
    when they are built with a sanitizer, its runtime must be preloaded
    (it must come first); leaks of the stock binary are not ours."""
    env = dict(os.environ)
    try:
        ldd = subprocess.run(["ldd", plugin], stdout=subprocess.PIPE, check=False,
                             universal_newlines=True).stdout
    except OSError:
        return env
    for line in ldd.splitlines():
        parts = line.split()
        for rt in ("libasan", "libtsan"):
            if parts and parts[0].startswith(rt) and "=>" in parts:
                env["LD_PRELOAD"] = parts[parts.index("=>") + 1]
                env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env
