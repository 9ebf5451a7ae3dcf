#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""The case table of a C test (tests/common/th.h), for meson.

  list-cases.py SOURCE.c
      prints 'name suite[,suite]' for each entry of the one
      'static const struct th_case NAME[] = {' table in SOURCE.c; anything
      it cannot parse is an error (file:line, exit 1): meson's configure
      then stops, instead of declaring fewer tests.
  list-cases.py --script SCRIPT
      prints 'name suite[,suite] timeout' for each case of a test script
      (tests/app/*.py: @trlib.case; tests/e2e/*.sh), from SCRIPT --list;
      a failed run or a line it cannot parse is an error (exit 1).
  list-cases.py --check SOURCE.c BINARY NAMES [SOURCE.c BINARY NAMES...]
      the harness test: for each binary, BINARY --list, the table in
      SOURCE.c now and NAMES (the comma-separated names meson declared
      tests for at configure time) must be the same list. For a test
      script, SOURCE.c and BINARY are both the script: its --list now
      and NAMES must be the same list.
"""

import re
import subprocess
import sys

SUITES = {'unit', 'integration', 'concurrency', 'e2e', 'vm'}
OPEN = re.compile(r'^\s*static const struct th_case (\w+)\[\] = \{$')
SCRIPT_LINE = re.compile(r'^([a-z][a-z0-9_]*) ([a-z0-9,]+) ([1-9][0-9]*)$')
ENTRY = re.compile(r'^\s*\{ "([a-z][a-z0-9_]*)", "([a-z,]+)", \w+, \w+, \w+ \},$')
CLOSE = re.compile(r'^\s*\};$')
COMMENT_ONE = re.compile(r'^\s*/\*.*\*/$')
COMMENT_OPEN = re.compile(r'^\s*/\*')


class TableError(Exception):
    pass


def parse(path):
    """[(name, [suites])] of the one case table in path."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    tables = [i for i, l in enumerate(lines) if OPEN.match(l)]
    if len(tables) != 1:
        raise TableError('%s: %d lines "static const struct th_case NAME[] = {", '
                         'expected exactly one (tests/common/th.h)' % (path, len(tables)))
    cases = []
    in_comment = False
    for no in range(tables[0] + 1, len(lines)):
        l = lines[no]
        where = '%s:%d' % (path, no + 1)
        if in_comment:
            in_comment = '*/' not in l
            continue
        if l.strip() == '' or COMMENT_ONE.match(l):
            continue
        if COMMENT_OPEN.match(l) and '*/' not in l:
            in_comment = True
            continue
        if CLOSE.match(l):
            break
        m = ENTRY.match(l)
        if m is None:
            raise TableError('%s: not a case table entry: %r (one a line: '
                             '{ "name", "suite[,suite]", fn, setup|NULL, teardown|NULL },)'
                             % (where, l.strip()))
        name, suites = m.group(1), m.group(2).split(',')
        check_suites(where, name, suites)
        if name in [c[0] for c in cases]:
            raise TableError('%s: case %s listed twice' % (where, name))
        cases.append((name, suites))
    else:
        raise TableError('%s: case table not closed by "};"' % path)
    if not cases:
        raise TableError('%s: empty case table' % path)
    return cases


def check_suites(where, name, suites):
    bad = [s for s in suites if s not in SUITES]
    if bad:
        raise TableError('%s: case %s: unknown suite(s) %s (known: %s)'
                         % (where, name, ','.join(bad), ', '.join(sorted(SUITES))))


def run_list(path):
    """(returncode, [lines]) of path --list; a .py through this python."""
    cmd = [sys.executable, path] if path.endswith('.py') else [path]
    out = subprocess.run(cmd + ['--list'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=False, universal_newlines=True)
    return out.returncode, out.stdout.strip().split('\n'), out.stderr.strip()


def parse_script(path):
    """[(name, [suites], timeout)] of test script path, from its --list."""
    rc, lines, err = run_list(path)
    if rc != 0:
        raise TableError('%s --list exited %d: %s' % (path, rc, err))
    cases = []
    for no, l in enumerate(lines):
        m = SCRIPT_LINE.match(l)
        where = '%s --list, line %d' % (path, no + 1)
        if m is None:
            raise TableError('%s: not "name suite[,suite] timeout": %r' % (where, l))
        name, suites = m.group(1), m.group(2).split(',')
        check_suites(where, name, suites)
        if name in [c[0] for c in cases]:
            raise TableError('%s: case %s listed twice' % (where, name))
        cases.append((name, suites, int(m.group(3))))
    return cases


def check_script(script, names):
    """0 when the script's --list and the tests meson declared agree."""
    try:
        got = [c[0] for c in parse_script(script)]
    except TableError as e:
        print('FAIL %s' % e)
        return 1
    declared = names.split(',')
    if got != declared:
        print('FAIL meson declared tests for %s, %s --list now has %s: reconfigure '
              '(meson setup --reconfigure)' % (declared, script, got))
        return 1
    print('PASS %s: %d cases' % (script, len(got)))
    return 0


def check(source, binary, names):
    """0 when the binary, the source and meson agree; 1 with the differences."""
    if source == binary:
        return check_script(source, names)
    src = ['%s %s' % (n, ','.join(s)) for n, s in parse(source)]
    out = subprocess.run([binary, '--list'], stdout=subprocess.PIPE, check=False,
                         universal_newlines=True)
    got = out.stdout.strip().split('\n')
    declared = names.split(',')
    ok = True
    if out.returncode != 0 or got != src:
        print('FAIL %s --list (rc %d) differs from the table in %s:\n  binary: %s\n  source: %s'
              % (binary, out.returncode, source, got, src))
        ok = False
    if [l.split(' ')[0] for l in src] != declared:
        print('FAIL meson declared tests for %s, the table in %s now has %s: reconfigure '
              '(meson setup --reconfigure)' % (declared, source, [l.split(' ')[0] for l in src]))
        ok = False
    if ok:
        print('PASS %s: %d cases' % (binary, len(src)))
    return 0 if ok else 1


def main(argv):
    try:
        if len(argv) == 2:
            for name, suites in parse(argv[1]):
                print(name, ','.join(suites))
            return 0
        if len(argv) == 3 and argv[1] == '--script':
            for name, suites, timeout in parse_script(argv[2]):
                print(name, ','.join(suites), timeout)
            return 0
        if len(argv) >= 5 and argv[1] == '--check' and (len(argv) - 2) % 3 == 0:
            rcs = [check(*argv[i:i + 3]) for i in range(2, len(argv), 3)]
            return max(rcs)
    except (TableError, OSError) as e:
        print('list-cases.py: %s' % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
