#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Offline self-test of the smmuv3 boot's verdicts (smmu_matrix.py) on
console logs written here, one per hazard, through the command line
scripts/vm-arm64.sh uses. Runs in the plain tier (suite 'unit'); no VM.

    test_smmu_matrix.py [unittest args]     SMMU_MATRIX=path/to/it to check
                                            another version
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.environ.get('SMMU_MATRIX', os.path.join(HERE, 'smmu_matrix.py'))
FAULT = ('smmuv3-iommu-memory-region-8-1 translation failed for iova=0x100002000 '
         '(SMMU_EVT_C_BAD_CD)')
RECORD = '1234@1700000000.000001:smmuv3_record_event SMMU_EVT_C_BAD_CD sid=0x8'


def info(default='quiesce', hw='0'):
    return ['vm-matrix iommu=smmu3.0x0000000009050000 hw_info=%s default=%s' % (hw, default)]


def replaces(mode, n=4, faulted=(), seen=0, completions=100, errors=0, stalls=0):
    """Guest lines of a replace case; faulted: replaces with 3 QEMU faults."""
    out = []
    for i in range(n):
        if i in faulted:
            out += [FAULT, RECORD] * 3
        out.append('vm-swap %d rc=0 faults=0' % i)
    out.append('%s: replaces=%d wall=1.0 ms completions=%d device_errors=%d stalls=%d '
               'waits_without_dma=0 framework_faults=%d' % (mode, n, completions, errors,
                                                           stalls, seen))
    out.append('vm-faults-seen %d' % seen)
    out.append('latency replace HWPT<->HWPT under DMA: n=%d median=200.0 us p99=400.0 us '
               'max=500.0 us' % n)
    return out


LATENCY = ['latency replace HWPT<->HWPT: n=4 median=33.6 us p99=40.0 us max=41.0 us']
IOAS_LATENCY = ['latency replace IOAS<->IOAS: n=4 median=214.2 us p99=300.0 us max=301.0 us']


def console(cases):
    """cases: [(name, lines, rc)] -> console text as QEMU writes it."""
    text = ['qemu-system-aarch64: warning: startup noise', '@@VM-INIT kernel=6.12.95']
    for name, lines, rc in cases:
        text.append('@@TEST %s begin' % name)
        text += lines
        text.append('@@TEST %s end rc=%d' % (name, rc))
    return '\n'.join(text) + '\n'


def good(**over):
    c = {'smmuv3-matrix-info': (info(), 0),
         'smmuv3-pmd-hitless': (replaces('hitless', faulted=(1,), seen=3, errors=1), 0),
         'smmuv3-pmd-quiesce': (replaces('quiesce'), 0),
         'smmuv3-iommufd-latency': (LATENCY, 0),
         'smmuv3-ioas-latency': (IOAS_LATENCY, 0)}
    c.update(over)
    return [(n, l, rc) for n, (l, rc) in c.items() if l is not None]


class Verdicts(unittest.TestCase):
    def run_tool(self, cases, qemu_rc=0):
        d = tempfile.mkdtemp(prefix='smmu-matrix-')
        self.addCleanup(lambda: subprocess.run(['rm', '-rf', d], check=False))
        with open(os.path.join(d, 'plan.json'), 'w') as f:
            json.dump({'vm-pmd-hitless': {'boot': 'iommu'}}, f)
        with open(os.path.join(d, 'console-smmuv3.log'), 'w') as f:
            f.write(console(cases))
        subprocess.run([sys.executable, TOOL, d, str(qemu_rc)], check=True,
                       capture_output=True, text=True)
        res = {}
        with open(os.path.join(d, 'results-smmuv3.txt')) as f:
            for line in f:
                st, rest = line.rstrip('\n').split(' ', 1)
                name, _, why = rest.partition(': ')
                res[name[len('vm/'):]] = (st, why)
        with open(os.path.join(d, 'matrix-smmuv3.txt')) as f:
            matrix = f.read()
        with open(os.path.join(d, 'plan.json')) as f:
            plan = json.load(f)
        with open(os.path.join(d, 'summary.txt')) as f:
            summary = f.read()
        return res, matrix, plan, summary

    def test_clean_run(self):
        res, matrix, plan, summary = self.run_tool(good())
        self.assertEqual({st for st, _ in res.values()}, {'PASS'}, res)
        self.assertIn('hitless_replaces=4 hitless_faults=3 quiesce_faults=0 '
                      'lat_hwpt_us=33.6 lat_ioas_us=214.2 default=quiesce', matrix)
        self.assertIn('kernel=6.12.95', matrix)
        # The x86 boots' plan entries are kept; the table finds ours.
        self.assertEqual(plan['vm-pmd-hitless']['boot'], 'iommu')
        self.assertEqual(plan['vm-smmuv3-pmd-hitless']['boot'], 'smmuv3')
        self.assertIn('vm-smmuv3-pmd-hitless: rc=0, DMA faults (QEMU smmuv3 trace)=3, '
                      'faults seen by the framework=3, event queue records=3', summary)
        self.assertIn('vm-smmuv3-pmd-hitless: 4 swaps, 1 with QEMU faults during the call, '
                      '1 of those returned 0 with no fault seen', summary)
        self.assertIn('vm-smmuv3-ioas-latency: latency replace IOAS<->IOAS: n=4 '
                      'median=214.2 us', summary)
        self.assertIn('vm-smmuv3-iommufd-latency: latency replace HWPT<->HWPT: n=4 '
                      'median=33.6 us p99=40.0 us', summary)

    def test_framework_missed_faults(self):
        res = self.run_tool(good(**{'smmuv3-pmd-hitless': (
            replaces('hitless', faulted=(2,), seen=0), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-hitless'][0], 'FAIL')
        self.assertIn('framework', res['vm-smmuv3-pmd-hitless'][1])

    def test_default_hitless_on_faulting_iommu(self):
        res = self.run_tool(good(**{'smmuv3-matrix-info': (info('hitless'), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-hitless'][0], 'FAIL')
        self.assertIn('default strategy hitless', res['vm-smmuv3-pmd-hitless'][1])

    def test_default_hitless_without_faults_passes(self):
        res = self.run_tool(good(**{'smmuv3-matrix-info': (info('hitless'), 0),
                                    'smmuv3-pmd-hitless': (replaces('hitless'), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-hitless'][0], 'PASS', res)

    def test_quiesce_fault(self):
        res = self.run_tool(good(**{'smmuv3-pmd-quiesce': (
            replaces('quiesce', faulted=(0,), seen=3), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-quiesce'][0], 'FAIL')
        self.assertIn('3 QEMU faults', res['vm-smmuv3-pmd-quiesce'][1])

    def test_quiesce_device_error(self):
        res = self.run_tool(good(**{'smmuv3-pmd-quiesce': (
            replaces('quiesce', errors=1), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-quiesce'][0], 'FAIL')
        self.assertIn('DEVICE_NEEDS_RESET', res['vm-smmuv3-pmd-quiesce'][1])

    def test_quiesce_stall_alone_is_reported_not_failed(self):
        res, _, _, summary = self.run_tool(good(**{'smmuv3-pmd-quiesce': (
            replaces('quiesce', errors=1, stalls=1), 0)}))
        self.assertEqual(res['vm-smmuv3-pmd-quiesce'][0], 'PASS', res)
        self.assertIn('stalls=1', summary)

    def test_no_dma(self):
        res = self.run_tool(good(**{'smmuv3-pmd-hitless': (
            replaces('hitless', completions=0), 0)}))[0]
        self.assertEqual(res['vm-smmuv3-pmd-hitless'][0], 'FAIL')
        self.assertIn('no frame', res['vm-smmuv3-pmd-hitless'][1])

    def test_not_supported_is_a_measured_pass(self):
        res, matrix, _, _ = self.run_tool(good(**{'smmuv3-pmd-hitless': (
            ['not supported: IOMMU_HWPT_ALLOC: Operation not supported (errno 95)'], 3)}))
        self.assertEqual(res['vm-smmuv3-pmd-hitless'],
                         ('PASS', 'not supported: IOMMU_HWPT_ALLOC: Operation not supported '
                          '(errno 95)'))
        self.assertIn('hitless_faults=not_supported:_IOMMU_HWPT_ALLOC', matrix)

    def test_case_failed_or_missing(self):
        res = self.run_tool(good(**{'smmuv3-pmd-quiesce': (None, 0),
                                    'smmuv3-iommufd-latency': (['FAIL: boom'], 1)}),
                            qemu_rc=124)[0]
        self.assertEqual(res['vm-smmuv3-pmd-quiesce'][0], 'FAIL')
        self.assertIn('124', res['vm-smmuv3-pmd-quiesce'][1])
        self.assertEqual(res['vm-smmuv3-iommufd-latency'][0], 'FAIL')
        self.assertIn('boom', res['vm-smmuv3-iommufd-latency'][1])

    def test_no_info_line(self):
        res = self.run_tool(good(**{'smmuv3-matrix-info': ([], 0)}))[0]
        self.assertEqual(res['vm-smmuv3-matrix-info'][0], 'FAIL')


if __name__ == '__main__':
    unittest.main()
