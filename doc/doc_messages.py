#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Checks that every error message of the tools has an entry in
doc/guides/troubleshooting.rst (meson test doc-messages, suite doc).

The messages are taken from the code:
  - dpdk-test-replace (app/test-replace/*.c): tr_err(), TR_LOG(ERR|WARNING);
  - the iommufd bus and its emulated devices (drivers/bus/iommufd/**.c):
    IOMMUFD_LOG and EMU_LOG (ERR|WARNING), opt_error() (devargs, printed
    as "<device>: <message>");
  - the scripts (scripts/*.sh): dr_die "...".
Adjacent C string literals and PRI* macros are joined; each conversion
(%s, %u, PRIx64...) or shell expansion ($x, ${x}, $(...)) stands for a part
that varies. A message is covered when an inline literal (``...``) of the
troubleshooting page matches all of it, where "..." in the page stands for
anything. A message with no word of its own ("%s: %s", "$msg": it passes on
another message, covered where that one is made) is not checked.

Exit 1 when a message has no entry (each is listed with its file and line).
"""
import glob
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(TOP, 'doc', 'guides', 'troubleshooting.rst')
C_SOURCES = ['app/test-replace/*.c', 'drivers/bus/iommufd/**/*.c']
LEVELED = ('IOMMUFD_LOG', 'EMU_LOG', 'TR_LOG')
CALL = re.compile(r'\b(tr_err|IOMMUFD_LOG|EMU_LOG|TR_LOG|opt_error)\s*\(')
LITERAL = re.compile(r'\s*("(?:[^"\\]|\\.)*"|PRI[a-zA-Z0-9]+)')
CONV = re.compile(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[a-zA-Z]')
SH_EXP = re.compile(r'\$\{[^}]*\}|\$\((?:[^()]|\([^)]*\))*\)|\$[A-Za-z_0-9]+|\$\*|\$@')


def first_arg_end(src, i):
    depth = 0
    while i < len(src):
        c = src[i]
        if c in '([':
            depth += 1
        elif c in ')]':
            if depth == 0:
                return i
            depth -= 1
        elif c == ',' and depth == 0:
            return i
        i += 1
    return i


def c_messages():
    for pat in C_SOURCES:
        for f in sorted(glob.glob(os.path.join(TOP, pat), recursive=True)):
            src = open(f).read()
            for m in CALL.finditer(src):
                name = m.group(1)
                end = first_arg_end(src, m.end())
                if name in LEVELED and src[m.end():end].strip() not in ('ERR', 'WARNING'):
                    continue
                if src[end:end + 1] != ',':
                    continue  # a declaration, or no message argument
                i = end + 1
                parts = []
                while True:
                    lm = LITERAL.match(src, i)
                    if not lm:
                        break
                    t = lm.group(1)
                    parts.append(t[1:-1] if t.startswith('"') else '%d')
                    i = lm.end()
                if not parts:
                    continue
                text = ''.join(parts).replace('\\n', '').replace('\\"', '"').replace('\\\\', '\\')
                text = CONV.sub('\x00', text.replace('%%', '%'))
                if name == 'opt_error':
                    text = '\x00: ' + text
                yield os.path.relpath(f, TOP), src.count('\n', 0, m.start()) + 1, text


def sh_messages():
    for f in sorted(glob.glob(os.path.join(TOP, 'scripts', '*.sh'))):
        for n, line in enumerate(open(f), 1):
            m = re.search(r'\bdr_die "((?:[^"\\$]|\\.|\$\((?:[^()]|\([^)]*\))*\)|\$)*)"', line)
            if m:
                yield os.path.relpath(f, TOP), n, SH_EXP.sub('\x00', m.group(1))


def main():
    page = open(PAGE).read()
    entries = [re.sub(r'\s+', ' ', x) for x in re.findall(r'``(.+?)``', page, re.S)]
    # an entry must say something of its own: 8 letters besides the '...'
    rxs = [re.compile('.*'.join(re.escape(p) for p in e.split('...')), re.S)
           for e in entries if len(re.findall(r'[A-Za-z]', e.replace('...', ''))) >= 8]
    total = passed_on = 0
    missing = []
    for f, n, text in list(c_messages()) + list(sh_messages()):
        total += 1
        if not re.search(r'[A-Za-z]{2}', text.replace('\x00', '')):
            passed_on += 1
            continue
        shown = re.sub(r'\s+', ' ', text.replace('\x00', '...')).strip()
        probe = re.sub(r'\s+', ' ', text.replace('\x00', 'X')).strip()
        if not any(r.fullmatch(probe) for r in rxs):
            missing.append('%s:%d: %s' % (f, n, shown))
    for m in missing:
        print('FAIL no entry in doc/guides/troubleshooting.rst for ' + m)
    print('doc-messages: %d messages, %d pass another one on, %d without an entry%s'
          % (total, passed_on, len(missing),
             ': add each, as an inline literal with ... for what varies, and its fix'
             if missing else ''))
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
