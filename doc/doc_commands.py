#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Runs every shell command shown in the guides (meson test doc-commands).

A command is a line starting with '$ ' in a '.. code-block:: console' block
of doc/guides (a line ending with a backslash continues on the next, a
here-document ends at its delimiter line); the other lines of such a block
are output. Lines starting with an application's prompt ('testpmd> ',
'test-replace> ') after a command are a session typed into it: they are fed
to its standard input, and each session command must give an error
('error:' in its output) exactly when the docs show one after it. Each file's commands run in order in
one bash, so a variable set by one command is seen by the next, in a scratch
directory that links the source tree's top-level entries (relative paths
such as app/test-replace/demo.script work, files written land in the scratch
directory), stdin from /dev/null. A command fails the test when its exit
status is not 0.

The build under test is reused, never rebuilt: an assignment of B (the
build directory) or DPDK (the DPDK prefix) shown in the docs is replaced by
the values of this build (BUILD_ROOT, DPDK_PREFIX of the meson test
environment), which every file's commands also find set, as a reader who
followed the getting started guide has them.

Commands that cannot run here are listed in EXCLUDED below with the reason
(and, where there is one, the test that runs them); an entry that matches no
command any more is a failure too, so the list does not go stale. A console
block without any '$ ' command is a failure (the prompt was forgotten),
except in the files of EXCLUDED_FILES.

usage: doc_commands.py [--list] [--file NAME.rst]
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDES = os.path.join(TOP, 'doc', 'guides')

# file (relative to doc/guides) -> why its console blocks are not run
EXCLUDED_FILES = {
    'performance.rst': 'benchmark commands of minutes each (scripts/bench.sh runs them '
                       'and regenerates this file); not part of the test command',
}

# (regex on the command, reason). Keep each reason honest: name the test or
# tier that runs the command, or why nothing can run it on a test machine.
EXCLUDED = [
    (r'^\./scripts/run-tests\.sh\b',
     'the test command itself: running it here would recurse'),
    (r'^\./scripts/run-demo\.sh\b',
     'sets up and rebuilds before the demo; the demo itself runs in e2e test '
     'clone_anywhere_demo, and app/test-replace/run-demo-scenario.sh below'),
    (r'^(DPDK_VERSION=\S+ )?(BUILD_WERROR=1 )?(DPDK_VERSION=\S+ )?scripts/build\.sh\b',
     'a build (minutes): the test reuses the build under test; '
     'scripts/run-tests.sh builds every flavor'),
    (r'^(VM_NO_BUILD=1 )?scripts/vm-run\.sh\b',
     'boots a QEMU guest for minutes: tier vm of scripts/run-tests.sh'),
    (r'^modprobe vfio-pci',
     'root-only system change (loads a kernel module)'),
    (r'^driverctl set-override ',
     'root-only system change, needs a real NIC to bind to vfio-pci'),
    (r'^echo .*> /sys/',
     'root-only system change of sysfs (driver binding, hugepages)'),
    (r'^ls (-l )?/sys/bus/pci/devices/0000:01:00\.0/|^ls -l /dev/vfio/devices/',
     'needs a real NIC bound to vfio-pci with a cdev'),
    (r'^cat /sys/bus/pci/devices/0000:01:00\.0/',
     'needs the real NIC of the example'),
    (r'^ls /dev/iommu ',
     'needs a host with an IOMMU enabled (/dev/iommu): the VM tier has one'),
]

ASSIGN = re.compile(r'^(B|DPDK)=\S.*$')
PROMPT = re.compile(r'^(testpmd|test-replace)> (.*)$')
ERROR = re.compile(r'\berror:')
HEREDOC = re.compile(r"<<-?\s*'?\"?([A-Za-z_]+)'?\"?")


def blocks(path):
    """Yields (line number, [commands]) per console block of path; a
    command is [line, text, session], session a list of
    [prompt, input, doc shows an error]."""
    lines = open(path).read().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^(\s*)\.\. code-block:: console\s*$', lines[i])
        if not m:
            i += 1
            continue
        base = len(m.group(1))
        start = i + 1
        i += 1
        cmds = []
        cur = None      # a command still being read
        heredoc = None  # the delimiter of its here-document
        while i < len(lines):
            l = lines[i]
            if l.strip() and len(l) - len(l.lstrip()) <= base:
                break
            s = l.strip()
            if cur is not None and (heredoc or cur[1].endswith('\\')):
                cur[1] += '\n' + (l[base + 3:] if heredoc else s)
                if heredoc and s == heredoc:
                    heredoc = None
            elif s.startswith('$ '):
                cur = [i + 1, s[2:], []]
                cmds.append(cur)
                h = HEREDOC.search(s)
                heredoc = h.group(1) if h else None
            elif cur is not None and PROMPT.match(s):
                pm = PROMPT.match(s)
                cur[2].append([pm.group(1), pm.group(2), False])
            elif cur is not None and cur[2] and ERROR.search(s):
                cur[2][-1][2] = True
            i += 1
        yield start, cmds


def excluded(cmd):
    for k, (rx, why) in enumerate(EXCLUDED):
        if re.search(rx, cmd):
            return k, why
    return None, None


def scratch_dir():
    d = tempfile.mkdtemp(prefix='dr-doc-commands.')
    for e in os.listdir(TOP):
        if e in ('.git', 'build') or e.startswith('.'):
            continue
        os.symlink(os.path.join(TOP, e), os.path.join(d, e))
    return d


def run_file(rel, cmds, env, timeout):
    """Runs the commands of one file in one bash; returns the failures."""
    script = ['exec 2>&1']
    for n, (line, cmd, session) in enumerate(cmds):
        if session:
            cmd += ' <<\'DR_DOC_SESSION\'\n%s\nDR_DOC_SESSION' % '\n'.join(x[1] for x in session)
        if ASSIGN.match(cmd):
            var = cmd.split('=', 1)[0]
            cmd = '%s=%s  # doc: %s' % (var, shlex.quote(env['DOC_' + var]),
                                        cmd.replace('\n', ' '))
        script.append('printf "\\n%%s\\n" %s' % shlex.quote('+++ %s:%d: %s' % (
            rel, line, cmd.split('\n')[0])))
        script.append(cmd)
        # (a leading newline: an application may end on a prompt)
        script.append('printf "\\n+++ rc %%s %d\\n" $?' % n)
    d = scratch_dir()
    t0 = time.time()
    try:
        p = subprocess.run(['bash', '-c', '\n'.join(script)], cwd=d, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           timeout=timeout)
        out = p.stdout.decode(errors='replace')
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace')
        out += '\n+++ timeout after %d s\n' % timeout
    finally:
        subprocess.run(['rm', '-rf', d])
    print(out, end='')
    rcs = {int(m.group(2)): int(m.group(1))
           for m in re.finditer(r'^\+\+\+ rc (\d+) (\d+)$', out, re.M)}
    fails = []
    for n, (line, cmd, session) in enumerate(cmds):
        fails += check_session(rel, line, session, out, n)
        if n not in rcs:
            fails.append('%s:%d: did not finish (timeout, or an earlier command '
                         'ended the shell): %s' % (rel, line, cmd))
        elif rcs[n] != 0:
            fails.append('%s:%d: exit status %d: %s' % (rel, line, rcs[n], cmd))
    print('doc-commands: %s: %d commands in %.1f s' % (rel, len(cmds), time.time() - t0))
    return fails


def check_session(rel, line, session, out, n):
    """Each session command gives an error exactly when the docs show one."""
    if not session:
        return []
    m = re.search(r'^\+\+\+ %s:%d: .*?$(.*?)^\+\+\+ rc \d+ %d$' % (re.escape(rel), line, n),
                  out, re.M | re.S)
    if not m:
        return []  # no exit status: reported as not finished
    text = m.group(1)
    fails = []
    pos = 0
    for prompt, inp, doc_err in session:
        k = text.find('%s> %s' % (prompt, inp), pos)
        if k < 0:
            fails.append('%s:%d: session command %r: not echoed after its prompt '
                         '(the application ended before it?)' % (rel, line, inp))
            break
        nxt = text.find('%s> ' % prompt, k + len(prompt) + 2 + len(inp))
        seg = text[k + len(prompt) + 2 + len(inp):nxt if nxt >= 0 else len(text)]
        pos = k + 1
        got = bool(ERROR.search(seg))
        if got != doc_err:
            fails.append('%s:%d: session command %r: %s' % (
                rel, line, inp, 'gave an error the docs do not show' if got
                else 'the docs show an error, it gave none'))
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--list', action='store_true', help='list, run nothing')
    ap.add_argument('--file', help='only this file (relative to doc/guides)')
    ap.add_argument('--timeout', type=int, default=240, help='seconds per file')
    a = ap.parse_args()

    env = dict(os.environ)
    build = env.get('BUILD_ROOT')
    dpdk = env.get('DPDK_PREFIX')
    if not build or not dpdk:
        print('doc-commands: BUILD_ROOT and DPDK_PREFIX must be set (meson test sets them)')
        return 2
    env['DOC_B'] = env['B'] = build
    env['DOC_DPDK'] = env['DPDK'] = dpdk
    env.pop('LD_LIBRARY_PATH', None)  # the docs set it where they need it

    errors = []
    used = set()
    todo = []
    n_run = n_excl = 0
    for path in sorted(glob.glob(os.path.join(GUIDES, '**', '*.rst'), recursive=True)):
        rel = os.path.relpath(path, GUIDES)
        if a.file and rel != a.file:
            continue
        run = []
        for start, cmds in blocks(path):
            if rel in EXCLUDED_FILES:
                continue
            if not cmds:
                errors.append("%s:%d: console block without a '$ ' command (mark the "
                              "commands with '$ ', or use code-block:: none)" % (rel, start))
            for line, cmd, session in cmds:
                k, why = excluded(cmd)
                if k is not None:
                    used.add(k)
                    n_excl += 1
                    print('excluded %s:%d: %s\n    why: %s' % (rel, line, cmd.split('\n')[0], why))
                else:
                    run.append((line, cmd, session))
        if rel in EXCLUDED_FILES:
            print('excluded file %s: %s' % (rel, EXCLUDED_FILES[rel]))
        if run:
            todo.append((rel, run))
    if not a.file:
        for k, (rx, why) in enumerate(EXCLUDED):
            if k not in used:
                errors.append('exclusion %r matches no command any more: remove it' % rx)
    n_sess = sum(len(c[2]) for _, run in todo for c in run)
    for rel, run in todo:
        for line, cmd, session in run:
            print('run %s:%d: %s%s' % (rel, line, cmd.split('\n')[0],
                                       ' (+%d session commands)' % len(session) if session else ''))
        n_run += len(run)
        if not a.list:
            errors += run_file(rel, run, env, a.timeout)
    for e in errors:
        print('FAIL ' + e)
    print('doc-commands: %d commands (and %d session commands) %s, %d excluded '
          '(reasons above), %d failures'
          % (n_run, n_sess, 'listed' if a.list else 'run', n_excl, len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
