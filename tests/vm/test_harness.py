#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Offline self-test of the VM tier's verdicts (vm_harness.py parse) on a
recorded console log with one test per hazard (samples/console-hazards.log),
through the same command line scripts/vm-run.sh uses: plan.json in, the
results file out; and of scripts/testlog_results.py (meson tests registered
but never run). Runs in the plain tier (suite 'unit'); no VM needed.

    test_harness.py [unittest args]      HARNESS=path/to/vm_harness.py or
                                         TESTLOG_RESULTS=path/to/it to check
                                         another version
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.environ.get('HARNESS', os.path.join(HERE, 'vm_harness.py'))
TESTLOG_RESULTS = os.environ.get('TESTLOG_RESULTS', os.path.join(
    HERE, '..', '..', 'scripts', 'testlog_results.py'))
SAMPLE = os.path.join(HERE, 'samples', 'console-hazards.log')
MATRIX_TABLE = os.environ.get('MATRIX_TABLE', os.path.join(
    HERE, '..', '..', 'scripts', 'vm-matrix-table.py'))


def meta(max_faults=0, min_faults=0, after_exit=0, must_see=False, boot='iommu',
         silent_ok=False):
    return {'boot': boot, 'timeout': 360, 'max_faults': max_faults,
            'min_faults': min_faults, 'after_exit': after_exit, 'must_see': must_see,
            'silent_ok': silent_ok}


HITLESS = dict(max_faults=-1, must_see=True)
# test -> (its plan entry, expected verdict, words the reason must contain)
CASES = {
    't-clean': (meta(), 'PASS', ()),
    't-hitless-ok': (meta(**HITLESS), 'PASS', ()),
    # faults seen by the framework overall, but swap 2 returned 0 without
    # seeing the two faults QEMU traced during it
    't-hitless-silent': (meta(**HITLESS), 'FAIL', ('silent success', 'swap 2 (2 faults)')),
    # the fault cut the swap line in two: the line must still be read
    't-hitless-cut': (meta(max_faults=-1), 'FAIL', ('silent success', 'swap 1 (1 faults)')),
    't-unseen': (meta(**HITLESS), 'FAIL', ('none seen by the framework',)),
    't-stray-after': (meta(), 'FAIL', ('after the test ended',)),
    't-stray-declared': (meta(after_exit=-1), 'PASS', ()),
    't-skip': (meta(), 'FAIL', ('exit 77', '/dev/iommu')),
    't-edu': (meta(max_faults=2, min_faults=2), 'PASS', ()),
    't-edu-short': (meta(max_faults=2, min_faults=2), 'FAIL', ('the test causes 2',)),
    't-quiesce-fault': (meta(), 'FAIL', ('1 DMA faults', 'allowed 0')),
    't-timeout': (meta(), 'FAIL', ('timed out', 'last output: traffic: waiting for port 1')),
    't-failed': (meta(), 'FAIL', ('exit 1',)),
    't-no-end': (meta(), 'FAIL', ('did not finish',)),
    # the fault cut the end marker in two (it counts inside the test)
    't-end-cut': (meta(max_faults=1), 'PASS', ()),
    't-never': (meta(), 'FAIL', ('never ran',)),
    # another boot's test is not this boot's concern
    't-mock': (meta(boot='mock'), None, ()),
}


def run_parse(text, plan, boot='iommu', qemu_rc=0):
    """Runs 'vm_harness.py parse' on a console text; returns the results
    lines by test name ('iommu-boot' for the boot's own line)."""
    with tempfile.TemporaryDirectory(prefix='vmh-') as d:
        os.makedirs(os.path.join(d, 'tests'))
        with open(os.path.join(d, 'plan.json'), 'w') as f:
            json.dump(plan, f)
        log = os.path.join(d, 'console.log')
        with open(log, 'w') as f:
            f.write(text)
        p = subprocess.run([sys.executable, HARNESS, 'parse', d, boot, log, str(qemu_rc)],
                           capture_output=True, text=True, check=False)
        res = os.path.join(d, 'results-%s.txt' % boot)
        lines = []
        if os.path.exists(res):
            with open(res) as f:
                lines = f.read().splitlines()
    out = {}
    for line in lines:
        name = line.split(' ', 1)[1].split(':', 1)[0]
        out[name[3:] if name.startswith('vm/') else name] = line
    return out, p


class Hazards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SAMPLE) as f:
            text = f.read()
        cls.res, cls.proc = run_parse(text, {n: c[0] for n, c in CASES.items()})

    def check(self, name):
        _, want, words = CASES[name]
        got = self.res.get(name)
        self.assertIsNotNone(got, 'no result line for %s (harness stderr: %s)'
                             % (name, self.proc.stderr[-2000:]))
        self.assertTrue(got.startswith(want + ' vm/' + name), 'expected %s, got: %s' % (want, got))
        for w in words:
            self.assertIn(w, got)


def add_case(name):
    def test(self):
        self.check(name)
    setattr(Hazards, 'test_' + name.replace('-', '_'), test)


for _name, (_m, _want, _w) in CASES.items():
    if _want is not None:
        add_case(_name)


def test_boot_fault(self):
    """A fault before the first test fails the boot."""
    got = self.res.get('iommu-boot', '')
    self.assertTrue(got.startswith('FAIL vm/iommu-boot: 1 DMA faults'), got)


def test_only_planned(self):
    """One line per planned test of this boot, plus the boot's; nothing else."""
    want = {n for n, c in CASES.items() if c[1] is not None} | {'iommu-boot'}
    self.assertEqual(set(self.res), want)
    self.assertFalse([l for l in self.res.values() if l.startswith('SKIP')])


def test_silent_measured(self):
    """VM_SILENT_SWAPS_MEASURED: the silent success is reported on a PASS
    line (a measurement), everything else still judged."""
    with open(SAMPLE) as f:
        text = f.read()
    plan = {n: c[0] for n, c in CASES.items()}
    plan['t-hitless-silent'] = meta(silent_ok=True, **HITLESS)
    res, proc = run_parse(text, plan)
    got = res.get('t-hitless-silent', '')
    self.assertTrue(got.startswith('PASS vm/t-hitless-silent: measured, not judged: 1 swap(s)'),
                    got)
    self.assertIn('swap 2 (2 faults)', got)
    self.assertTrue(res.get('t-unseen', '').startswith('FAIL'), res.get('t-unseen'))


Hazards.test_silent_measured = test_silent_measured
Hazards.test_boot_fault = test_boot_fault
Hazards.test_only_planned = test_only_planned


class Boot(unittest.TestCase):
    """Whole-boot outcomes on short inline logs."""

    CLEAN = ('@@VM-INIT kernel=x\n@@VMT-BEGIN a\nPASS a\n@@VMT-END a rc=0\n'
             '@@VMT-BEGIN b\nPASS b\n@@VMT-END b rc=0\n@@VM-DONE\n')

    def test_clean(self):
        res, p = run_parse(self.CLEAN, {'a': meta(), 'b': meta()})
        self.assertEqual(sorted(res.values()), ['PASS vm/a', 'PASS vm/b'], p.stderr)
        self.assertEqual(p.returncode, 0)

    def test_no_init(self):
        res, p = run_parse('Kernel panic - not syncing: VFS: Unable to mount root fs\n',
                           {'a': meta()}, qemu_rc=1)
        self.assertTrue(res['a'].startswith('FAIL vm/a: never ran'), res)
        self.assertIn('never reached init', res['a'])
        self.assertNotEqual(p.returncode, 0)

    def test_boot_timeout_mid_test(self):
        """The last output named is the test's, not QEMU's kill message."""
        res, _ = run_parse('@@VM-INIT\n@@VMT-BEGIN a\nworking\nqemu-system-x86_64: '
                           'terminating on signal 15 from pid 9 (timeout)\n',
                           {'a': meta(), 'b': meta()}, qemu_rc=124)
        self.assertTrue(res['a'].startswith('FAIL vm/a: did not finish'), res)
        self.assertIn('last output: working', res['a'])
        self.assertTrue(res['b'].startswith('FAIL vm/b: never ran'), res)

    def test_boot_timeout_covers_a_test_timeout(self):
        """QEMU gets the base plus the boot's longest guest timeout: a test
        that hangs is stopped in the guest by its own timeout first."""
        plan = {'a': dict(meta(), timeout=540), 'b': dict(meta(), timeout=90),
                'c': dict(meta(boot='vhost'), timeout=900)}
        with tempfile.TemporaryDirectory(prefix='vmh-') as d:
            with open(os.path.join(d, 'plan.json'), 'w') as f:
                json.dump(plan, f)
            got = [subprocess.run([sys.executable, HARNESS, 'boot-timeout', d, boot, '300'],
                                  capture_output=True, text=True, check=True).stdout.strip()
                   for boot in ('iommu', 'vhost', 'mock')]
        self.assertEqual(got, ['840', '1200', '300'])

    def test_fault_after_last_test(self):
        res, _ = run_parse(self.CLEAN.replace('@@VM-DONE', 'vtd_fault_disabled \n@@VM-DONE'),
                           {'a': meta(), 'b': meta()})
        self.assertEqual(res['a'], 'PASS vm/a')
        self.assertTrue(res['b'].startswith('FAIL vm/b:'), res)
        self.assertIn('after the test ended', res['b'])


class Models(unittest.TestCase):
    """The atomicity matrix's boots (issue 15): each counts the fault trace
    events of its own IOMMU model, split off a guest line they cut, and
    names that model in its verdicts."""

    def one(self, boot, event, model):
        text = ('@@VM-INIT kernel=x\n@@VMT-BEGIN a\nhalf a %s addr 0x1000\nline\n'
                '@@VMT-END a rc=0\n@@VM-DONE\n' % event)
        res, p = run_parse(text, {'a': meta(boot=boot)}, boot=boot)
        self.assertTrue(res.get('a', '').startswith(
            'FAIL vm/a: 1 DMA faults traced by the QEMU %s model (allowed 0)' % model),
            (res, p.stderr))
        res, _ = run_parse(text, {'a': meta(boot=boot, max_faults=1)}, boot=boot)
        self.assertEqual(res['a'], 'PASS vm/a')

    def test_amdvi_page_fault(self):
        self.one('amd-iommu', 'amdvi_page_fault', 'AMD-Vi')

    def test_amdvi_invalid_dte(self):
        self.one('amd-iommu', 'amdvi_invalid_dte', 'AMD-Vi')

    def test_virtio_iommu_report_fault(self):
        self.one('virtio-iommu', 'virtio_iommu_report_fault', 'virtio-iommu')

    def test_unknown_boot_refused(self):
        """A test naming a boot the tier does not have is refused at plan time
        (vm_harness.py BOOTS), not run under another IOMMU."""
        sys.path.insert(0, os.path.dirname(HARNESS))
        import vm_harness
        self.assertIn('amd-iommu', vm_harness.BOOTS)
        self.assertIn('virtio-iommu', vm_harness.BOOTS)
        self.assertNotIn('smmuv3', vm_harness.BOOTS)


class Gate(unittest.TestCase):
    """A matrix test the gate measured as not supported printed no
    vm-faults-seen line (nothing ran): that passes under
    VM_FAULTS_MUST_BE_SEEN, unless QEMU traced faults during it."""

    TEXT = ('@@VM-INIT kernel=x\n@@VMT-BEGIN a\nvm-matrix not supported: IOMMU_HWPT_ALLOC '
            'refused with EADDRINUSE (errno 98) on viommu: why\n%s@@VMT-END a rc=0\n'
            '@@VM-DONE\n')

    def test_not_supported_passes(self):
        res, p = run_parse(self.TEXT % '', {'a': meta(boot='virtio-iommu', **HITLESS)},
                           boot='virtio-iommu')
        self.assertEqual(res.get('a'), 'PASS vm/a', p.stderr)

    def test_not_supported_with_faults_fails(self):
        res, _ = run_parse(self.TEXT % 'virtio_iommu_report_fault x\n',
                           {'a': meta(boot='virtio-iommu', **HITLESS)}, boot='virtio-iommu')
        self.assertTrue(res['a'].startswith('FAIL vm/a: no vm-faults-seen line'), res)

    def test_no_line_fails(self):
        res, _ = run_parse(self.TEXT.replace('vm-matrix not supported', 'other') % '',
                           {'a': meta(boot='virtio-iommu', **HITLESS)}, boot='virtio-iommu')
        self.assertTrue(res['a'].startswith('FAIL vm/a: no vm-faults-seen line'), res)


class MatrixTable(unittest.TestCase):
    """scripts/vm-matrix-table.py on a recorded amd-iommu run: its row, and
    its verdicts (issue 15: a default of hitless on an IOMMU that faulted
    fails; a boot whose tests left no measurement fails; a measured "not
    supported" from the gate is a measurement)."""

    T = ['vm-amdvi-matrix-info', 'vm-amdvi-pmd-hitless', 'vm-amdvi-iommufd-latency',
         'vm-amdvi-ioas-latency', 'vm-amdvi-pmd-quiesce']
    GATE = ('vm-matrix not supported: IOMMU_HWPT_ALLOC refused with EADDRINUSE (errno 98) '
            'on viommu: why\nPASS: the kernel still refuses as expected\n')

    def run_table(self, default, hitless_faults, with_quiesce=True, device_errors=0,
                  gated=False, fail=(), seen=None):
        t = [n for n in self.T if with_quiesce or 'quiesce' not in n]
        with tempfile.TemporaryDirectory(prefix='vmx-') as d:
            os.makedirs(os.path.join(d, 'tests'))
            with open(os.path.join(d, 'plan.json'), 'w') as f:
                json.dump({n: meta(boot='amd-iommu') for n in t}, f)
            with open(os.path.join(d, 'results-amd-iommu.txt'), 'w') as f:
                f.write(''.join('%s vm/%s%s\n' % (('FAIL', n, ': exit 1') if n in fail
                                                  else ('PASS', n, '')) for n in t))
            with open(os.path.join(d, 'console-amd-iommu.log'), 'w') as f:
                f.write('@@VM-INIT kernel=6.12.95 hugepages=256\n')
            logs = {
                'vm-amdvi-matrix-info': 'vm-matrix iommu=ivhd0 hw_info=0 default=%s\n' % default,
                'vm-amdvi-pmd-hitless': 'vm-matrix hitless: 1000 of 1000 replaces done, '
                                        'completed\n',
                'vm-amdvi-pmd-quiesce': 'vm-matrix quiesce: 1000 replaces, 1000 succeeded\n',
                'vm-amdvi-iommufd-latency': '',
                'vm-amdvi-ioas-latency': '',
            }
            ungated = ('vm-amdvi-matrix-info', 'vm-amdvi-ioas-latency')
            for n, text in logs.items():
                with open(os.path.join(d, 'tests', n + '.log'), 'w') as f:
                    f.write(self.GATE if gated and n not in ungated else text)
            with open(os.path.join(d, 'summary.txt'), 'w') as f:
                f.write('vm-amdvi-pmd-hitless: rc=0, DMA faults (QEMU AMD-Vi trace)=%d, '
                        'faults seen by the framework=%d\n'
                        'vm-amdvi-pmd-hitless: 1000 swaps, %d with QEMU faults during the '
                        'call, 0 of those returned 0 with no fault seen; 0 QEMU faults after '
                        'the last swap\n'
                        'vm-amdvi-pmd-quiesce: rc=0, DMA faults (QEMU AMD-Vi trace)=0\n'
                        % (hitless_faults, hitless_faults if seen is None else seen,
                           min(hitless_faults, 64)))
                if device_errors:
                    f.write('vm-amdvi-pmd-hitless: QEMU device errors=%d, first: virtio: '
                            'zero sized buffers are not allowed\n' % device_errors)
                if not gated:
                    f.write('vm-amdvi-iommufd-latency: latency replace HWPT<->HWPT: n=200 '
                            'median=20.5 us p99=300.1 us max=900.0 us\n')
                f.write('vm-amdvi-ioas-latency: latency replace IOAS<->IOAS: n=20 '
                        'median=3000.5 us p99=5000.1 us max=5000.1 us\n')
            res = os.path.join(d, 'results.txt')
            doc = os.path.join(d, 'matrix.txt')
            p = subprocess.run([sys.executable, MATRIX_TABLE, d, '--results', res,
                                '--doc', doc], capture_output=True, text=True, check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(res) as f:
                lines = f.read().splitlines()
            with open(doc) as f:
                self.assertIn(p.stdout, f.read())
            return p.stdout, lines

    def test_row(self):
        table, res = self.run_table('quiesce', 3)
        self.assertEqual(res, ['PASS vm/matrix-amd-iommu'])
        self.assertIn('AMD-Vi (amd-iommu), ivhd0, HW_INFO type 0', table)
        self.assertIn('FAULTED: 3 QEMU fault trace events, 0 QEMU error lines in 1000 of 1000 replaces', table)
        self.assertIn('0 faults in 1000 replaces', table)
        self.assertIn('0 of them returned 0: the fault reported later', table)
        self.assertIn('median 20.5 us', table)
        self.assertIn('median 3000.5 us', table)

    def test_hitless_default_on_faulting_iommu_fails(self):
        _, res = self.run_table('hitless', 3)
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: default strategy hitless'),
                        res)

    def test_hitless_default_failed_test_fails(self):
        """The hitless test failed (e.g. a silent success, which a hitless
        default causes): its fault count still fails the default."""
        table, res = self.run_table('hitless', 3, fail=('vm-amdvi-pmd-hitless',))
        self.assertIn('no hitless measurement', res[0])
        self.assertIn('default strategy hitless on an IOMMU whose forced-hitless replaces '
                      'faulted (3', res[0])
        self.assertIn('3 QEMU fault trace events', table)

    def test_hitless_default_on_device_errors_fails(self):
        """AMD-Vi refuses DMA in its blocked window without a trace event:
        QEMU's device error is a fault for the default's verdict."""
        table, res = self.run_table('hitless', 0, device_errors=1, seen=1)
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: default strategy hitless'),
                        res)
        self.assertIn('1 QEMU error lines', table)

    def test_device_errors_unseen_fail(self):
        """QEMU's device refused DMA (no trace event) and the framework saw
        nothing: a silent failure."""
        _, res = self.run_table('quiesce', 0, device_errors=2, seen=0)
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: vm-amdvi-pmd-hitless: '
                                          'QEMU refused DMA'), res)
        _, res = self.run_table('quiesce', 0, device_errors=2, seen=1)
        self.assertEqual(res, ['PASS vm/matrix-amd-iommu'])

    def test_hitless_default_without_faults_passes(self):
        table, res = self.run_table('hitless', 0)
        self.assertEqual(res, ['PASS vm/matrix-amd-iommu'])
        self.assertIn('no fault in 1000 of 1000 replaces', table)

    def test_missing_measurement_fails(self):
        table, res = self.run_table('quiesce', 0, with_quiesce=False)
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: no quiesce'), res)
        self.assertIn('not measured', table)

    def test_failed_test_fails(self):
        table, res = self.run_table('quiesce', 0, fail=('vm-amdvi-pmd-hitless',))
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: no hitless'), res)
        self.assertIn('FAIL: exit 1', table)

    def test_not_supported_is_measured(self):
        """The gate found the kernel refusing, as expected: every cell says
        which ioctl and errno, and the row passes."""
        table, res = self.run_table('quiesce', 0, gated=True)
        self.assertEqual(res, ['PASS vm/matrix-amd-iommu'])
        self.assertEqual(table.count('not supported: IOMMU_HWPT_ALLOC refused with EADDRINUSE '
                                     '(errno 98)'), 3, table)
        self.assertIn('median 3000.5 us', table)

    def test_not_supported_needs_a_pass(self):
        """A gate line from a test that failed (the kernel now accepts, or
        refused otherwise) is no measurement."""
        _, res = self.run_table('quiesce', 0, gated=True, fail=('vm-amdvi-pmd-quiesce',))
        self.assertTrue(res[0].startswith('FAIL vm/matrix-amd-iommu: no quiesce'), res)


class Testlog(unittest.TestCase):
    """scripts/testlog_results.py: a test 'meson test --list' names for the
    requested suites without a result is a FAIL."""

    LIST = ('ninja: no work to do.\n'
            'dma-replace:unit / a\n'
            'dma-replace:unit / b c\n'
            'dma-replace:e2e / d\n')

    def run_it(self, *args):
        p = subprocess.run([sys.executable, TESTLOG_RESULTS] + list(args),
                           capture_output=True, text=True, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def files(self, d, log, listing):
        tl = os.path.join(d, 'testlog.json')
        with open(tl, 'w') as f:
            f.write(''.join(json.dumps(t) + '\n' for t in log))
        ls = os.path.join(d, 'list.txt')
        with open(ls, 'w') as f:
            f.write(listing)
        return tl, ls

    def test_never_ran(self):
        log = [{'name': 'dma-replace:unit / a', 'result': 'OK', 'stdout': 'PASS'},
               {'name': 'dma-replace:e2e / d', 'result': 'SKIP',
                'stdout': 'SKIP: testpmd needs 2 cores'}]
        with tempfile.TemporaryDirectory(prefix='tlr-') as d:
            out = self.run_it('plain', *self.files(d, log, self.LIST))
        self.assertIn('PASS plain/dma-replace:unit_/_a', out)
        self.assertIn('SKIP plain/dma-replace:e2e_/_d: SKIP: testpmd needs 2 cores', out)
        bc = [l for l in out if 'b_c' in l]
        self.assertEqual(len(bc), 1, out)
        self.assertTrue(bc[0].startswith('FAIL plain/dma-replace:unit_/_b_c: '), bc)
        self.assertIn('never ran', bc[0])
        self.assertEqual(len(out), 3, out)

    def test_all_ran(self):
        log = [{'name': n, 'result': 'OK', 'stdout': ''} for n in
               ('dma-replace:unit / a', 'dma-replace:unit / b c', 'dma-replace:e2e / d')]
        with tempfile.TemporaryDirectory(prefix='tlr-') as d:
            out = self.run_it('plain', *self.files(d, log, self.LIST))
        self.assertEqual([l.split()[0] for l in out], ['PASS'] * 3, out)

    def test_no_log(self):
        with tempfile.TemporaryDirectory(prefix='tlr-') as d:
            _, ls = self.files(d, [], self.LIST)
            out = self.run_it('asan', os.path.join(d, 'nosuch.json'), ls)
        self.assertTrue(out and all(l.startswith('FAIL') for l in out), out)

    def test_vm_missing(self):
        listing = 'dma-replace:vm / vm-pmd-quiesce\ndma-replace:vm / iommufd_kernel\n'
        with tempfile.TemporaryDirectory(prefix='tlr-') as d:
            res = os.path.join(d, 'vm-results.txt')
            with open(res, 'w') as f:
                f.write('PASS vm/vm-pmd-quiesce\nFAIL vm/iommu-boot: 1 DMA faults\n')
            _, ls = self.files(d, [], listing)
            out = self.run_it('--missing', 'vm', res, ls)
        self.assertEqual(len(out), 1, out)
        self.assertTrue(out[0].startswith('FAIL vm/iommufd_kernel: '), out)


if __name__ == '__main__':
    unittest.main(verbosity=2)
