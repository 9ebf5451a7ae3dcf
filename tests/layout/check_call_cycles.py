#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""No two source files of a component call into each other.

Usage: check_call_cycles.py BUILD_DIR COMPONENT [--exclude SUBDIR]...
                            [--target NAME]

COMPONENT is a source folder, e.g. lib/dma_domain, drivers/bus/iommufd,
drivers/bus/iommufd/emu, drivers/net/virtio_iommufd or app/test-replace:
its files and those of its subfolders (less the --exclude ones, relative
to COMPONENT: e.g. drivers/bus/iommufd --exclude emu). The script takes
each library, driver or app target defined in that folder or above it
(not tests/) that compiles one of its files (BUILD_DIR/compile_commands.
json: object -> source file). The targets one meson.build defines are
taken together (an app and the static libraries linked into it), so a
cycle through two of them is seen too. It reads the symbol tables of all
their objects with nm and draws an edge A -> B when the object of source
file A references a global symbol (function or data) that the object of
B defines. It fails (exit 1), naming the files and the symbols, when
one of the component's files is in

  - a pair of files that call into each other (A -> B and B -> A), or
  - a longer cycle of files (A -> B -> C -> A).

A call through a callback table (an ops struct filled with static
functions) is no edge: only the table itself is referenced, one way.
Break a cycle by moving the shared state or helpers into a leaf file that
the others use, or by calling back through such a table.

Exit status: 0 no cycle, 1 cycles found, 2 nothing to check (no build
directory, no object of the component: build it first) or bad usage.
"""

import argparse
import collections
import json
import os
import subprocess
import sys


def fail_usage(msg):
    print(f"check_call_cycles: {msg}", file=sys.stderr)
    sys.exit(2)


def target_dir_and_name(output):
    """'lib/x/librte_x.so.0.1.0.p/sub_y.c.o' -> ('lib/x', 'librte_x.so.0.1.0')."""
    parts = output.split('/')
    for i, p in enumerate(parts):
        if p.endswith('.p'):
            return '/'.join(parts[:i]), p[:-2]
    return None, None


def component_objects(build_dir, component, target_filter, in_component):
    """{'folder (targets)': [(object path, absolute source path)]}: the
    targets of each folder (component or above it) that defines one
    compiling a file of the component, together."""
    cc_path = os.path.join(build_dir, 'compile_commands.json')
    if not os.path.isfile(cc_path):
        fail_usage(f"{cc_path} not found: give the meson build directory "
                   "(configure and build it first)")
    with open(cc_path) as f:
        entries = json.load(f)
    comp = os.path.normpath(component)
    targets = collections.defaultdict(list)
    for e in entries:
        out = e.get('output', '')
        tdir, tname = target_dir_and_name(out)
        if tdir is None or not (comp == tdir or comp.startswith(tdir + '/')):
            continue
        if target_filter and target_filter not in tname:
            continue
        src = os.path.normpath(os.path.join(e['directory'], e['file']))
        obj = os.path.join(e['directory'], out)
        targets[(tdir, tname)].append((obj, src))
    folders = collections.defaultdict(list)
    for (tdir, tname), objs in sorted(targets.items()):
        folders[tdir].append((tname, objs))
    out = {}
    for tdir, tlist in folders.items():
        if not any(in_component(src) for _, objs in tlist for _, src in objs):
            continue
        seen, objs = set(), []
        for _, tobjs in tlist:
            for o in tobjs:
                if o not in seen:
                    seen.add(o)
                    objs.append(o)
        names = ", ".join(t for t, _ in tlist)
        out[f"{tdir}: {names}"] = objs
    return out


def source_label(src, component_abs, source_root):
    rel = os.path.relpath(src, component_abs)
    return os.path.relpath(src, source_root) if rel.startswith('..') else rel


def read_symbols(obj):
    """(defined global symbols, undefined symbols) of one object file."""
    try:
        out = subprocess.run(['nm', '-P', obj], check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        fail_usage("nm not found (binutils)")
    except subprocess.CalledProcessError as e:
        fail_usage(f"nm {obj} failed: {e.stderr.strip()}")
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        name, kind = f[0], f[1]
        if kind in ('U', 'w', 'v'):
            used.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, used


def build_graph(objs, component_abs, source_root):
    """edges[a][b] = symbols of b that a references; labels: paths
    relative to the component (outside it: to the source root)."""
    defined_by = collections.defaultdict(set)
    uses = {}
    for obj, src in objs:
        label = source_label(src, component_abs, source_root)
        defined, used = read_symbols(obj)
        for s in defined:
            defined_by[s].add(label)
        uses[label] = used
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for a, used in uses.items():
        for s in used:
            for b in defined_by.get(s, ()):
                if b != a:
                    edges[a][b].add(s)
    return sorted(uses), edges


def sccs(nodes, edges):
    """Strongly connected components (Tarjan), each a sorted list."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def shortest_long_cycle(comp, edges, ours):
    """A shortest cycle of 3 or more files inside comp through one of
    ours, or None."""
    members = set(comp)
    best = None
    for u in sorted(ours.intersection(comp)):
        for v in sorted(edges.get(u, {})):
            if v not in members:
                continue
            # shortest path v -> ... -> u with at least one file between
            prev = {v: None}
            queue = collections.deque([v])
            while queue:
                x = queue.popleft()
                for y in sorted(edges.get(x, {})):
                    if y not in members or y in prev:
                        continue
                    if y == u and x == v:
                        continue
                    prev[y] = x
                    queue.append(y)
            if u not in prev:
                continue
            path = [u]
            while path[-1] != v:
                path.append(prev[path[-1]])
            cycle = [u] + list(reversed(path))
            if best is None or len(cycle) < len(best):
                best = cycle
    return best


def fmt_syms(syms, limit=6):
    s = sorted(syms)
    more = f" (+{len(s) - limit} more)" if len(s) > limit else ""
    return ", ".join(s[:limit]) + more


def check_target(tname, objs, component, component_abs, source_root,
                 in_component):
    nodes, edges = build_graph(objs, component_abs, source_root)
    ours = {source_label(src, component_abs, source_root)
            for _, src in objs if in_component(src)}
    problems = 0
    pairs = []
    for a in nodes:
        for b in sorted(edges.get(a, {})):
            if a < b and a in edges.get(b, {}) and (a in ours or b in ours):
                pairs.append((a, b))
    for a, b in pairs:
        problems += 1
        print(f"FAIL {component} ({tname}): {a} <-> {b} call into each other")
        print(f"    {a} uses from {b}: {fmt_syms(edges[a][b])}")
        print(f"    {b} uses from {a}: {fmt_syms(edges[b][a])}")
    for comp in sccs(nodes, edges):
        if len(comp) < 3 or not ours.intersection(comp):
            continue
        cycle = shortest_long_cycle(comp, edges, ours)
        if cycle is None:
            continue  # only pairs, named above
        problems += 1
        print(f"FAIL {component} ({tname}): cycle of {len(cycle) - 1} files: "
              + " -> ".join(cycle))
        for x, y in zip(cycle, cycle[1:]):
            print(f"    {x} uses from {y}: {fmt_syms(edges[x][y])}")
        print(f"    (files of that cycle's group: {', '.join(comp)})")
    if problems == 0:
        print(f"ok {component} ({tname}): {len(ours)} of its {len(nodes)} "
              f"files, {sum(len(v) for v in edges.values())} file-to-file "
              "dependencies, no cycle")
    return problems


def main():
    ap = argparse.ArgumentParser(
        description="Fail when source files of a component call into each "
                    "other (pairs and longer cycles), from the symbols of "
                    "the object files meson built.")
    ap.add_argument('build_dir', help="meson build directory")
    ap.add_argument('component',
                    help="source folder of the target(s), e.g. lib/dma_domain")
    ap.add_argument('--exclude', action='append', default=[],
                    metavar='SUBDIR',
                    help="a subfolder of the component checked on its own "
                         "(e.g. emu for drivers/bus/iommufd); repeatable")
    ap.add_argument('--target', default=None,
                    help="only targets whose name contains this")
    args = ap.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    component = os.path.normpath(args.component)
    source_root = find_source_root(build_dir)
    component_abs = os.path.join(source_root, component)
    if not os.path.isdir(component_abs):
        fail_usage(f"no folder {component_abs}: give the component as its "
                   "source folder relative to the source root "
                   "(e.g. lib/dma_domain)")
    excluded = [os.path.join(component_abs, os.path.normpath(x)) + '/'
                for x in args.exclude]

    def in_component(src):
        return (src.startswith(component_abs + '/') and
                not any(src.startswith(x) for x in excluded))

    targets = component_objects(build_dir, component, args.target,
                                in_component)
    if not targets:
        fail_usage(f"no library, driver or app target of {build_dir} "
                   f"compiles a file of {component_abs}: is it part of "
                   "this build (compile_commands.json)?")
    problems = 0
    for tname in sorted(targets):
        objs = targets[tname]
        missing = [o for o, _ in objs if not os.path.isfile(o)]
        if missing:
            fail_usage(f"{component} ({tname}): object "
                       f"{missing[0]} not built: build the target first "
                       f"(ninja -C {args.build_dir})")
        problems += check_target(tname, objs, component, component_abs,
                                 source_root, in_component)
    if problems:
        print(f"{problems} cycle(s) between source files of {args.component}: "
              "move the shared state or helpers into a leaf file the others "
              "use, or call back through a callback table")
        return 1
    return 0


def find_source_root(build_dir):
    """The source root of a meson build directory."""
    info = os.path.join(build_dir, 'meson-info', 'meson-info.json')
    try:
        with open(info) as f:
            return os.path.normpath(json.load(f)['directories']['source'])
    except (OSError, KeyError, ValueError) as e:
        fail_usage(f"{info}: {e}: give a configured meson build directory")


if __name__ == '__main__':
    sys.exit(main())
