#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Results of the VM tier's aarch64 'smmuv3' boot (scripts/vm-arm64.sh).

    smmu_matrix.py RUNDIR QEMU_RC [TIMES]

Reads RUNDIR/console-smmuv3.log (the guest's serial output and QEMU's
stderr, in order: tests/vm/arm64/smmu_replace_test.c frames each case with
'@@TEST <name> begin' / '@@TEST <name> end rc=N') and writes, in the
formats of the x86 boots (tests/vm/vm_harness.py) so that
scripts/vm-matrix-table.py reads the row like theirs:
  RUNDIR/tests/vm-smmuv3-<case>.log   the case's guest output (cases: matrix-info,
                                      pmd-hitless, pmd-quiesce, iommufd-latency
                                      (HWPT<->HWPT), ioas-latency)
  RUNDIR/results-smmuv3.txt           'PASS vm/<name>[: note]' / 'FAIL vm/<name>: why'
  RUNDIR/summary.txt                  fault counts, swaps, latencies (appended)
  RUNDIR/plan.json                    the cases, boot 'smmuv3' (added)
  RUNDIR/matrix-smmuv3.txt            the row: 'MATRIX iommu=smmuv3 kernel=...
                                      qemu=... hitless_replaces=N hitless_faults=N
                                      quiesce_faults=N lat_hwpt_us=.. lat_ioas_us=..
                                      default=...'
Faults (the ground truth) are QEMU's SMMUv3 model's: trace events
smmuv3_translate_abort and its guest-error lines 'translation failed for
iova=' (one per translation that ended in an error); smmuv3_record_event
(what reached the guest's event queue) is reported beside them.

Verdicts: a case that did not run, or ended with rc other than 0 or 3, is a
FAIL; rc 3 is a measured 'not supported: <ioctl>: <errno>' (a PASS with that
note: the row says so). Hitless: QEMU traced faults the framework did not
see (the kernel's SMMUv3 event lines through lib/dma_domain's reader) is a
FAIL, and so is a default strategy of hitless with any fault. Quiesce: any
QEMU fault or device error is a FAIL. No DMA during the replaces is a FAIL.
Exit status 0 (verdicts are in results-smmuv3.txt).
"""
import json
import os
import re
import subprocess
import sys

BOOT = 'smmuv3'
CASES = ('matrix-info', 'pmd-hitless', 'pmd-quiesce', 'iommufd-latency', 'ioas-latency')
FAULT = re.compile(r'(?:\d+@\d+\.\d+:)?smmuv3_translate_abort\b|translation failed for iova=')
RECORD = re.compile(r'(?:\d+@\d+\.\d+:)?smmuv3_record_event\b')
QEMU_ERROR = re.compile(r'qemu-system-\w+: (.*)')
BEGIN = re.compile(r'@@TEST (\S+) begin')
END = re.compile(r'@@TEST (\S+) end rc=(-?\d+)')
SWAP = re.compile(r'^vm-swap (\d+) rc=(-?\d+) faults=(\d+)')
SEEN = re.compile(r'^vm-faults-seen (\d+)')
RUN = re.compile(r'^(hitless|quiesce): replaces=(\d+) .*completions=(\d+) device_errors=(\d+) '
                 r'stalls=(\d+) waits_without_dma=(\d+) framework_faults=(\d+)')
LAT = re.compile(r'^latency (replace (?:HWPT|IOAS)<->(?:HWPT|IOAS)): n=(\d+) median=([\d.]+) us '
                 r'p99=([\d.]+) us')
INFO = re.compile(r'^vm-matrix iommu=(\S+) hw_info=(\S+) default=(\S+)')
UNSUP = re.compile(r'^not supported: (.*)')


def qemu_version():
    try:
        out = subprocess.run(['qemu-system-aarch64', '--version'], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return 'not-installed'
    m = re.search(r'version (\S+)', out)
    return m.group(1) if m else 'unknown'


class Case:
    def __init__(self, name):
        self.name = name
        self.out = []           # guest lines (QEMU's trace lines left out)
        self.faults = 0         # QEMU fault events
        self.records = 0        # smmuv3_record_event
        self.qerr = []          # QEMU's own error lines
        self.rc = None
        self.swaps = []         # (index, rc, faults the guest saw, QEMU faults during it)
        self.since = 0


def scan(text):
    cases, cur, kernel, outside = {}, None, None, 0
    for raw in text.splitlines():
        line = raw.rstrip('\r')
        m = re.search(r'@@VM-INIT kernel=(\S+)', line)
        if m:
            kernel = m.group(1)
        m = BEGIN.search(line)
        if m:
            cur = cases.setdefault(m.group(1), Case(m.group(1)))
            continue
        m = END.search(line)
        if m and cur is not None:
            cur.rc = int(m.group(2))
            cur = None
            continue
        if FAULT.search(line):
            if cur is None:
                outside += 1
            else:
                cur.faults += 1
                cur.since += 1
            continue
        if RECORD.search(line):
            if cur is not None:
                cur.records += 1
            continue
        if cur is None:
            continue
        m = QEMU_ERROR.match(line)
        if m:
            cur.qerr.append(m.group(1))
            continue
        m = SWAP.match(line)
        if m:
            cur.swaps.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), cur.since))
            cur.since = 0
        cur.out.append(line)
    return cases, kernel, outside


def first(regex, lines):
    for line in lines:
        m = regex.match(line.strip())
        if m:
            return m
    return None


def evaluate(cases, qemu_rc):
    """Returns {name: (PASS|FAIL, note)}, summary lines and the row's values."""
    res, summary, row = {}, [], {}
    info = cases.get('smmuv3-matrix-info')
    m = first(INFO, info.out) if info else None
    row['default'] = m.group(3) if m else 'unknown'
    row['hw_info'] = m.group(2) if m else 'unknown'
    for case in CASES:
        name = 'vm-%s-%s' % (BOOT, case)
        c = cases.get('%s-%s' % (BOOT, case))
        if c is None or c.rc is None:
            res[name] = ('FAIL', 'did not run to its end (QEMU exit status %s; see console-%s.log)'
                         % (qemu_rc, BOOT))
            continue
        unsup = first(UNSUP, c.out)
        seen = first(SEEN, c.out)
        summary.append('%s: rc=%d, DMA faults (QEMU smmuv3 trace)=%d%s, event queue records=%d'
                       % (name, c.rc, c.faults,
                          ', faults seen by the framework=%s' % seen.group(1) if seen else '',
                          c.records))
        if c.qerr:
            summary.append('%s: QEMU device errors=%d, first: %s' % (name, len(c.qerr), c.qerr[0][:160]))
        summary += ['%s: %s' % (name, l.strip()) for l in c.out if l.startswith('latency ')]
        if c.swaps:
            # (as tests/vm/vm_harness.py: a replace that returned 0 while
            # QEMU faulted and the guest had read no fault line yet; the
            # kernel prints SMMUv3 events from a thread, often later)
            summary.append('%s: %d swaps, %d with QEMU faults during the call, %d of those '
                           'returned 0 with no fault seen'
                           % (name, len(c.swaps), len([s for s in c.swaps if s[3]]),
                              len([s for s in c.swaps if s[3] and s[1] == 0 and s[2] == 0])))
        run = first(RUN, c.out)
        if run:
            summary.append('%s: %s' % (name, run.group(0)))
        note = ''
        why = []
        if c.rc == 3 and unsup:
            note = 'not supported: %s' % unsup.group(1)
        elif c.rc != 0:
            why.append('rc=%d: %s' % (c.rc, ' | '.join(l for l in c.out if 'FAIL' in l)[:200]
                                      or 'see tests/%s.log' % name))
        if case == 'pmd-hitless' and not note and c.rc == 0:
            row['hitless_replaces'] = len(c.swaps)
            row['hitless_faults'] = c.faults
            row['hitless_swaps_faulted'] = len([s for s in c.swaps if s[3]])
            row['framework_seen'] = int(seen.group(1)) if seen else 0
            row['device_errors'] = int(run.group(4)) if run else -1
            if run is None or int(run.group(3)) == 0:
                why.append('the device completed no frame during the replaces: no DMA to race with')
            if c.faults and not row['framework_seen']:
                why.append('QEMU traced %d DMA faults, the framework (the kernel\'s SMMUv3 event '
                           'lines through lib/dma_domain\'s reader) saw none' % c.faults)
            if (c.faults or c.qerr) and row['default'] == 'hitless':
                why.append('default strategy hitless on an IOMMU whose forced-hitless replaces '
                           'faulted: iommufd_hw_replace_atomic() must not list its HW_INFO type')
            note = '%d QEMU faults in %d forced-hitless replaces (%d replaces faulted), framework ' \
                'saw %d, device errors %s' % (c.faults, len(c.swaps), row['hitless_swaps_faulted'],
                                              row['framework_seen'], row['device_errors'])
        elif case == 'pmd-hitless':
            row['hitless_faults'] = note or 'not measured'
        if case == 'pmd-quiesce' and not note and c.rc == 0:
            row['quiesce_faults'] = c.faults
            # A stall alone (no DEVICE_NEEDS_RESET, no QEMU fault) is a
            # slow host, not a fault: reported, not failed.
            errs = int(run.group(4)) - int(run.group(5)) if run else -1
            if c.faults or c.qerr:
                why.append('%d QEMU faults, %d QEMU device errors under quiesce' % (c.faults, len(c.qerr)))
            if errs != 0:
                why.append('device errors (DEVICE_NEEDS_RESET) under quiesce: %d' % errs)
            if run is None or int(run.group(3)) == 0:
                why.append('the device completed no frame during the quiesced replaces')
        elif case == 'pmd-quiesce':
            row['quiesce_faults'] = note or 'not measured'
        if case in ('iommufd-latency', 'ioas-latency'):
            for l in c.out:
                m = LAT.match(l.strip())
                if m:
                    key = 'lat_hwpt_us' if 'HWPT' in m.group(1) else 'lat_ioas_us'
                    row[key] = m.group(3)
        if case == 'matrix-info' and row['default'] == 'unknown' and not note:
            why.append('no vm-matrix line (IOMMU, HW_INFO type, default strategy)')
        res[name] = ('FAIL', '; '.join(why)) if why else ('PASS', note)
    return res, summary, row


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rundir, qemu_rc = argv[1], argv[2]
    times = argv[3] if len(argv) > 3 else ''
    with open(os.path.join(rundir, 'console-%s.log' % BOOT), errors='replace') as f:
        text = f.read()
    cases, kernel, outside = scan(text)
    res, summary, row = evaluate(cases, qemu_rc)
    os.makedirs(os.path.join(rundir, 'tests'), exist_ok=True)
    for c in cases.values():
        with open(os.path.join(rundir, 'tests', 'vm-' + c.name + '.log'), 'w') as f:
            f.write(''.join(l + '\n' for l in c.out))
    with open(os.path.join(rundir, 'results-%s.txt' % BOOT), 'a') as f:
        for name in sorted(res):
            st, note = res[name]
            f.write('%s vm/%s%s\n' % (st, name, ': ' + note if note else ''))
    plan_path = os.path.join(rundir, 'plan.json')
    try:
        with open(plan_path) as f:
            plan = json.load(f)
    except (OSError, ValueError):
        plan = {}
    for case in CASES:
        plan['vm-%s-%s' % (BOOT, case)] = {'boot': BOOT, 'timeout': 0, 'max_faults': -1,
                                           'min_faults': 0, 'after_exit': 0,
                                           'must_see': case == 'pmd-hitless', 'silent_ok': False}
    with open(plan_path, 'w') as f:
        json.dump(plan, f, indent=1)
    matrix = ('MATRIX iommu=%s kernel=%s qemu=%s hitless_replaces=%s hitless_faults=%s '
              'quiesce_faults=%s lat_hwpt_us=%s lat_ioas_us=%s default=%s hw_info=%s '
              'framework_seen=%s device_errors=%s' % (
                  BOOT, kernel or 'did-not-boot', qemu_version(),
                  row.get('hitless_replaces', 0),
                  str(row.get('hitless_faults', 'not-measured')).replace(' ', '_'),
                  str(row.get('quiesce_faults', 'not-measured')).replace(' ', '_'),
                  row.get('lat_hwpt_us', 'not-measured'), row.get('lat_ioas_us', 'not-measured'),
                  row['default'], row['hw_info'], row.get('framework_seen', '-'),
                  row.get('device_errors', '-')))
    summary.append('%s boot: %s' % (BOOT, matrix))
    if outside:
        summary.append('%s boot: %d QEMU fault events outside the cases' % (BOOT, outside))
    if times:
        summary.append('%s boot: %s' % (BOOT, times))
    with open(os.path.join(rundir, 'summary.txt'), 'a') as f:
        f.write(''.join(s + '\n' for s in summary))
    with open(os.path.join(rundir, 'matrix-%s.txt' % BOOT), 'w') as f:
        f.write(matrix + '\n')
    for s in summary:
        print(s)
    for name in sorted(res):
        st, note = res[name]
        print('%s vm/%s%s' % (st, name, ': ' + note if note else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
