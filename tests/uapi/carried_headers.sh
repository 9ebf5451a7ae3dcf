#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
# The carried Linux uapi headers (kernel/linux/uapi) take precedence over the
# build host's: every source that includes <linux/iommufd.h> or
# <linux/vfio.h> is compiled again (syntax only, with its own flags from
# compile_commands.json) with a system header set whose iommufd.h and
# vfio.h stop the build, as an older or partial one (Debian 12's 6.1,
# Ubuntu 24.04's 6.8) would mislead it. It must build; and without the
# carried directory the same command must stop on the poisoned header
# (the check can fail).
set -euo pipefail
: "${BUILD_ROOT:?}" "${SOURCE_ROOT:?}"

poison=$(mktemp -d)
trap 'rm -rf "$poison"' EXIT
mkdir -p "$poison/linux"
for h in iommufd.h vfio.h; do
	printf '#error "system uapi <linux/%s> used instead of kernel/linux/uapi"\n' \
		"$h" >"$poison/linux/$h"
done

python3 - "$BUILD_ROOT/compile_commands.json" "$SOURCE_ROOT" "$poison" <<'PY'
import json, os, re, shlex, subprocess, sys

db, src_root, poison = sys.argv[1:]
carried = os.path.realpath(os.path.join(src_root, 'kernel/linux/uapi'))
uses = re.compile(r'#include\s*<linux/(iommufd|vfio)\.h>')
# project headers that include them; a source including one of those uses
# them too (one level deep is all the tree has)
via = set()
for d, _, files in os.walk(src_root):
	if '/build' in d[len(src_root):] or '/.git' in d[len(src_root):]:
		continue
	for f in files:
		if f.endswith('.h') and uses.search(open(os.path.join(d, f),
				errors='replace').read()):
			via.add(f)
if via:
	uses = re.compile(r'#include\s*(<linux/(iommufd|vfio)\.h>|"(%s)")'
			  % '|'.join(map(re.escape, sorted(via))))
checked = 0
failed = 0
seen = set()
for e in json.load(open(db)):
	path = os.path.realpath(os.path.join(e['directory'], e['file']))
	if path in seen or not path.endswith('.c'):
		continue
	seen.add(path)
	text = open(path, errors='replace').read()
	if not uses.search(text):
		continue
	args = shlex.split(e['command'])
	# drop the output and dependency-file options, compile syntax only
	out, skip = [], False
	for a in args:
		if skip:
			skip = False
			continue
		if a in ('-o', '-MF', '-MQ', '-MT'):
			skip = True
			continue
		if a in ('-c', '-MD', '-MMD'):
			continue
		out.append(a)
	# first of the -isystem dirs, ahead of any a test adds itself
	cmd = out[:1] + ['-isystem', poison] + out[1:] + ['-fsyntax-only']
	rel = os.path.relpath(path, src_root)
	r = subprocess.run(cmd, cwd=e['directory'], capture_output=True, text=True)
	if r.returncode != 0:
		print(f'FAIL {rel}: does not build with the carried uapi headers'
		      f' ahead of a poisoned system set:\n{r.stderr}')
		failed += 1
		continue
	# The same without the carried directory must hit the poison.
	def carried_dir(a):
		return a.startswith('-I') and os.path.realpath(
			os.path.join(e['directory'], a[2:])) == carried
	bare = [a for a in cmd if not carried_dir(a)]
	if len(bare) == len(cmd):
		print(f'FAIL {rel}: its compile command has no -I for kernel/linux/uapi')
		failed += 1
		continue
	r = subprocess.run(bare, cwd=e['directory'], capture_output=True, text=True)
	if r.returncode == 0 or 'system uapi' not in r.stderr:
		print(f'FAIL {rel}: without kernel/linux/uapi the poisoned system'
		      ' header was not reached (the check cannot fail)')
		failed += 1
		continue
	print(f'ok   {rel}')
	checked += 1
if checked == 0 and failed == 0:
	print('FAIL no source includes <linux/iommufd.h> or <linux/vfio.h>')
	sys.exit(1)
print(f'{checked} sources checked, {failed} failed')
sys.exit(1 if failed else 0)
PY
