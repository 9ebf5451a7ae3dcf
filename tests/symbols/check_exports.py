#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
"""Exported symbols are controlled: for each shared library of the project,
the dynamic symbols it defines (nm -D) are exactly the ones its version
map lists; every symbol of the map's public node is declared in one of the
library's installed headers, and every symbol of its INTERNAL node is
declared __rte_internal, and in none of the installed headers given first
(for librte_dma_domain: the application API; its driver SDK header is
given after --internal). Usage: check_exports.py LIB.so MAP HEADER...
(installed headers first, then '--internal' and the headers that declare
internal symbols)."""
import re
import subprocess
import sys


def map_nodes(path):
	nodes = {}
	text = re.sub(r'#[^\n]*', '', open(path).read())
	for m in re.finditer(r'([\w.]+)\s*\{(.*?)\}\s*([\w.]*)\s*;', text, re.S):
		body = m.group(2)
		g = re.search(r'global:(.*?)(local:|$)', body, re.S)
		syms = set(re.findall(r'(\w+)\s*;', g.group(1))) if g else set()
		nodes[m.group(1)] = syms
	return nodes


def declared(headers, internal_only=False):
	out = set()
	for h in headers:
		text = re.sub(r'/\*.*?\*/', '', open(h).read(), flags=re.S)
		text = re.sub(r'^\s*#(?:[^\n]*\\\n)*[^\n]*', '', text, flags=re.M)
		for stmt in re.split(r'[;{}]', text):
			m = re.search(r'\b(rte_\w+|[a-z]\w*)\s*\(', stmt)
			if not m or re.search(r'\bstatic\b|\btypedef\b', stmt):
				continue
			if internal_only and '__rte_internal' not in stmt:
				continue
			out.add(m.group(1))
	return out


def exported(so):
	r = subprocess.run(['nm', '-D', '--defined-only', so],
			   capture_output=True, text=True, check=True).stdout
	out = set()
	for line in r.splitlines():
		f = line.split()
		if len(f) == 3 and f[1] in 'TDBRVW' and f[2] not in ('_init', '_fini'):
			out.add(f[2].split('@')[0])
	return out


def main():
	so, mp, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
	pub = rest[:rest.index('--internal')] if '--internal' in rest else rest
	intl = rest[rest.index('--internal') + 1:] if '--internal' in rest else []
	nodes = map_nodes(mp)
	listed = set().union(*nodes.values()) if nodes else set()
	ex = exported(so) - set(nodes)  # version node names are symbols too
	errs = []
	for s in sorted(ex - listed):
		errs.append(f'{so}: exports {s}, which {mp} does not list')
	for s in sorted(listed - ex):
		errs.append(f'{mp}: lists {s}, which {so} does not define')
	public = set().union(*(v for k, v in nodes.items() if k != 'INTERNAL'))
	for s in sorted(public - declared(pub)):
		errs.append(f'{s}: in the public node of {mp} but declared in no installed header ({", ".join(pub)})')
	for s in sorted(nodes.get('INTERNAL', set()) & declared(pub)):
		errs.append(f'{s}: in the INTERNAL node of {mp} but declared in an installed application header ({", ".join(pub)}): declare it in the driver SDK or test header only')
	for s in sorted(nodes.get('INTERNAL', set()) - declared(intl, True)):
		errs.append(f'{s}: in the INTERNAL node of {mp} but not declared __rte_internal in {", ".join(intl) or "any header"}')
	for e in errs:
		print('FAIL', e)
	print(f'{so}: {len(ex)} exported, {len(errs)} problems')
	return 1 if errs else 0


if __name__ == '__main__':
	sys.exit(main())
