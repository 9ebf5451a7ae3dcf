#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Host side of the VM tier (called by scripts/vm-run.sh).

plan BUILDDIR RUNDIR NIC_BDFS EDU_BDF
    Reads the meson tests of suite 'vm' from BUILDDIR, writes one guest
    script per boot kind (RUNDIR/guest-<boot>.sh) and RUNDIR/plan.json, and
    prints the boot kinds that have tests. A test's env VM_BOOT picks the boot
    ('iommu', the default: intel_iommu=on, NICs on vfio-pci; 'mock':
    intel_iommu=off, for the kernel's IOMMUFD_TEST mock domains; 'vhost':
    as iommu, the NICs served by a vhost-user backend on the host, whose
    binary is the tests' VM_VHOST_BACKEND, written to
    RUNDIR/backend-vhost.txt; 'intel-iommu', 'amd-iommu', 'virtio-iommu':
    the atomicity matrix of issue 15, as iommu (intel-iommu: the same VT-d,
    in a boot of its own) or with QEMU's AMD-Vi or virtio-iommu instead).

parse RUNDIR BOOT CONSOLE_LOG QEMU_RC
    Splits the boot's console log (QEMU's serial output and stderr in one
    file, in order) at the per-test markers, counts the fault trace events
    of the boot's QEMU IOMMU model (FAULT_EVENTS) inside each test, and appends one line per test to
    RUNDIR/results-<boot>.txt: 'PASS vm/name' or 'FAIL vm/name: why'.
    Test output goes to RUNDIR/tests/<name>.log, latency lines and fault
    counts to RUNDIR/summary.txt (also printed).

Verdicts (tests/vm/README.md; tests/vm/test_harness.py checks each rule on
recorded console samples):
  - a planned test with no begin or no end marker did not run: FAIL;
  - exit 77 in the guest is a FAIL: the guest provides everything a vm test
    needs (/dev/iommu, the NICs, the edu device, mock domains), so a test
    that cannot run there lacks an artifact of this project;
  - more QEMU faults than VM_MAX_DMA_FAULTS (default 0, -1 any) or fewer than
    VM_MIN_DMA_FAULTS: FAIL;
  - a swap ('vm-swap I rc=R faults=F' line) that returned 0 and saw no fault
    while QEMU traced faults since the previous swap line: FAIL (silent
    success), whatever the test's fault allowance;
  - VM_FAULTS_MUST_BE_SEEN=1: QEMU traced faults, 'vm-faults-seen 0': FAIL;
  - faults after a test's end marker and before the next test's begin marker
    fail that test unless its env declares them (VM_FAULTS_AFTER_EXIT, the
    number allowed, -1 any); faults before the first test fail the boot
    ('FAIL vm/<boot>-boot').
"""
import json
import os
import re
import shlex
import subprocess
import sys

# QEMU trace events (vm-run.sh enables those of the boot's IOMMU model), one
# per faulting translation, by boot kind (the atomicity matrix, issue 15):
#   VT-d (iommu, mock, vhost): vtd_dmar_fault, vtd_fault_disabled
#     (hw/i386/intel_iommu.c: a fault recorded, or one the guest disabled
#     reporting for);
#   AMD-Vi (amd-iommu): amdvi_page_fault (a PTE not present or without the
#     permission), amdvi_dte_get_fail, amdvi_invalid_dte, amdvi_mode_invalid
#     (the device table entry could not be used: hw/i386/amd_iommu.c);
#   virtio-iommu: virtio_iommu_report_fault (a translation without a
#     mapping or without an attached domain, reported to the guest's event
#     queue: hw/virtio/virtio-iommu.c).
# QEMU writes them to stderr, which shares the console file with the guest's
# serial output: an event can cut a guest line in two (console_events()).
# With '-msg timestamp=on' the event name is prefixed by 'pid@sec.usec:'.
FAULT_EVENTS = {
    'vtd': ('vtd_dmar_fault', 'vtd_fault_disabled'),
    'amdvi': ('amdvi_page_fault', 'amdvi_dte_get_fail', 'amdvi_invalid_dte',
              'amdvi_mode_invalid'),
    'virtio-iommu': ('virtio_iommu_report_fault',),
}
# Boot kind -> (IOMMU model key, its name in verdicts).
BOOTS = {
    'iommu': ('vtd', 'VT-d'),
    'mock': ('vtd', 'VT-d'),
    'vhost': ('vtd', 'VT-d'),
    # the atomicity matrix's VT-d boot: as 'iommu', a boot of its own
    # (its 1000-replace runs do not eat into the main boot's timeout)
    'intel-iommu': ('vtd', 'VT-d'),
    'amd-iommu': ('amdvi', 'AMD-Vi'),
    'virtio-iommu': ('virtio-iommu', 'virtio-iommu'),
}
FAULT = re.compile(r'(?:\d+@\d+\.\d+:)?(?:%s)\b' % '|'.join(
    e for evs in FAULT_EVENTS.values() for e in evs))


def model(boot):
    """'the QEMU VT-d model' (in verdicts) for a boot kind."""
    return 'the QEMU %s model' % BOOTS.get(boot, ('', boot))[1]


# QEMU's own error messages on stderr during a test (e.g. 'qemu-system-x86_64:
# virtio: bogus descriptor or out of resources': a DMA the IOMMU model
# refused without a fault trace event, such as AMD-Vi's blocked DTE,
# mode 0 with no permission): reported in the summary, not counted as faults.
QEMU_ERROR = re.compile(r'qemu-system-\w+: (.*)')
BEGIN = re.compile(r'@@VMT-BEGIN (\S+)')
END = re.compile(r'@@VMT-END (\S+) rc=(\d+)')
# What the framework itself reported (tests with VM_FAULTS_MUST_BE_SEEN).
SEEN = re.compile(r'^vm-faults-seen (\d+)')
# A matrix experiment the IOMMU cannot do, measured (vm-matrix-test gate):
# nothing ran that could fault, so no vm-faults-seen line is expected.
NOT_SUPPORTED = re.compile(r'^vm-matrix not supported: ')
# One replace done: QEMU faults traced since the previous such line (or the
# test's start) happened during it.
SWAP = re.compile(r'^vm-swap (\d+) rc=(-?\d+) faults=(\d+)')
GUEST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'
# TCG runs code several times slower than the host.
TIMEOUT_FACTOR = float(os.environ.get('VM_TIMEOUT_FACTOR', '3'))
SKIP_RC = 77
TIMEOUT_RCS = (124, 137)


def vm_tests(builddir):
    out = subprocess.run(['meson', 'introspect', '--tests', builddir],
                         check=True, capture_output=True, text=True).stdout
    return [t for t in json.loads(out)
            if any(s == 'vm' or s.endswith(':vm') for s in t['suite'])]


def guest_command(t, devices, edu, timeout):
    env = {'PATH': GUEST_PATH, 'HOME': '/tmp', 'VM_GUEST': '1',
           'IOMMUFD_TEST_DEVICES': devices, 'VM_EDU_DEVICE': edu}
    env.update(t.get('env') or {})
    assigns = ' '.join(shlex.quote('%s=%s' % kv) for kv in sorted(env.items()))
    cmd = ' '.join(shlex.quote(c) for c in t['cmd'])
    workdir = shlex.quote(t.get('workdir') or os.path.dirname(t['cmd'][0]))
    name = t['name']
    return ('echo "@@VMT-BEGIN %s"\n'
            '(cd %s && exec env -i %s timeout -k 5 %d %s) </dev/null 2>&1\n'
            'echo "@@VMT-END %s rc=$?"\n'
            % (name, workdir, assigns, timeout, cmd, name))


def test_meta(env, boot, timeout):
    """What the verdict needs from a test's meson env."""
    return {'boot': boot, 'timeout': timeout,
            'max_faults': int(env.get('VM_MAX_DMA_FAULTS', '0')),
            'min_faults': int(env.get('VM_MIN_DMA_FAULTS', '0')),
            'after_exit': int(env.get('VM_FAULTS_AFTER_EXIT', '0')),
            'must_see': env.get('VM_FAULTS_MUST_BE_SEEN', '0') == '1',
            'silent_ok': env.get('VM_SILENT_SWAPS_MEASURED', '0') == '1'}


def plan(builddir, rundir, devices, edu):
    tests = vm_tests(builddir)
    only = os.environ.get('VM_ONLY')   # a regex: run only the tests it matches
    if only:
        tests = [t for t in tests if re.search(only, t['name'])]
    boots = {}
    meta = {}
    for t in tests:
        env = t.get('env') or {}
        boot = env.get('VM_BOOT', 'iommu')
        if boot not in BOOTS:
            sys.exit('test %s: VM_BOOT=%s, expected one of %s'
                     % (t['name'], boot, ', '.join(BOOTS)))
        if boot == 'vhost':
            with open(os.path.join(rundir, 'backend-vhost.txt'), 'w') as f:
                f.write(env.get('VM_VHOST_BACKEND', ''))
        timeout = int((t.get('timeout') or 30) * TIMEOUT_FACTOR)
        boots.setdefault(boot, []).append(guest_command(t, devices, edu, timeout))
        meta[t['name']] = test_meta(env, boot, timeout)
    os.makedirs(os.path.join(rundir, 'tests'), exist_ok=True)
    for boot, cmds in boots.items():
        with open(os.path.join(rundir, 'guest-%s.sh' % boot), 'w') as f:
            f.write('# Generated by tests/vm/vm_harness.py; sourced by guest-init.sh.\n')
            f.write(''.join(cmds))
    with open(os.path.join(rundir, 'plan.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    for boot in boots:
        print(boot)


def last_line(lines):
    """The test's last line of its own: not a marker, not QEMU's (e.g. its
    'terminating on signal 15' when the boot timed out)."""
    for line in reversed(lines):
        line = line.strip()
        if line and not line.startswith('@@') and not QEMU_ERROR.match(line):
            return line[:200]
    return 'no output'


def boot_timeout(rundir, boot, base):
    """Seconds QEMU may run for one boot: BASE (VM_BOOT_TIMEOUT: booting and
    the tests' usual run time) plus the longest guest timeout of its tests,
    so that a test that hangs is stopped by its own timeout in the guest and
    reported as such (its output kept, the boot's later tests still run), not
    by the boot's; only a guest that hangs as a whole reaches the boot's."""
    with open(os.path.join(rundir, 'plan.json')) as f:
        timeouts = [m['timeout'] for m in json.load(f).values() if m['boot'] == boot]
    return base + max(timeouts, default=0)


def console_events(text):
    """The console as ('fault', line) and ('guest', line) in order. A QEMU
    trace event that cut a guest line is split off, and the two halves of
    the guest line are joined again (the event ends with its own newline, so
    the guest line goes on at the start of the next line)."""
    carry = ''
    for raw in text.splitlines():
        m = FAULT.search(raw)
        if m is None:
            yield 'guest', carry + raw
            carry = ''
            continue
        carry += raw[:m.start()]
        yield 'fault', raw[m.start():]
    if carry:
        yield 'guest', carry


class Run:
    """One test between its markers, as seen on the console."""

    def __init__(self, name):
        self.name = name
        self.rc = None          # None: no end marker
        self.out = []
        self.faults = 0         # QEMU faults between the markers
        self.after = 0          # after the end marker, before the next test
        self.swaps = []         # (index, rc, faults seen, QEMU faults during it)
        self.since = 0          # QEMU faults since the last swap line
        self.tail = 0           # QEMU faults after the last swap line

    def seen(self):
        seen = None
        for line in self.out:
            m = SEEN.match(line.strip())
            if m:
                seen = int(m.group(1))
        return seen

    def silent_swaps(self):
        """Swaps that returned 0 and saw no fault while QEMU traced some."""
        return [s for s in self.swaps if s[1] == 0 and s[2] == 0 and s[3] > 0]


def scan(text):
    """Splits a console log into test runs.
    Returns (runs by name, faults before the first test, boot lines)."""
    runs, before, lines = {}, 0, {'init': False, 'done': False, 'errors': []}
    cur = last = None
    for kind, line in console_events(text):
        if kind == 'fault':
            if cur is not None:
                cur.faults += 1
                cur.since += 1
            elif last is not None:
                last.after += 1
            else:
                before += 1
            continue
        if '@@VM-INIT' in line:
            lines['init'] = True
        if '@@VM-DONE' in line:
            lines['done'] = True
        if '@@VM-ERROR' in line:
            lines['errors'].append(line.split('@@VM-ERROR', 1)[1].strip())
        m = BEGIN.search(line)
        if m:
            # a test whose end marker never came stays without rc
            cur = runs[m.group(1)] = Run(m.group(1))
            last = None
            continue
        m = END.search(line)
        if m and cur is not None and cur.name == m.group(1):
            cur.rc = int(m.group(2))
            cur.tail = cur.since
            last, cur = cur, None
            continue
        if cur is None:
            continue
        m = SWAP.match(line.strip())
        if m:
            cur.swaps.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), cur.since))
            cur.since = 0
        cur.out.append(line)
    if cur is not None:
        cur.tail = cur.since
    return runs, before, lines


def verdict(name, run, meta):
    """'PASS vm/name' or 'FAIL vm/name: why' for a run that has an rc."""
    why = []
    rc = run.rc
    by = model(meta.get('boot', 'iommu'))
    if rc == SKIP_RC:
        why.append('exit 77 (skip) in the guest, which provides all a vm test needs '
                   '(/dev/iommu, NICs, edu, mock domains): a missing artifact: %s'
                   % last_line(run.out))
    elif rc in TIMEOUT_RCS:
        why.append('timed out after %ss in the guest; last output: %s'
                   % (meta.get('timeout', '?'), last_line(run.out)))
    elif rc != 0:
        why.append('exit %d: %s' % (rc, last_line(run.out)))
    silent = run.silent_swaps()
    measured = ''
    if silent:
        text = '%d swap(s) returned 0 with no fault seen while QEMU traced faults ' \
               'during them (silent success): %s' % (len(silent), ', '.join(
                   'swap %d (%d faults)' % (s[0], s[3]) for s in silent[:8]))
        if meta.get('silent_ok'):
            # a measurement of what the framework cannot see (declared
            # by VM_SILENT_SWAPS_MEASURED), reported on the PASS line
            measured = ': measured, not judged: %s' % text
        else:
            why.append(text)
    if rc == 0 and meta.get('must_see'):
        # QEMU traced faults, the framework must have seen some (it may see
        # more: kernel log lines name no queue).
        seen = run.seen()
        if seen is None and run.faults == 0 and any(
                NOT_SUPPORTED.match(l.strip()) for l in run.out):
            pass
        elif seen is None:
            why.append('no vm-faults-seen line (VM_FAULTS_MUST_BE_SEEN)')
        elif run.faults > 0 and seen == 0:
            why.append('%d DMA faults traced by %s, none seen by the '
                       'framework (silent success)' % (run.faults, by))
    max_faults = meta.get('max_faults', 0)
    if rc == 0 and 0 <= max_faults < run.faults:
        why.append('%d DMA faults traced by %s (allowed %d)'
                   % (run.faults, by, max_faults))
    if rc == 0 and run.faults < meta.get('min_faults', 0):
        why.append('%d DMA faults traced by %s, the test causes %d'
                   % (run.faults, by, meta['min_faults']))
    after_ok = meta.get('after_exit', 0)
    if 0 <= after_ok < run.after:
        why.append('%d DMA faults traced by %s after the test ended, '
                   'before the next one began (declared: VM_FAULTS_AFTER_EXIT=%d)'
                   % (run.after, by, after_ok))
    if why:
        return 'FAIL vm/%s: %s' % (name, '; '.join(why))
    return 'PASS vm/%s%s' % (name, measured)


def evaluate(text, meta, boot, qemu_rc):
    """Verdicts of one boot's console log for the planned tests of meta
    (name -> test_meta()). Returns (results: name -> line in plan order,
    with 'vm/<boot>-boot' first when the boot itself failed, summary lines,
    runs by name)."""
    runs, before, info = scan(text)
    results, summary = {}, []
    summary += ['%s boot: %s' % (boot, e) for e in info['errors']]
    if before:
        results['%s-boot' % boot] = ('FAIL vm/%s-boot: %d DMA faults traced by %s '
                                     'before the first test (boot, device '
                                     'binding)' % (boot, before, model(boot)))
    why = None
    if not info['init']:
        why = ('boot timed out (VM_BOOT_TIMEOUT) before the guest reached init'
               if qemu_rc in TIMEOUT_RCS else
               'guest never reached init (QEMU exit %d: kernel or 9p root failed)' % qemu_rc)
    elif not info['done']:
        why = ('boot timed out' if qemu_rc in TIMEOUT_RCS else
               'guest stopped before finishing (QEMU exit %d)' % qemu_rc)
    for name, m in meta.items():
        run = runs.get(name)
        if run is None:
            results[name] = 'FAIL vm/%s: never ran (no begin marker): %s' % (
                name, why or 'not in the guest script, or the guest stopped before it')
            continue
        if run.rc is None:
            results[name] = ('FAIL vm/%s: did not finish (no end marker): %s; last output: %s'
                             % (name, why or 'guest output lost', last_line(run.out)))
        else:
            results[name] = verdict(name, run, m)
        seen = run.seen()
        summary.append('%s: rc=%s, DMA faults (QEMU %s trace)=%d%s%s'
                       % (name, run.rc, BOOTS.get(boot, ('', boot))[1], run.faults,
                          '' if seen is None else ', faults seen by the framework=%d' % seen,
                          ', after it ended=%d' % run.after if run.after else ''))
        qerr = [m.group(1).strip() for m in map(QEMU_ERROR.search, run.out) if m]
        if qerr:
            summary.append('%s: QEMU device errors=%d, first: %s' % (name, len(qerr), qerr[0][:160]))
        summary += ['%s: %s' % (name, l.strip()) for l in run.out if l.startswith('latency ')]
        if run.swaps:
            summary.append('%s: %d swaps, %d with QEMU faults during the call, %d of those '
                           'returned 0 with no fault seen; %d QEMU faults after the last swap'
                           % (name, len(run.swaps), len([s for s in run.swaps if s[3]]),
                              len(run.silent_swaps()), run.tail))
    return results, summary, runs


def parse(rundir, boot, log, qemu_rc):
    with open(os.path.join(rundir, 'plan.json')) as f:
        meta = {n: m for n, m in json.load(f).items() if m['boot'] == boot}
    with open(log, errors='replace') as f:
        text = f.read()
    results, summary, runs = evaluate(text, meta, boot, qemu_rc)
    for name, run in runs.items():
        if name in meta:
            with open(os.path.join(rundir, 'tests', name + '.log'), 'w') as f:
                f.write('\n'.join(run.out) + '\n')
    with open(os.path.join(rundir, 'results-%s.txt' % boot), 'a') as f:
        f.write(''.join(r + '\n' for r in results.values()))
    with open(os.path.join(rundir, 'summary.txt'), 'a') as f:
        f.write(''.join(s + '\n' for s in summary))
    for s in summary:
        print('[vm-run]   ' + s, file=sys.stderr)
    return 0 if '@@VM-INIT' in text else 3


def main(argv):
    if len(argv) == 6 and argv[1] == 'plan':
        return plan(argv[2], argv[3], argv[4], argv[5])
    if len(argv) == 6 and argv[1] == 'parse':
        return parse(argv[2], argv[3], argv[4], int(argv[5]))
    if len(argv) == 5 and argv[1] == 'boot-timeout':
        print(boot_timeout(argv[2], argv[3], int(argv[4])))
        return 0
    sys.exit('usage: vm_harness.py plan BUILDDIR RUNDIR NIC_BDFS EDU_BDF | '
             'parse RUNDIR BOOT CONSOLE_LOG QEMU_RC | boot-timeout RUNDIR BOOT BASE_S')


if __name__ == '__main__':
    sys.exit(main(sys.argv) or 0)
