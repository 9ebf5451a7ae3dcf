#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The README's demo command works from any clone location: copies this
# working tree (what git tracks plus untracked files it does not ignore)
# below a world-writable directory (mode 1777, as /tmp is: DPDK's EAL
# refuses -d plugins below one) and runs ./scripts/run-demo.sh there, with
# the shared DPDK cache (nothing of DPDK is rebuilt) and a short scenario.
# Asserts that it succeeds and that every report path it printed exists;
# then runs the clone's tests that load -d plugins (stock testpmd).
# Env (meson's test_env): SOURCE_ROOT, DPDK_PREFIX; CLONE_DEMO_SWAPS
# (default 40) scales the scenario.
set -u
src=${SOURCE_ROOT:?SOURCE_ROOT not set (run through meson test)}
prefix=${DPDK_PREFIX:?DPDK_PREFIX not set (run through meson test)}

fail() { echo "FAIL: $*"; exit 1; }

# The DPDK this build uses, by version (scripts/setup.sh keys its cache and
# <cache>/dpdk-<version>.env by it): prefix is <cache>/dpdk-<version>-<key>.
ver=$(basename "$prefix")
ver=${ver#dpdk-}
ver=${ver%-*}
cache=$(dirname "$prefix")
[ -f "$cache/dpdk-$ver.env" ] ||
	fail "$cache/dpdk-$ver.env missing: this build's DPDK was not set up by scripts/setup.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/dr-clone.XXXXXX") || fail "mktemp -d failed"
clone=$base/dma-replace
out=$base/demo.log
cleanup() {
	# the clone's plugin directory in the cache is its own: remove it too
	if [ -x "$clone/scripts/plugins.sh" ]; then
		for b in "$clone"/build/dpdk-*; do
			[ -d "$b" ] || continue
			d=$(DMA_REPLACE_CACHE=$cache "$clone/scripts/plugins.sh" dir "$b") && rm -rf "$d"
		done
	fi
	rm -rf "$base"
}
trap cleanup EXIT
chmod 1777 "$base"
mkdir "$clone"

if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		tar -C "$src" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		tar -C "$clone" -xf - || fail "cannot copy the working tree of $src"
else
	tar -C "$src" --exclude=./build -cf - . | tar -C "$clone" -xf - ||
		fail "cannot copy $src"
fi
[ -x "$clone/scripts/run-demo.sh" ] || fail "the copy of $src has no scripts/run-demo.sh"
echo "clone: $clone (parent $base mode $(stat -c %a "$base"))"

# A new user's environment: nothing of this build's test environment
# (LD_LIBRARY_PATH, BUILD_ROOT, ...), the same DPDK and cache.
rc=0
(
	cd "$clone" &&
	env -u LD_LIBRARY_PATH -u BUILD_ROOT -u SOURCE_ROOT -u PLUGIN_DIR -u DPDK_PREFIX -u DPDK_TARBALL \
		-u MESON_TEST_ITERATION -u MALLOC_PERTURB_ -u BUILD_TAG \
		DMA_REPLACE_CACHE="$cache" DPDK_VERSION="$ver" SETUP_SKIP_APT=1 \
		DEMO_SWAPS="${CLONE_DEMO_SWAPS:-40}" DEMO_FILE_PREFIX="tr_clone_$$" \
		./scripts/run-demo.sh
) >"$out" 2>&1 </dev/null || rc=$?
sed 's/^/  | /' "$out"
[ "$rc" -eq 0 ] || fail "./scripts/run-demo.sh exited with $rc in a clone below a world-writable directory"
grep -q 'configure DPDK\|compile DPDK' "$out" && fail "DPDK was rebuilt instead of reused from $cache"

# Every path the demo reported must exist.
json=$(sed -n 's/^demo: JSON report \([^ ,]*\).*/\1/p' "$out")
png=$(sed -n 's/^demo: JSON report [^ ,]*, plot \([^ ]*\).*/\1/p' "$out")
[ -n "$json" ] || fail "the demo reported no JSON report"
[ -n "$png" ] || fail "the demo reported no plot"
for f in $json $png; do
	[ -s "$f" ] || fail "the demo reported $f, which was not written"
done
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["swaps"], "no swaps"' "$json" ||
	fail "$json is not a report with swaps"

# The -d plugins of that build (stock testpmd with bus, PMD and command
# plugin; a test program loading the PMD) from the same clone.
bdir=$clone/build/dpdk-$ver-plain
(
	cd "$bdir" &&
	env -u LD_LIBRARY_PATH -u BUILD_ROOT -u SOURCE_ROOT -u PLUGIN_DIR -u DPDK_TARBALL \
		DMA_REPLACE_CACHE="$cache" PATH=/usr/bin:$PATH meson test --no-rebuild \
		--print-errorlogs --num-processes 1 \
		testpmd_iommufd_pmd testpmd_plugin_commands virtio_bringup
) >"$out" 2>&1 </dev/null || rc=$?
sed 's/^/  | /' "$out"
[ "$rc" -eq 0 ] || fail "the clone's tests that load -d plugins failed"
echo "PASS: ./scripts/run-demo.sh from $clone: $json, $png; -d plugins load"
