#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# License headers as DPDK's files carry them (DPDK's devtools/
# check-spdx-tag.sh checks the tag; its files also name their copyright
# holder right below it): every tracked file has
# "SPDX-License-Identifier: BSD-3-Clause" on its first line (second after
# a #! line) and a "Copyright(c) YEAR HOLDER" line right after it.
# Exempt, as in DPDK: README files, .gitignore, data (.json .txt .ini .png
# .svg), the fuzz corpus and VM-tier samples; the kernel's uapi headers
# are carried unmodified with their own tag (GPL-2.0 WITH
# Linux-syscall-note, see kernel/linux/uapi/version).
set -u -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
git rev-parse --git-dir >/dev/null 2>&1 || { echo "check-spdx: $top is not a git checkout" >&2; exit 1; }

exempt='^kernel/linux/uapi/|/corpus/|/samples/|\.(json|txt|png|svg|ini)$|(^|/)README|(^|/)\.gitignore$'
bad=0 n=0
while IFS= read -r f; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	first=1
	[ "$(head -c 2 "$f")" = '#!' ] && first=2
	tag=$(sed -n "${first}p" "$f")
	copy=$(sed -n "$((first + 1))p" "$f")
	case "$tag" in
	*"SPDX-License-Identifier: BSD-3-Clause"*) ;;
	*) echo "$f:$first: expected 'SPDX-License-Identifier: BSD-3-Clause' (found: ${tag:0:60})"; bad=$((bad + 1)); continue ;;
	esac
	if ! printf '%s\n' "$copy" | grep -qE 'Copyright\(c\) [0-9]{4}(-[0-9]{4})? [^ ]'; then
		echo "$f:$((first + 1)): expected a 'Copyright(c) YEAR HOLDER' line right after the SPDX tag (found: ${copy:0:60})"
		bad=$((bad + 1))
	fi
done < <(git ls-files | grep -vE "$exempt")
if [ "$bad" -gt 0 ]; then
	echo "check-spdx: FAIL: $bad of $n files lack DPDK's license header (see the lines above)"
	exit 1
fi
echo "check-spdx: OK: $n files carry the SPDX tag and a copyright line"
