#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""The harness's self-test: th_selftest's cases fail, skip and pass on
purpose; each must give its exit code (meson: 0 pass, 1 fail, 77 skip) and
a failed check must name its file:line and values. A harness that
swallowed a failure (exit 0) fails this test.

  th_selftest.py BINARY SOURCE(th_selftest.c) LIST_CASES(list-cases.py)
"""

import os
import re
import subprocess
import sys
import tempfile

failures = []


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, check=False)
    return p.returncode, p.stdout


def expect(what, cond, out=''):
    print('%s %s' % ('ok  ' if cond else 'FAIL', what))
    if not cond:
        failures.append(what)
        if out:
            print('  output:\n    ' + '\n    '.join(out.rstrip().split('\n')))


def line_of(source, marker):
    with open(source, encoding='utf-8') as f:
        for no, l in enumerate(f, 1):
            if '/* selftest: %s */' % marker in l:
                return no
    raise SystemExit('%s: no "/* selftest: %s */" line' % (source, marker))


def main(binary, source, list_cases):
    name = os.path.basename(source)
    # case: (exit code, [regexes the output must contain], [must not])
    fail_at = lambda m: r'FAIL \S*%s:%d: ' % (re.escape(name), line_of(source, m))
    want = {
        'pass': (0, [r'== pass: ok', r'PASS pass: 3 checks, 0 failed'], [r'FAIL']),
        'fail': (1, [fail_at('fail line') + r'got == 4: got 3, want 4$',
                     r'teardown of fail', r'== fail: FAILED',
                     r'FAIL fail: 1 checks, 1 failed'], [r'teardown did not run']),
        'fail_rc': (1, [fail_at('rc line') + r'-EINVAL returned -22 \(.+\), expected 0 '],
                    []),
        'fail_eq': (1, [fail_at('eq line') + r'a == 4: 3 != 4$'], []),
        'require': (1, [fail_at('require line') + r'required thing$'], [r'not reached']),
        'return': (1, [r'== return: FAILED'], []),
        'skip': (77, [r'skipping on purpose', r'== skip: skipped', r'SKIP skip:'], []),
        'fail_skip': (1, [fail_at('fail_skip line') + r'false: before the skip$',
                          r'== fail_skip: FAILED'], []),
        'setup_skip': (77, [r'setup of setup_skip: skip'], [r'the case ran', r'teardown of']),
        'setup_fail': (1, [r'setup of setup_fail: fail', r'FAIL setup_fail: setup failed'],
                       [r'the case ran', r'teardown of']),
        'expect': (1, [r'^ok   shown when it passes$',
                       fail_at('expect line') + r'shown when it fails$'], []),
        'no_such_case': (2, [r"unknown case 'no_such_case'", r'usage: '], []),
    }
    for case, (rc, must, mustnot) in want.items():
        got, out = run([binary, case])
        expect('%s: exit %d (got %d)' % (case, rc, got), got == rc, out)
        for r in must:
            expect('%s: output has /%s/' % (case, r), re.search(r, out, re.M) is not None, out)
        for r in mustnot:
            expect('%s: output lacks /%s/' % (case, r), re.search(r, out, re.M) is None, out)
    got, out = run([binary, 'args', 'x', '42'])
    expect('args: exit 0 (got %d)' % got, got == 0, out)
    got, out = run([binary, 'args', 'x', 'forty'])
    expect('args: a malformed number fails (got %d)' % got,
           got == 1 and "argument 2 'forty' is not a number" in out, out)
    # a crash names the case, shows where (frames of this binary) and runs
    # the test's hook; then the process dies of the signal (a sanitizer
    # build leaves crashes to its runtime's report)
    got, out = run([binary, 'crash', '16'])
    if re.search(r'(Address|Thread)Sanitizer', out):
        expect('crash: reported by the sanitizer (exit %d)' % got, got != 0, out)
    else:
        expect('crash: dies of SIGSEGV (exit %d)' % got, got == -11, out)
        for r in (r'^FAIL: crashed: signal 11 at address 0x10 in case crash; backtrace:$',
                  r'^\S*th_selftest\S*\(', r'^crash hook ran$'):
            expect('crash: output has /%s/' % r, re.search(r, out, re.M) is not None, out)
        expect('crash: output lacks /not reached/', 'not reached' not in out, out)
    # every case in one process: one failure fails the run
    got, out = run([binary])
    expect('all cases: exit 1 (got %d)' % got, got == 1, out)
    # --list and the configure-time parser read the same table
    got, out = run([binary, '--list'])
    rc2, parsed = run([sys.executable, list_cases, source])
    expect('--list: exit 0, the table list-cases.py reads', got == 0 and rc2 == 0 and
           out == parsed and out.startswith('pass unit\n') and 'args unit,concurrency\n' in out,
           out + parsed)
    # the parser fails loudly on what it cannot read
    bad = {
        'an entry over two lines': '\t{ "a", "unit",\n\t\tcase_a },\n',
        'an unknown suite': '\t{ "a", "unti", case_a },\n',
        'a name twice': '\t{ "a", "unit", case_a },\n\t{ "a", "unit", case_b },\n',
        'a macro entry': '\tCASE(a),\n',
    }
    for what, body in bad.items():
        with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
            f.write('static const struct th_case cases[] = {\n%s};\n' % body)
        got, out = run([sys.executable, list_cases, f.name])
        os.unlink(f.name)
        expect('list-cases.py fails on %s (exit %d)' % (what, got),
               got == 1 and re.search(re.escape(f.name) + r'(:\d+)?: ', out) is not None, out)
    print('%s th_selftest: %d failed' % ('FAIL' if failures else 'PASS', len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
