#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Checks doxygen's warnings on the public headers against a shrinking list.

usage: doxygen_check.py WARNINGS_FILE BASELINE_FILE

Every warning doxygen printed (WARN_IF_UNDOCUMENTED, WARN_NO_PARAMDOC,
WARN_IF_DOC_ERROR...) fails, unless it is in BASELINE_FILE
(doc/api/undocumented.txt): the symbols that were public and not fully
documented when the check came in, left for the API split of issue 14 to
document (the headers were being restructured at the time). A symbol added
or a comment removed since is not in it, so it fails; an entry of the list
that doxygen no longer reports (now documented, renamed or removed) fails
too, so the list only shrinks. Entries are keyed by the symbol, not by the
file or line, so moving a declaration to another header keeps its entry.
Exit 0 when clean, 1 otherwise.
"""
import re
import sys


def keys(path):
    """(key, original text) of each warning, continuation lines joined."""
    out = []
    for line in open(path, errors='replace').read().split('\n'):
        if not line.strip():
            continue
        if line[0].isspace() and out:
            out[-1][1] += ' ' + line.strip()
            continue
        out.append([line, line])
    res = []
    for orig, text in out:
        k = re.sub(r'^.*?:\d+: (error|warning): ', '', text)
        k = re.sub(r' of file \S+', ' of file', k)
        res.append((k.strip(), orig if orig == text else text))
    return res


def main():
    if len(sys.argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    found = keys(sys.argv[1])
    base = [l.rstrip('\n') for l in open(sys.argv[2])]
    base = {l.strip() for l in base if l.strip() and not l.startswith('#')}
    bad = [(k, t) for k, t in found if k not in base]
    seen = {k for k, _ in found}
    stale = sorted(base - seen)
    for k, t in bad:
        print(t)
    if bad:
        print('doc-api: %d doxygen warnings above: document each public symbol named '
              '(a /** */ comment, @param for every parameter, @return when it returns '
              'a value)' % len(bad))
    for k in stale:
        print('doc-api: %s: no longer reported (documented, renamed or removed): '
              'remove this line from %s' % (k, sys.argv[2]))
    print('doc-api: %d warnings, %d of them listed in %s (left to document), '
          '%d new, %d stale entries' % (len(found), len(found) - len(bad), sys.argv[2],
                                        len(bad), len(stale)))
    return 1 if bad or stale else 0


if __name__ == '__main__':
    sys.exit(main())
