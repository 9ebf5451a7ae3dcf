#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Foundation e2e test: the stock dpdk-testpmd loads the iommufd bus as a
# plugin (-d) and probes an emulated device from devargs; asserted from
# testpmd's own output in batch mode (commands on stdin).
#   case "bus": bus + the "test" model of tests/bus_iommufd:
#               the bus's probe lines, testpmd sees no port (no PMD).
#   case "pmd": bus + virtio PMD, default virtio-net model: one port.
#   --list: 'name suite timeout' of each case, for tests/meson.build
#   (tests/common/list-cases.py --script): the one list of the cases.
# Env (set by meson's test_env): DPDK_PREFIX, PLUGIN_DIR (the build's
# plugins, copied where the EAL accepts them: scripts/plugins.sh).
set -u
if [ "${1:-}" = --list ]; then
	echo "bus e2e 120"
	echo "pmd e2e 120"
	exit 0
fi
case_name=${1:-bus}
testpmd=$DPDK_PREFIX/bin/dpdk-testpmd
bus=$PLUGIN_DIR/librte_bus_iommufd.so
model=$PLUGIN_DIR/librte_iommufd_emu_test.so
pmd=$PLUGIN_DIR/librte_net_virtio_iommufd.so

# Everything this test needs is this project's (scripts/setup.sh builds DPDK
# with testpmd; the bus, the test model and the PMD are built here and
# staged by scripts/plugins.sh): a missing one is a FAIL, never a skip.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; echo "---- testpmd output ----"; cat "$out"; exit 1; }

[ -x "$testpmd" ] || fail "no $testpmd (DPDK_PREFIX=$DPDK_PREFIX; scripts/setup.sh builds it)"
[ -f "$bus" ] || fail "bus plugin $bus not staged (build the project: ninja)"

run_testpmd() {
	# EAL options valid on 22.11 and 25.11 (22.11 refuses --no-huge with
	# --in-memory); stdin commands, then quit.
	printf 'show port summary all\nquit\n' |
	timeout 60 "$testpmd" -l 0-1 --no-huge -m 256 --no-shconf --no-pci \
		--no-telemetry --file-prefix="e2e_iommufd_$$" \
		--log-level=bus.iommufd:info "$@" \
		-- -i --total-num-mbufs=2048 >"$out" 2>&1
}

case "$case_name" in
bus)
	[ -f "$model" ] || fail "test model $model not staged (build the project: ninja)"
	run_testpmd -d "$bus" -d "$model" -a iommufd:emu0,model=test,answer=1
	rc=$?
	[ $rc -eq 0 ] || fail "testpmd exited with $rc"
	grep -q "IOMMUFD_BUS: emu0: emulated test device created (id 1234:5678)" "$out" ||
		fail "the iommufd bus did not create emu0"
	grep -q "IOMMUFD_BUS: emu0: no driver for 1234:5678" "$out" ||
		fail "the iommufd bus did not probe emu0"
	grep -q "Number of available ports: 0" "$out" ||
		fail "testpmd did not run its commands"
	;;
pmd)
	[ -f "$pmd" ] || fail "PMD $pmd not staged (build the project: ninja)"
	run_testpmd -d "$bus" -d "$pmd" -a iommufd:emu0
	rc=$?
	if grep -q "model 'virtio-net': no such emulated device model" "$out"; then
		fail "the virtio-net model is not registered (drivers/bus/iommufd/emu)"
	fi
	[ $rc -eq 0 ] || fail "testpmd exited with $rc"
	grep -q "IOMMUFD_BUS: emu0: probed by driver" "$out" ||
		fail "no driver probed emu0"
	grep -q "Number of available ports: 1" "$out" ||
		fail "testpmd does not see the port"
	;;
*)
	echo "unknown case '$case_name' (bus or pmd)"; exit 2 ;;
esac
echo "PASS: testpmd $case_name"
grep -E "IOMMUFD_BUS: emu0|Number of available ports" "$out"
exit 0
