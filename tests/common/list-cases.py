#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""The case table of a C test (tests/common/th.h), for meson.

  list-cases.py SOURCE.c
      prints 'name suite[,suite]' for each entry of the one
      'static const struct th_case NAME[] = {' table in SOURCE.c; anything
      it cannot parse is an error (file:line, exit 1): meson's configure
      then stops, instead of declaring fewer tests.
  list-cases.py --check SOURCE.c BINARY NAMES [SOURCE.c BINARY NAMES...]
      the harness test: for each binary, BINARY --list, the table in
      SOURCE.c now and NAMES (the comma-separated names meson declared
      tests for at configure time) must be the same list.
"""

import re
import subprocess
import sys

SUITES = {'unit', 'integration', 'concurrency', 'e2e', 'vm'}
OPEN = re.compile(r'^\s*static const struct th_case (\w+)\[\] = \{$')
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
        bad = [s for s in suites if s not in SUITES]
        if bad:
            raise TableError('%s: case %s: unknown suite(s) %s (known: %s)'
                             % (where, name, ','.join(bad), ', '.join(sorted(SUITES))))
        if name in [c[0] for c in cases]:
            raise TableError('%s: case %s listed twice' % (where, name))
        cases.append((name, suites))
    else:
        raise TableError('%s: case table not closed by "};"' % path)
    if not cases:
        raise TableError('%s: empty case table' % path)
    return cases


def check(source, binary, names):
    """0 when the binary, the source and meson agree; 1 with the differences."""
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
