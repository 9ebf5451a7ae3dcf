# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Helpers of the dpdk-test-replace and testpmd-plugin tests.

Environment (meson's test_env): BUILD_ROOT, SOURCE_ROOT, DPDK_PREFIX,
PLUGIN_DIR.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

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
# Tests wait for events (an output line, a counter, a report field), never
# for a time; this deadline only turns a hang into a failure.
DEADLINE = 60.0


def fail(why, out=None):
    print("FAIL: " + why)
    if out is not None:
        print("---- output ----")
        print(out)
    sys.exit(1)


def ok(what):
    print("PASS: " + what)
    sys.exit(0)


SUITES = ("unit", "integration", "concurrency", "e2e", "vm")


def case(suite="e2e", timeout=120):
    """Marks a case_<name> function as a meson test: its suite(s) (a comma-
    separated string) and timeout in seconds. The script's --list prints
    them, and tests/meson.build declares one test per line
    (tests/common/list-cases.py --script): this is their one list."""
    def mark(fn):
        fn.suite = suite
        fn.timeout = timeout
        return fn
    return mark


def cases_of(scope, prog):
    """{name: function} of the case_<name> functions of scope, in the
    order of their definition; each must carry @case."""
    cases = {k[5:]: v for k, v in list(scope.items()) if k.startswith("case_")}
    for name, fn in cases.items():
        if not hasattr(fn, "suite") or not hasattr(fn, "timeout"):
            print("%s: case_%s has no @trlib.case(suite, timeout): add it" % (prog, name),
                  file=sys.stderr)
            sys.exit(2)
    return cases


def main(scope, prog):
    """Runs the case_<name> function of scope that argv[1] names; with
    --list, prints 'name suite[,suite] timeout' for each case instead."""
    cases = cases_of(scope, prog)
    if sys.argv[1:] == ["--list"]:
        for name, fn in cases.items():
            print("%s %s %d" % (name, fn.suite, fn.timeout))
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print("usage: %s <%s> | --list" % (prog, "|".join(cases)))
        sys.exit(2)
    if not BUILD:
        fail("BUILD_ROOT not set: cannot find the build's artifacts (run through meson test)")
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
    need_artifacts(APP)
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


def need_artifacts(*paths):
    """Every file of this project (or of the DPDK scripts/setup.sh builds)
    that a test needs: a missing one is a FAIL, never a skip."""
    for f in paths:
        if not os.path.exists(f):
            fail("missing %s (built by scripts/build.sh, or by scripts/setup.sh for DPDK's)" % f)


def need_default_devices(out):
    """The embedded default devices (emulated virtio-net model) must exist:
    they are this project's, their absence is a FAIL."""
    if NO_MODEL in out:
        fail("the emulated virtio-net model is not registered (drivers/bus/iommufd/emu)", out)
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


class Live:
    """A running process whose output (stdout and stderr together) a thread
    collects, so that a test can wait for an event in it (wait_for())."""

    def __init__(self, cmd, env=None, line_buffered=True):
        # stdbuf: stdout is a pipe here; line-buffer it so that a line is
        # readable as soon as it is printed.
        self.p = subprocess.Popen((["stdbuf", "-oL"] if line_buffered else []) + list(cmd),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True,
                                  env=env)
        self.text = ""
        self.eof = False
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        fd = self.p.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            with self.cond:
                if data:
                    self.text += data.decode(errors="replace")
                else:
                    self.eof = True
                self.cond.notify_all()
            if not data:
                return

    def mark(self):
        """Where the output is now (for wait_for's start)."""
        with self.cond:
            return len(self.text)

    def wait_for(self, pattern, why, start=0, deadline=DEADLINE):
        """The first match of the regex pattern in the output from start on;
        fails (with the output) when the process ends or the deadline passes
        first."""
        rx = re.compile(pattern)
        with self.cond:
            found = self.cond.wait_for(lambda: rx.search(self.text, start) or self.eof,
                                       timeout=deadline)
            m = rx.search(self.text, start)
            text = self.text
        if m is None:
            self.p.kill()
            need_default_devices(text)
            fail("%s: no '%s' in the output %s" % (why, pattern, "(the process ended)"
                                                    if found else "within %ds" % deadline),
                 text)
        return m

    def finish(self, stdin_text=None, deadline=DEADLINE):
        """Closes stdin (after writing stdin_text), waits for the exit;
        returns (exit status, output)."""
        try:
            if stdin_text:
                self.p.stdin.write(stdin_text)
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            self.reader.join(deadline)
            fail("the process did not exit within %ds" % deadline, self.text)
        self.reader.join(deadline)
        return self.p.returncode, self.text
