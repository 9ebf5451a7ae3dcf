#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# Stock dpdk-testpmd with the PMD loaded by -d, forwarding between two
# emulated ports wired back to back, in batch mode (commands on stdin).
# Asserts that packets flowed both ways in io and mac modes, and that
# txonly transmits on both ports.
# Usage: testpmd_fwd.sh   (DPDK_PREFIX and PLUGIN_DIR from the test env:
# the build's plugins, copied where the EAL accepts them, scripts/plugins.sh)
set -u
prefix=${DPDK_PREFIX:?DPDK_PREFIX not set}
testpmd=$prefix/bin/dpdk-testpmd
pmd=${PLUGIN_DIR:?PLUGIN_DIR not set}/librte_net_virtio_iommufd.so
# testpmd and the PMD are this project's (scripts/setup.sh builds DPDK with
# testpmd): missing is a FAIL. Too few cores is the machine's: a skip.
[ -x "$testpmd" ] || { echo "FAIL: no dpdk-testpmd at $testpmd (scripts/setup.sh builds it)"; exit 1; }
[ -r "$pmd" ] || { echo "FAIL: PMD not staged at $pmd (build the project: ninja)"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "SKIP: testpmd needs 2 cores (main + forwarding), this machine has $(nproc)"; exit 77; }
export LD_LIBRARY_PATH=$prefix/lib/x86_64-linux-gnu:$prefix/lib:${LD_LIBRARY_PATH:-}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# rx_packets PORT FILE: RX-packets of PORT in the last "stop" summary
rx_of() { awk -v p="$1" '/Forward statistics for port/ {cur=$(NF-1)} /Accumulated/ {cur=-1} \
	cur==p && /RX-packets:/ {v=$2} END {print v+0}' "$2"; }
tx_of() { awk -v p="$1" '/Forward statistics for port/ {cur=$(NF-1)} /Accumulated/ {cur=-1} \
	cur==p && /TX-packets:/ {v=$0; sub(/.*TX-packets: */, "", v); sub(/ .*/, "", v)} END {print v+0}' "$2"; }

run() {
	mode=$1 start=$2
	{
		echo "set fwd $mode"
		echo "$start"
		sleep 2
		echo "show port stats all"
		echo "stop"
		echo "quit"
	} | timeout 60 "$testpmd" -l 0-1 --no-huge -m 256 --no-shconf --no-pci \
		--no-telemetry --file-prefix="vtpmd$$" -d "$pmd" \
		-a iommufd:emu0,peer=emu1 -a iommufd:emu1,peer=emu0 \
		-- -i --total-num-mbufs=4096 >"$out" 2>&1
	rc=$?
	rx0=$(rx_of 0 "$out"); rx1=$(rx_of 1 "$out")
	tx0=$(tx_of 0 "$out"); tx1=$(tx_of 1 "$out")
	echo "fwd $mode ($start): rc=$rc port0 rx=$rx0 tx=$tx0, port1 rx=$rx1 tx=$tx1"
	if [ "$rc" -ne 0 ]; then cat "$out"; echo "FAIL: testpmd exited with $rc"; exit 1; fi
}

run io "start tx_first"
[ "$rx0" -gt 0 ] && [ "$rx1" -gt 0 ] && [ "$tx0" -gt 0 ] && [ "$tx1" -gt 0 ] ||
	{ cat "$out"; echo "FAIL: io forwarding did not flow both ways"; exit 1; }
run mac "start tx_first"
[ "$rx0" -gt 0 ] && [ "$rx1" -gt 0 ] ||
	{ cat "$out"; echo "FAIL: mac forwarding did not flow both ways"; exit 1; }
run txonly "start"
[ "$tx0" -gt 0 ] && [ "$tx1" -gt 0 ] ||
	{ cat "$out"; echo "FAIL: txonly did not transmit on both ports"; exit 1; }
echo "PASS"
