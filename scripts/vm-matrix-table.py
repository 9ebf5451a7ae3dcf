#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""The atomicity matrix (issue 15) from a VM-tier run: one row per IOMMU
boot that ran (scripts/vm-run.sh; tests/vm/meson.build registers the same
experiment per boot), as an rst table, and the matrix's own verdicts.

    vm-matrix-table.py RUNDIR [--doc FILE] [--results FILE]

RUNDIR is BUILDDIR/vm-tier of a VM-tier run (plan.json, summary.txt,
tests/<name>.log, results-<boot>.txt, console-<boot>.log). The table goes
to stdout; --doc FILE writes it, with the run's date and the command that
reproduces it, to FILE (doc/guides/atomicity_matrix.txt, which the
performance guide includes). --results FILE appends the verdicts
('PASS vm/matrix-<boot>' or 'FAIL vm/matrix-<boot>: why') to the VM tier's
results file.

A cell says what was measured, or 'not supported: IOCTL refused with
ERRNO (errno N)' when 'vm-matrix-test gate' found the guest kernel refusing
what the experiment needs, as the test's env said it would (a measured
result: the test passed), never an empty cell. Verdicts per boot (beyond
the tests' own, which the harness gives: faults QEMU traced that the
framework did not see fail vm-*-pmd-hitless; a quiesce fault fails
vm-*-pmd-quiesce):
  - the backend's default strategy for this IOMMU (vm-*-matrix-info) is
    hitless while forced-hitless replaces faulted (QEMU fault trace events,
    or QEMU's own device errors: a DMA the model refused untraced): FAIL;
  - forced-hitless replaces during which QEMU refused DMA (trace events or
    its device's error lines) while the framework saw no fault: FAIL (the
    harness fails the test itself for traced faults; error lines are the
    only trace of AMD-Vi's blocked window);
  - a cell without a measurement (its test failed, or did not run): FAIL.
Exit status 0, also when verdicts fail (they are in --results).
"""
import json
import os
import re
import subprocess
import sys
import time

# Rows in this order; boots not in the run are left out.
MODELS = [('intel-iommu', 'VT-d (intel-iommu)'), ('amd-iommu', 'AMD-Vi (amd-iommu)'),
          ('virtio-iommu', 'virtio-iommu (virtio-iommu-pci)'),
          ('smmuv3', 'SMMUv3 (aarch64 virt, iommu=smmuv3)')]
CASES = ('matrix-info', 'pmd-hitless', 'pmd-quiesce', 'iommufd-latency', 'ioas-latency')
# The matrix's own tests: vm-<tag>-<case> (tests/vm/meson.build).
MATRIX_TEST = re.compile(r'^vm-(vtd|amdvi|viommu|smmuv3)-(%s)$' % '|'.join(CASES))
FAULTS = re.compile(r'^(\S+): rc=(\S+), DMA faults \(QEMU [^)]* trace\)=(\d+)'
                    r'(?:, faults seen by the framework=(\d+))?')
SWAPS = re.compile(r'^(\S+): (\d+) swaps, (\d+) with QEMU faults during the call, '
                   r'(\d+) of those returned 0 with no fault seen')
QERR = re.compile(r'^(\S+): QEMU device errors=(\d+), first: (.*)$')
LAT = re.compile(r'^(\S+): latency replace (HWPT<->HWPT|IOAS<->IOAS): n=(\d+) '
                 r'median=([\d.]+) us p99=([\d.]+) us')
INFO = re.compile(r'^vm-matrix iommu=(\S+) hw_info=(\S+) default=(\S+)')
HITLESS = re.compile(r'^vm-matrix hitless: (\d+) of (\d+) replaces done, (.*)$')
QUIESCE = re.compile(r'^vm-matrix quiesce: (\d+) replaces')
NOT_SUPPORTED = re.compile(r'^vm-matrix not supported: (\S+) refused with (\S+) '
                           r'\(errno (\d+)\) on (\S+): (.*)$')
HEAD = ('IOMMU (QEMU device)', 'kernel', 'QEMU', 'forced-hitless replaces under traffic',
        'quiesce replaces', 'replace HWPT<->HWPT', 'replace IOAS<->IOAS',
        'default strategy', 'verdict')
COMMAND = 'TEST_TIERS=vm ./scripts/run-tests.sh'


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def qemu_version():
    try:
        out = subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return 'not installed'
    m = re.search(r'version (\S+)', out)
    return m.group(1) if m else 'unknown'


def case_of(name):
    m = MATRIX_TEST.match(name)
    return m.group(2) if m else None


class Run:
    """What the VM tier recorded for the tests of one run directory."""

    def __init__(self, rundir):
        self.dir = rundir
        self.plan = json.loads(read(os.path.join(rundir, 'plan.json')) or '{}')
        self.results = {}
        for f in sorted(os.listdir(rundir)):
            if f.startswith('results-') and f.endswith('.txt'):
                for line in read(os.path.join(rundir, f)).splitlines():
                    m = re.match(r'^(PASS|FAIL) vm/([^:]+)(?::\s*(.*))?$', line)
                    if m:
                        self.results[m.group(2)] = (m.group(1), m.group(3) or '')
        self.faults, self.swaps, self.lat, self.qerr = {}, {}, {}, {}
        for line in read(os.path.join(rundir, 'summary.txt')).splitlines():
            m = FAULTS.match(line)
            if m:
                self.faults[m.group(1)] = (int(m.group(3)), m.group(4))
            m = SWAPS.match(line)
            if m:
                self.swaps[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
            m = QERR.match(line)
            if m:
                self.qerr[m.group(1)] = (int(m.group(2)), m.group(3))
            m = LAT.match(line)
            if m:
                self.lat[(m.group(1), m.group(2))] = (int(m.group(3)), float(m.group(4)),
                                                      float(m.group(5)))

    def passed(self, name):
        return self.results.get(name, ('FAIL',))[0] == 'PASS'

    def why(self, name):
        st, why = self.results.get(name, ('FAIL', 'no result line (did not run)'))
        return (why or st)[:160]

    def log_match(self, name, regex):
        """The last match of regex in the test's output, or None."""
        found = None
        for line in read(os.path.join(self.dir, 'tests', name + '.log')).splitlines():
            m = regex.match(line.strip())
            if m:
                found = m
        return found

    def not_supported(self, name):
        """'not supported: ...' for a test the gate measured as refused."""
        m = self.log_match(name, NOT_SUPPORTED)
        if m is None or not self.passed(name):
            return None
        return 'not supported: %s refused with %s (errno %s)' % (m.group(1), m.group(2),
                                                                 m.group(3))


def collect(rundir):
    run = Run(rundir)
    rows = []
    for boot, label in MODELS:
        tests = {case_of(n): n for n, m in run.plan.items()
                 if m.get('boot') == boot and case_of(n)}
        if not tests:
            continue
        kernel = re.search(r'@@VM-INIT kernel=(\S+)',
                           read(os.path.join(rundir, 'console-%s.log' % boot)))
        rows.append(row(boot, label, tests, run, kernel.group(1) if kernel else 'did not boot'))
    return rows


def cell_failed(r, col, name, run, what):
    """A cell without a measurement: says why, fails the row."""
    if name is None:
        r[col] = 'not measured: no %s test in this run' % what
    else:
        r[col] = 'FAIL: %s' % run.why(name)
    r['fail'].append('no %s measurement (%s)' % (what, name or 'not in the run'))


def hitless_cell(r, name, run):
    """Binary verdict over the run: faults (QEMU trace events, QEMU device
    errors) or none; returns the number of both (None: no measurement)."""
    col = HEAD[3]
    ns = run.not_supported(name) if name else None
    if ns:
        r[col] = ns
        return None
    done = run.log_match(name, HITLESS) if name else None
    if name is None or name not in run.faults or done is None:
        cell_failed(r, col, name, run, 'hitless')
        return None
    traced, seen = run.faults[name]
    if not run.passed(name):
        # what QEMU counted still judges the default strategy
        cell_failed(r, col, name, run, 'hitless')
        errs = run.qerr.get(name, (0, ''))
        r[col] += '; %d QEMU fault trace events, %d QEMU error lines in %s of %s replaces' % (
            traced, errs[0], done.group(1), done.group(2))
        return traced + errs[0]
    errs = run.qerr.get(name, (0, ''))
    faulted_swaps, silent = run.swaps.get(name, (0, 0, 0))[1:]
    n_done, n_planned, stop = int(done.group(1)), int(done.group(2)), done.group(3)
    total = traced + errs[0]
    if total:
        text = 'FAULTED: %d QEMU fault trace events, %d QEMU error lines' % (traced, errs[0])
        if errs[0]:
            text += ' (first: %s)' % errs[1][:48]
        text += ' in %d of %d replaces (%d replaces with traced faults, %d of them ' \
            'returned 0: the fault reported later)' % (n_done, n_planned, faulted_swaps, silent)
    else:
        text = 'no fault in %d of %d replaces' % (n_done, n_planned)
    text += '; framework saw %s' % seen
    if stop != 'completed':
        text += '; %s' % stop
    r[col] = text
    if total and seen is not None and int(seen) == 0:
        # QEMU refused DMA (traced, or its device's own error) and the
        # framework reported nothing: a silent failure.
        r['fail'].append('%s: QEMU refused DMA (%d trace events, %d error lines), the '
                         'framework saw none' % (name, traced, errs[0]))
    return total


def quiesce_cell(r, name, run):
    col = HEAD[4]
    ns = run.not_supported(name) if name else None
    if ns:
        r[col] = ns
        return
    done = run.log_match(name, QUIESCE) if name else None
    if name is None or not run.passed(name) or name not in run.faults or done is None:
        cell_failed(r, col, name, run, 'quiesce')
        return
    errs = run.qerr.get(name, (0, ''))
    r[col] = '%d faults in %s replaces%s' % (
        run.faults[name][0], done.group(1),
        '; %d QEMU error lines (first: %s)' % (errs[0], errs[1][:48]) if errs[0] else '')


def latency_cell(r, col, name, run, kind):
    ns = run.not_supported(name) if name else None
    if ns:
        r[col] = ns
        return
    lat = run.lat.get((name, kind)) if name else None
    if lat is None or not run.passed(name):
        cell_failed(r, col, name, run, 'latency %s' % kind)
        return
    r[col] = 'median %.1f us, p99 %.1f us (n=%d)' % (lat[1], lat[2], lat[0])


def row(boot, label, tests, run, kernel):
    r = {'boot': boot, HEAD[0]: label, 'kernel': kernel, 'QEMU': qemu_version(), 'fail': []}
    n = tests.get('matrix-info')
    info = run.log_match(n, INFO) if n else None
    if info and run.passed(n):
        r[HEAD[0]] += ', %s, HW_INFO type %s' % (info.group(1), info.group(2))
        r['default strategy'] = info.group(3)
    else:
        cell_failed(r, 'default strategy', n, run, 'default strategy')
    faults = hitless_cell(r, tests.get('pmd-hitless'), run)
    quiesce_cell(r, tests.get('pmd-quiesce'), run)
    latency_cell(r, HEAD[5], tests.get('iommufd-latency'), run, 'HWPT<->HWPT')
    latency_cell(r, HEAD[6], tests.get('ioas-latency'), run, 'IOAS<->IOAS')
    if faults and r.get('default strategy') == 'hitless':
        r['fail'].append('default strategy hitless on an IOMMU whose forced-hitless replaces '
                         'faulted (%d QEMU faults and device errors): '
                         'iommufd_hw_replace_atomic() must not list its HW_INFO type' % faults)
    r['verdict'] = 'FAIL: ' + '; '.join(r['fail']) if r['fail'] else 'PASS'
    return r


def rst_table(rows):
    """A list-table: the cells are sentences."""
    out = ['.. list-table:: The atomicity matrix (scripts/vm-matrix-table.py)',
           '   :header-rows: 1', '']
    for cells in [HEAD] + [[str(r.get(h, '')) for h in HEAD] for r in rows]:
        out.append('   * - ' + cells[0])
        out += ['     - ' + c for c in cells[1:]]
    return '\n'.join(out) + '\n'


def write_doc(path, table):
    text = ('.. Generated by scripts/vm-matrix-table.py from a VM-tier run; do not edit.\n'
            '.. Reproduce: %s\n\n'
            'Run of %s on %d CPUs (TCG). Reproduce with ``%s`` (the matrix\'s tests only:\n'
            '``VM_ONLY=\'^vm-(vtd|amdvi|viommu|smmuv3)-\' scripts/vm-run.sh BUILDDIR``).\n\n%s'
            % (COMMAND, time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
               os.cpu_count() or 0, COMMAND, table))
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith('-'):
        sys.exit(__doc__)
    rundir, doc, res = args[0], None, None
    i = 1
    while i < len(args):
        if args[i] == '--doc' and i + 1 < len(args):
            doc = args[i + 1]
        elif args[i] == '--results' and i + 1 < len(args):
            res = args[i + 1]
        else:
            sys.exit('unknown argument %r\n%s' % (args[i], __doc__))
        i += 2
    rows = collect(rundir)
    table = rst_table(rows) if rows else 'No IOMMU boot of the atomicity matrix ran.\n'
    sys.stdout.write(table)
    if doc and rows:
        write_doc(doc, table)
    if res and rows:
        with open(res, 'a') as f:
            for r in rows:
                f.write('PASS vm/matrix-%s\n' % r['boot'] if not r['fail'] else
                        'FAIL vm/matrix-%s: %s\n' % (r['boot'], '; '.join(r['fail'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
