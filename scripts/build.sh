#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Configures (once) and builds the project against the DPDK that
# scripts/setup.sh installed last (or DPDK_VERSION=X if several are cached).
#
# Usage: scripts/build.sh [plain|asan|tsan|fuzz|nocheck]
# (nocheck: plain with -Dbench_no_pause_check=true, for scripts/bench.sh
# only: its PMD cannot take part in a swap)
# Prints the build directory on stdout. Environment:
#   BUILD_WERROR=1  warnings are errors (CI sets it through the test script)
#   BUILD_TAG=x     separate build directory build/x-dpdk-<ver>-<flavor>
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

flavor=${1:-plain}
CACHE=$(dr_cache_dir)
envf="$CACHE/current.env"
[ -n "${DPDK_VERSION:-}" ] && envf="$CACHE/dpdk-$DPDK_VERSION.env"
[ -f "$envf" ] || dr_die "no DPDK set up ($envf missing): run scripts/setup.sh first"
# shellcheck disable=SC1090
. "$envf"

bdir="$top/build/${BUILD_TAG:+$BUILD_TAG-}dpdk-$DPDK_VERSION-$flavor"
opts=(-Dpkg_config_path="$DPDK_PREFIX/lib/pkgconfig" --prefix="$top/build/install-$DPDK_VERSION-$flavor")
case "$flavor" in
plain) ;;
nocheck) opts+=(-Dbench_no_pause_check=true) ;;
asan) opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug) ;;
tsan)
	# gcc 12's TSan reports false races on DPDK's inline atomics less than
	# clang's; clang 14 is the one with a complete runtime here.
	export CC=clang-14
	opts+=(-Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug) ;;
fuzz)
	# libFuzzer harnesses of tests/fuzz (clang's -fsanitize=fuzzer runtime
	# is in libclang-rt-14-dev), under ASan+UBSan.
	export CC=clang-14
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true) ;;
*) dr_die "unknown build flavor '$flavor' (expected plain, asan, tsan, fuzz or nocheck)" ;;
esac
[ "${BUILD_WERROR:-0}" = 1 ] && opts+=(-Dwerror=true)

if [ ! -f "$bdir/build.ninja" ]; then
	rm -rf "$bdir"
	PATH=/usr/bin:$PATH meson setup "$bdir" "$top" "${opts[@]}" >&2 ||
		{ rm -rf "$bdir"; dr_die "meson setup failed for $flavor build"; }
else
	PATH=/usr/bin:$PATH meson configure "$bdir" "${opts[@]}" >/dev/null
fi
PATH=/usr/bin:$PATH ninja -C "$bdir" >&2 || dr_die "build failed ($flavor, DPDK $DPDK_VERSION)"
dr_info "plugins for the stock dpdk-testpmd (-d): $("$here/plugins.sh" dir "$bdir")"
echo "$bdir"
