#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The atomicity matrix (issue 15) from a VM-tier run: one row per IOMMU
boot that ran (scripts/vm-run.sh; tests/vm/meson.build registers the same
experiment per boot), as an rst table, and the matrix's own verdicts.

    vm-matrix-table.py RUNDIR [--doc FILE] [--results FILE]

RUNDIR is BUILDDIR/vm-tier of a VM-tier run (plan.json, summary.txt,
tests/<name>.log, results-<boot>.txt, console-<boot>.log). The table goes
to stdout; --doc FILE replaces the text between the lines
'.. atomicity-matrix-begin' and '.. atomicity-matrix-end' of FILE with it.
--results FILE appends the verdicts ('PASS vm/matrix-<boot>' or
'FAIL vm/matrix-<boot>: why') to the VM tier's results file.

A cell a boot could not measure says 'not supported: why' (the test's
result line: the IOMMU lacks IOMMUFD, a bind was refused, the test failed),
never an empty cell. Verdicts per boot (beyond the tests' own, which the
harness gives: faults QEMU traced that the framework did not see fail
vm-*-pmd-hitless; a quiesce fault fails vm-*-pmd-quiesce):
  - the backend's default strategy for this IOMMU (vm-*-matrix-info) is
    hitless while forced-hitless replaces faulted (QEMU fault trace events,
    or QEMU's own device errors: a DMA the model refused untraced): FAIL;
  - the boot's matrix tests did not all run (a row without a measurement
    for faults or default strategy): FAIL.
Exit status 0, also when verdicts fail (they are in --results).
"""
import json
import os
import re
import subprocess
import sys

# Rows in this order; boots not in the run are left out.
MODELS = [('iommu', 'VT-d (intel-iommu)'), ('amd-iommu', 'AMD-Vi (amd-iommu)'),
          ('virtio-iommu', 'virtio-iommu (virtio-iommu-pci)')]
CASES = ('matrix-info', 'pmd-hitless', 'pmd-quiesce', 'iommufd-latency')
FAULTS = re.compile(r'^(\S+): rc=(\S+), DMA faults \(QEMU [^)]* trace\)=(\d+)'
                    r'(?:, faults seen by the framework=(\d+))?')
SWAPS = re.compile(r'^(\S+): (\d+) swaps, (\d+) with QEMU faults during the call')
LAT = re.compile(r'^(\S+): latency replace HWPT<->HWPT: n=(\d+) median=([\d.]+) us '
                 r'p99=([\d.]+) us')
QERR = re.compile(r'^(\S+): QEMU device errors=(\d+), first: (.*)')
INFO = re.compile(r'^vm-matrix iommu=(\S+) hw_info=(\S+) default=(\S+)')
HEAD = ('IOMMU (QEMU device)', 'kernel', 'QEMU', 'faults / hitless replaces',
        'quiesce faults', 'replace HWPT<->HWPT', 'default strategy', 'verdict')


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
    for c in CASES:
        if name.endswith(c):
            return c
    return None


def collect(rundir):
    plan = json.loads(read(os.path.join(rundir, 'plan.json')) or '{}')
    results = {}
    for f in os.listdir(rundir):
        if f.startswith('results-') and f.endswith('.txt'):
            for line in read(os.path.join(rundir, f)).splitlines():
                m = re.match(r'^(PASS|FAIL) vm/([^:]+)(?::\s*(.*))?$', line)
                if m:
                    results[m.group(2)] = (m.group(1), m.group(3) or '')
    faults, swaps, lat, qerr = {}, {}, {}, {}
    for line in read(os.path.join(rundir, 'summary.txt')).splitlines():
        m = FAULTS.match(line)
        if m:
            faults[m.group(1)] = (int(m.group(3)), m.group(4))
        m = SWAPS.match(line)
        if m:
            swaps[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        m = QERR.match(line)
        if m:
            qerr[m.group(1)] = (int(m.group(2)), m.group(3))
        m = LAT.match(line)
        if m:
            lat[m.group(1)] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
    rows = []
    for boot, label in MODELS:
        tests = {case_of(n): n for n, m in plan.items()
                 if m.get('boot') == boot and case_of(n)}
        if not tests:
            continue
        kernel = re.search(r'@@VM-INIT kernel=(\S+)',
                           read(os.path.join(rundir, 'console-%s.log' % boot)))
        rows.append(row(boot, label, tests, results, faults, swaps, lat, qerr,
                        kernel.group(1) if kernel else 'did not boot', rundir))
    return rows


# The first ioctl the kernel refused in a test's output: why it could not run.
REFUSED = re.compile(r'((?:IOMMU|VFIO)_[A-Z_]+)\b.*?(?:failed|\)).*?: ([A-Z][^(]*?)(?: \(errno (\d+)\))?$')


def unsupported(name, results, rundir=None):
    st, why = results.get(name, ('FAIL', 'no result line'))
    for line in read(os.path.join(rundir, 'tests', name + '.log')).splitlines() if rundir else []:
        m = REFUSED.search(line.strip())
        if m:
            return 'not supported: %s: %s%s' % (m.group(1), m.group(2).strip(),
                                               ' (errno %s)' % m.group(3) if m.group(3) else '')
    return 'not supported: %s' % (why or st)[:160]


def refused(name, results, rundir):
    """The test failed because the kernel refused an ioctl."""
    return results.get(name, ('FAIL',))[0] == 'FAIL' and \
        unsupported(name, results, rundir) != unsupported(name, results)


def row(boot, label, tests, results, faults, swaps, lat, qerr, kernel, rundir):
    r = {'boot': boot, 'IOMMU (QEMU device)': label, 'kernel': kernel,
         'QEMU': qemu_version(), 'fail': []}
    info = None
    n = tests.get('matrix-info')
    if n:
        for line in read(os.path.join(rundir, 'tests', n + '.log')).splitlines():
            m = INFO.match(line.strip())
            if m:
                info = m.groups()
    if info:
        r['IOMMU (QEMU device)'] += ', %s, HW_INFO type %s' % (info[0], info[1])
        r['default strategy'] = info[2]
    else:
        r['default strategy'] = unsupported(n, results) if n else 'not measured'
        r['fail'].append('no default strategy measured (%s)' % (n or 'no matrix-info test'))
    n = tests.get('pmd-hitless')
    hit_faults = None
    if n and refused(n, results, rundir):
        r['faults / hitless replaces'] = unsupported(n, results, rundir)
        r['fail'].append('no hitless measurement (%s)' % n)
    elif n and n in faults and n in swaps and results.get(n, ('FAIL',))[0] == 'PASS':
        hit_faults = faults[n][0]
        r['faults / hitless replaces'] = '%d / %d (%d replaces faulted; framework saw %s)' % (
            hit_faults, swaps[n][0], swaps[n][1], faults[n][1])
    elif n and n in faults and n in swaps:
        hit_faults = faults[n][0]
        r['faults / hitless replaces'] = '%d / %d: FAIL: %s' % (
            hit_faults, swaps[n][0], results.get(n, ('', ''))[1][:160])
        r['fail'].append('%s failed' % n)
    else:
        r['faults / hitless replaces'] = unsupported(n, results, rundir) if n else 'not measured'
        r['fail'].append('no hitless measurement (%s)' % (n or 'no pmd-hitless test'))
    if n in qerr:
        # A DMA the model refused without a trace event (AMD-Vi's blocked
        # DTE) shows as the device's own error: a fault for the verdict.
        r['faults / hitless replaces'] += '; QEMU device errors %d (%s)' % qerr[n]
        hit_faults = (hit_faults or 0) + qerr[n][0]
    n = tests.get('pmd-quiesce')
    if n and refused(n, results, rundir):
        r['quiesce faults'] = unsupported(n, results, rundir)
        r['fail'].append('no quiesce measurement (%s)' % n)
    elif n and n in faults and results.get(n, ('FAIL',))[0] == 'PASS':
        r['quiesce faults'] = str(faults[n][0]) + (
            '; QEMU device errors %d (%s)' % qerr[n] if n in qerr else '')
    elif n and n in faults:
        r['quiesce faults'] = '%d: FAIL: %s' % (faults[n][0], results.get(n, ('', ''))[1][:120])
        r['fail'].append('%s failed' % n)
    else:
        r['quiesce faults'] = unsupported(n, results, rundir) if n else 'not measured'
        r['fail'].append('no quiesce measurement (%s)' % (n or 'no pmd-quiesce test'))
    n = tests.get('iommufd-latency')
    if n and n in lat:
        r['replace HWPT<->HWPT'] = 'median %.1f us, p99 %.1f us (n=%d)' % (
            lat[n][1], lat[n][2], lat[n][0])
    else:
        r['replace HWPT<->HWPT'] = unsupported(n, results, rundir) if n else 'not measured'
    if hit_faults and r.get('default strategy') == 'hitless':
        r['fail'].append('default strategy hitless on an IOMMU whose forced-hitless replaces '
                         'faulted (%d QEMU faults and device errors): iommufd_hw_replace_atomic() must not '
                         'list its HW_INFO type' % hit_faults)
    r['verdict'] = 'FAIL: ' + '; '.join(r['fail']) if r['fail'] else 'PASS'
    return r


def rst_table(rows):
    cols = [[h] + [str(r.get(h, '')) for r in rows] for h in HEAD]
    widths = [max(len(c) for c in col) for col in cols]
    rule = '  '.join('=' * w for w in widths)
    out = [rule, '  '.join(h.ljust(w) for h, w in zip(HEAD, widths)).rstrip(), rule]
    for i in range(len(rows)):
        out.append('  '.join(col[i + 1].ljust(w) for col, w in zip(cols, widths)).rstrip())
    out.append(rule)
    return '\n'.join(out) + '\n'


def replace_doc(path, table):
    text = read(path)
    b, e = '.. atomicity-matrix-begin\n', '.. atomicity-matrix-end\n'
    if b not in text or e not in text:
        sys.exit('%s has no %r ... %r region for the table' % (path, b.strip(), e.strip()))
    head, rest = text.split(b, 1)
    _, tail = rest.split(e, 1)
    with open(path, 'w') as f:
        f.write(head + b + '\n' + table + '\n' + e + tail)


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
    if doc:
        replace_doc(doc, table)
    if res and rows:
        with open(res, 'a') as f:
            for r in rows:
                f.write('PASS vm/matrix-%s\n' % r['boot'] if not r['fail'] else
                        'FAIL vm/matrix-%s: %s\n' % (r['boot'], '; '.join(r['fail'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
