#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Where the stock dpdk-testpmd (and the tests) load this project's plugins
# from: a per-build directory of the cache, outside the clone.
#
# DPDK's EAL refuses a -d plugin when the plugin file or any directory on
# its real path is world-writable (eal_dlopen() -> verify_perms() in
# lib/eal/common/eal_common_options.c, 22.11 and 25.11 alike): a clone under
# /tmp (mode 1777) cannot load its plugins from its own build tree. The
# build copies them into <cache>/plugins/<build dir name>-<hash of its path>/
# (one directory per build tree, so two checkouts never share one), with
# librte_dma_domain.so next to them: the libraries find each other there
# through their $ORIGIN run path.
#
# Usage:
#   plugins.sh dir BUILDDIR            print the plugin directory of BUILDDIR
#   plugins.sh check DIR               exit 1 with one line when the EAL would
#                                      refuse plugins in DIR (a world-writable
#                                      directory on its path)
#   plugins.sh stage DIR STAMP LIB...  copy each LIB into DIR (as its SONAME,
#                                      plus a lib*.so link), then touch STAMP
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dr_die() { echo "plugins.sh: $*" >&2; exit 1; }

# unsafe_parent PATH: prints the first world-writable directory (or the
# file itself) on the real path of PATH, as the EAL checks it; PATH's
# missing tail is skipped (it will be created with mode 0755).
unsafe_parent() {
	local p=$1 d
	while [ ! -e "$p" ]; do
		p=$(dirname "$p")
	done
	p=$(realpath "$p")
	d=$p
	while :; do
		if [ -n "$(find "$d" -maxdepth 0 -perm -0002 2>/dev/null)" ]; then
			echo "$d"
			return 0
		fi
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}

cmd_dir() {
	local bdir real key
	[ $# -eq 1 ] || dr_die "usage: plugins.sh dir BUILDDIR"
	bdir=$1
	real=$(realpath -m "$bdir")
	key=$(printf '%s' "$real" | sha256sum | cut -c1-10)
	echo "$(dr_cache_dir)/plugins/$(basename "$real")-$key"
}

cmd_check() {
	local bad
	[ $# -eq 1 ] || dr_die "usage: plugins.sh check DIR"
	bad=$(unsafe_parent "$1")
	[ -z "$bad" ] && return 0
	echo "$1 is below the world-writable directory $bad, where DPDK's EAL refuses -d plugins: set DMA_REPLACE_CACHE to a directory that is not (e.g. ~/.cache/dma-replace)" >&2
	return 1
}

# stage_one DIR LIB: DIR/<SONAME> (replaced only when it changed, by a
# rename: a running process keeps the file it loaded) and DIR/<lib>.so.
stage_one() {
	local dir=$1 lib=$2 soname base
	soname=$(objdump -p "$lib" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
	base=$(basename "$lib")
	base=${base%%.so*}.so
	[ -n "$soname" ] || soname=$base
	if ! cmp -s "$lib" "$dir/$soname"; then
		cp "$lib" "$dir/.$soname.tmp"
		chmod 0755 "$dir/.$soname.tmp"
		mv -f "$dir/.$soname.tmp" "$dir/$soname"
	fi
	if [ "$soname" != "$base" ] && [ "$(readlink "$dir/$base" 2>/dev/null)" != "$soname" ]; then
		ln -sfn "$soname" "$dir/.$base.tmp"
		mv -Tf "$dir/.$base.tmp" "$dir/$base"
	fi
}

cmd_stage() {
	local dir stamp lib msg
	[ $# -ge 3 ] || dr_die "usage: plugins.sh stage DIR STAMP LIB..."
	dir=$1 stamp=$2
	shift 2
	msg=$(cmd_check "$dir" 2>&1) || dr_die "$msg"
	(umask 022 && mkdir -p "$dir") || dr_die "cannot create $dir (set DMA_REPLACE_CACHE to a writable directory)"
	for lib in "$@"; do
		[ -f "$lib" ] || dr_die "$lib: no such file (build it first)"
		stage_one "$dir" "$lib"
	done
	echo "$dir" >"$stamp"
}

[ $# -ge 1 ] || dr_die "usage: plugins.sh dir|check|stage ..."
sub=$1
shift
case "$sub" in
dir) cmd_dir "$@" ;;
check) cmd_check "$@" ;;
stage) cmd_stage "$@" ;;
*) dr_die "unknown command '$sub' (dir, check or stage)" ;;
esac
