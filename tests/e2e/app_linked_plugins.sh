#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# dpdk-test-replace links the iommufd bus and the virtio PMD (no -d, so it
# runs from a build below a world-writable directory too). A -d of a copy
# of either (the file, or a directory holding it) would register them a
# second time: the app refuses it up front, with one line that says so.
# Env (meson's test_env): BUILD_ROOT, PLUGIN_DIR.
set -u
app=$BUILD_ROOT/app/test-replace/dpdk-test-replace
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$app" ] || fail "$app not built"
for d in "$PLUGIN_DIR/librte_bus_iommufd.so" "$PLUGIN_DIR/librte_net_virtio_iommufd.so" \
		"$PLUGIN_DIR"; do
	[ -e "$d" ] || fail "$d not staged (build the project: ninja)"
	out=$(timeout 60 "$app" -l 0-1 --no-huge -m 256 --no-shconf --no-pci \
		--no-telemetry --file-prefix "linked_$$" -d "$d" -- --script /dev/null 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "-d $d: exit status $rc, expected 1; output: $out"
	echo "$out" | grep -q "bad option '-d $d': dpdk-test-replace links the iommufd bus" ||
		fail "-d $d: no one-line refusal; output: $out"
	echo "$out" | grep -q "EAL" && fail "-d $d: EAL was initialised before the refusal: $out"
	echo "refused: -d $d"
done
echo "PASS: -d of the linked bus or PMD refused"
