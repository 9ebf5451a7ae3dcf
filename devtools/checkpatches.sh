#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# DPDK's own style check over this project's sources: the whole tree is
# turned into one patch that adds every file, and DPDK's
# devtools/checkpatches.sh (from the DPDK source tree the run built
# against, so both supported DPDKs' rules apply) checks it with the Linux
# kernel's scripts/checkpatch.pl (from the kernel source the VM tier uses).
# Spelling: codespell over the same files, once (checkpatch.pl's
# --codespell reloads the dictionary per patch and matches every line
# against it: about 6 CPU seconds a file); the project's identifiers that
# read as misspellings are in devtools/codespell-ignore.txt. Any finding
# fails.
#
# usage: devtools/checkpatches.sh [--fetch]
#   --fetch  only make sure checkpatch.pl is in the cache (network the
#            first time; scripts/run-tests.sh calls this before the tests)
#
# Environment:
#   DPDK_VERSION        the DPDK whose devtools to use (default: the cache's
#                       current.env, i.e. the one scripts/setup.sh set up)
#   DMA_REPLACE_CACHE   cache directory (see scripts/lib.sh)
#   CHECKPATCH_PATHS    what to check (default: the C sources of lib,
#                       drivers, app, tests and bench; the kernel uapi
#                       headers are carried unmodified and not checked)
set -eu -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$top/scripts/lib.sh"
dr_info() { echo "[checkpatches] $*" >&2; }
dr_die() { echo "[checkpatches] ERROR: $*" >&2; exit 1; }
dr_step() { _dr_t0=$(date +%s); echo "[checkpatches] $* ..." >&2; }
dr_done() { echo "[checkpatches]   done in $(( $(date +%s) - _dr_t0 ))s" >&2; }

CACHE=$(dr_cache_dir)
srcpkg="$CACHE/src/linux-bpo"

# checkpatch_pl: prints the path of a cached checkpatch.pl (nothing if none).
checkpatch_pl() {
	local d
	for d in "$CACHE"/src/linux-*/scripts "$CACHE"/src/checkpatch-*/scripts; do
		[ -f "$d/checkpatch.pl" ] && [ -f "$d/spelling.txt" ] &&
			{ echo "$d/checkpatch.pl"; return; }
	done
	return 0
}

# fetch_checkpatch: the three files checkpatch.pl reads, out of the kernel
# orig tarball the VM tier also uses (downloaded once, see vm-kernel.sh).
fetch_checkpatch() {
	local tarball v dest
	tarball=$(dr_apt_source linux "$srcpkg" bookworm-backports --orig-only)
	v=$(basename "$tarball" | sed -n 's/^linux_\([0-9][0-9.]*\)\.orig\.tar\..*/\1/p')
	[ -n "$v" ] || dr_die "cannot read a kernel version from $(basename "$tarball")"
	dest="$CACHE/src/checkpatch-$v"
	dr_step "extracting checkpatch.pl from linux $v"
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	tar -xf "$tarball" -C "$dest.tmp" --strip-components=1 \
		"linux-$v/scripts/checkpatch.pl" "linux-$v/scripts/spelling.txt" \
		"linux-$v/scripts/const_structs.checkpatch" ||
		dr_die "cannot extract checkpatch.pl from $tarball: rm -rf $srcpkg and re-run"
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	dr_done
}

if [ "${1:-}" = --fetch ]; then
	[ -n "$(checkpatch_pl)" ] || fetch_checkpatch
	exit 0
fi
[ $# = 0 ] || dr_die "unknown argument '$1' (expected nothing or --fetch)"

cp_pl=$(checkpatch_pl)
[ -n "$cp_pl" ] ||
	dr_die "no checkpatch.pl in $CACHE/src: run 'devtools/checkpatches.sh --fetch' (scripts/run-tests.sh does)"
envf="$CACHE/current.env"
[ -z "${DPDK_VERSION:-}" ] || envf="$CACHE/dpdk-$DPDK_VERSION.env"
[ -f "$envf" ] || dr_die "$envf missing: run scripts/setup.sh first (it sets up DPDK and its source)"
dpdk_src=$(sed -n 's/^DPDK_SRC=//p' "$envf")
[ -x "$dpdk_src/devtools/checkpatches.sh" ] || [ -f "$dpdk_src/devtools/checkpatches.sh" ] ||
	dr_die "$dpdk_src/devtools/checkpatches.sh missing (DPDK source of $envf): re-run scripts/setup.sh"
command -v gawk >/dev/null ||
	dr_die "gawk missing (DPDK's check-forbidden-tokens.awk needs it): run scripts/setup.sh"
command -v codespell >/dev/null ||
	dr_die "codespell missing (Debian: codespell): run scripts/setup.sh"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
	dr_die "$top is not a git checkout: the check builds its patch with git diff"

paths=${CHECKPATCH_PATHS:-lib drivers app tests bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
patch="$work/tree.patch"
# The empty tree: every tracked file (as in the work tree) shows as added.
empty=$(git -C "$top" hash-object -t tree /dev/null)
{
	printf 'From: dma-replace tree check <tree-check@localhost>\n'
	printf 'Subject: [PATCH] whole tree\n\n'
	printf 'Every tracked source of the project, checked as one new patch.\n\n'
	printf 'Signed-off-by: dma-replace tree check <tree-check@localhost>\n---\n'
	# Not checked: the meson files (DPDK's rules for them are about its
	# own build framework, e.g. no install_headers()), and the one
	# compat header, which maps DPDK 23.11's APIs onto 22.11 with the
	# very built-ins DPDK's rules forbid elsewhere (__atomic_*, RTE_LOG,
	# rte_ctrl_thread_create); everything else must use that header. Nor
	# the test harness's header, tests/common/th.h: the VM guest programs
	# use it without DPDK (so it spells its one printf attribute itself)
	# and its TH_REQUIRE/TH_FAIL return from the case, as the TEST_ASSERT
	# macros of DPDK's app/test/test.h do.
	specs=(":(exclude,glob)**/rte_dma_domain_compat.h" ":(exclude)tests/common/th.h")
	for d in $paths; do
		specs+=(":(glob)$d/**/*.c" ":(glob)$d/**/*.h")
	done
	git -C "$top" diff --no-color --no-ext-diff "$empty" -- "${specs[@]}"
} >"$patch" ||
	dr_die "git diff failed in $top"
nfiles=$(grep -c '^+++ b/' "$patch" || true)
[ "$nfiles" -gt 0 ] || dr_die "no sources found under '$paths'"

dr_info "DPDK $(cat "$dpdk_src/VERSION") devtools, $cp_pl, $nfiles files"
# From the DPDK tree: its release-notes check reads ./VERSION.
rc=0
(cd "$dpdk_src" && DPDK_CHECKPATCH_PATH="$cp_pl" DPDK_CHECKPATCH_CODESPELL=disable \
	sh devtools/checkpatches.sh "$patch") >"$work/out.txt" 2>&1 || rc=$?
sed -e "s|$work/||g" "$work/out.txt"
fail=0
if [ "$rc" != 0 ] || ! grep -q '^1/1 valid patch' "$work/out.txt"; then
	echo "[checkpatches] FAIL: DPDK's checkpatches.sh found the issues above" \
		"(rc $rc); fix them in the named files (DPDK coding style:" \
		"doc/guides/contributing/coding_style.rst in the DPDK tree)" >&2
	fail=1
fi
# The same files for codespell (the patch's +++ lines name them).
sed -n 's|^+++ b/||p' "$patch" >"$work/files"
if ! (cd "$top" && xargs codespell -I devtools/codespell-ignore.txt <"$work/files"); then
	echo "[checkpatches] FAIL: codespell found the misspellings above; fix" \
		"them, or add an identifier that only reads as one to" \
		"devtools/codespell-ignore.txt" >&2
	fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "[checkpatches] OK: $nfiles files follow DPDK's checkpatches.sh rules and codespell"
