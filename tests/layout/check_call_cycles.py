#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""No two source files of a component call into each other.

Usage: check_call_cycles.py BUILD_DIR COMPONENT [--target NAME]

COMPONENT is a source folder with its own build target(s), e.g.
lib/dma_domain, drivers/bus/iommufd, drivers/bus/iommufd/emu,
drivers/net/virtio_iommufd or app/test-replace. The script takes the
object files meson compiled for each target defined in that folder (read
from BUILD_DIR/compile_commands.json: object -> source file), reads their
symbol tables with nm, and draws an edge A -> B when the object of source
file A references a global symbol (function or data) that the object of B
defines. It fails (exit 1), naming the files and the symbols, when

  - two files call into each other (A -> B and B -> A), or
  - a longer cycle links several files (A -> B -> C -> A).

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


def component_objects(build_dir, component, target_filter):
    """{target name: [(object path, source path relative to the source root)]}"""
    cc_path = os.path.join(build_dir, 'compile_commands.json')
    if not os.path.isfile(cc_path):
        fail_usage(f"{cc_path} not found: give the meson build directory "
                   "(configure and build it first)")
    with open(cc_path) as f:
        entries = json.load(f)
    targets = collections.defaultdict(list)
    for e in entries:
        out = e.get('output', '')
        tdir, tname = target_dir_and_name(out)
        if tdir != component.rstrip('/'):
            continue
        if target_filter and target_filter not in tname:
            continue
        src = os.path.normpath(os.path.join(e['directory'], e['file']))
        obj = os.path.join(e['directory'], out)
        targets[tname].append((obj, src))
    return targets


def source_label(src, component_abs):
    rel = os.path.relpath(src, component_abs)
    return src if rel.startswith('..') else rel


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


def build_graph(objs, component_abs):
    """edges[a][b] = symbols of b that a references."""
    defined_by = collections.defaultdict(set)
    uses = {}
    for obj, src in objs:
        label = source_label(src, component_abs)
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


def shortest_long_cycle(comp, edges):
    """A shortest cycle of 3 or more files inside comp, or None."""
    members = set(comp)
    best = None
    for u in comp:
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


def check_target(tname, objs, component, component_abs):
    nodes, edges = build_graph(objs, component_abs)
    problems = 0
    pairs = []
    for a in nodes:
        for b in sorted(edges.get(a, {})):
            if a < b and a in edges.get(b, {}):
                pairs.append((a, b))
    for a, b in pairs:
        problems += 1
        print(f"FAIL {component} ({tname}): {a} <-> {b} call into each other")
        print(f"    {a} uses from {b}: {fmt_syms(edges[a][b])}")
        print(f"    {b} uses from {a}: {fmt_syms(edges[b][a])}")
    for comp in sccs(nodes, edges):
        if len(comp) < 3:
            continue
        cycle = shortest_long_cycle(comp, edges)
        if cycle is None:
            continue  # only pairs, named above
        problems += 1
        print(f"FAIL {component} ({tname}): cycle of {len(cycle) - 1} files: "
              + " -> ".join(cycle))
        for x, y in zip(cycle, cycle[1:]):
            print(f"    {x} uses from {y}: {fmt_syms(edges[x][y])}")
        print(f"    (files of that cycle's group: {', '.join(comp)})")
    if problems == 0:
        print(f"ok {component} ({tname}): {len(nodes)} files, "
              f"{sum(len(v) for v in edges.values())} file-to-file "
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
    ap.add_argument('--target', default=None,
                    help="only targets whose name contains this")
    args = ap.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    targets = component_objects(build_dir, args.component, args.target)
    if not targets:
        fail_usage(f"no object files of a target in '{args.component}' in "
                   f"{build_dir}/compile_commands.json: is the component "
                   "spelt as its source folder (e.g. lib/dma_domain) and "
                   "part of this build?")
    # The source root: where the component's sources are (any entry).
    problems = 0
    for tname in sorted(targets):
        objs = targets[tname]
        missing = [o for o, _ in objs if not os.path.isfile(o)]
        if missing:
            fail_usage(f"{component_msg(args.component, tname)}: object "
                       f"{missing[0]} not built: build the target first "
                       f"(ninja -C {args.build_dir})")
        component_abs = common_component_dir(objs, args.component)
        problems += check_target(tname, objs, args.component, component_abs)
    if problems:
        print(f"{problems} cycle(s) between source files of {args.component}: "
              "move the shared state or helpers into a leaf file the others "
              "use, or call back through a callback table")
        return 1
    return 0


def component_msg(component, tname):
    return f"{component} ({tname})"


def common_component_dir(objs, component):
    """The component's source folder, from its sources' paths."""
    comp = os.path.normpath(component)
    for _, src in objs:
        idx = src.find('/' + comp + '/')
        if idx >= 0:
            return src[:idx + 1 + len(comp)]
    return os.path.dirname(objs[0][1])


if __name__ == '__main__':
    sys.exit(main())
