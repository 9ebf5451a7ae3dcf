#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The README's benchmark command: sets up what is missing (scripts/setup.sh,
# which also installs python3-matplotlib), builds the plain flavor and the
# benchmark-only nocheck flavor (-Dbench_no_pause_check=true: the PMD's
# bursts also without the pause check, for the hot path), runs every
# benchmark and writes, under OUT_DIR (default build/bench):
#   dma-domain-bench.json   pause/switch times of the library, synthetic hot path
#   virtio-bench.json       packet rate, no swap against a swap every 10 ms
#                           and 1 ms, interleaved rounds (64 B and 1500 B)
#   hotpath.json            packet rate through the PMD with the pause check
#                           and without it (its nocheck bursts), interleaved
#   io-inline.json          the pause of quiesce swaps under io forwarding at
#   io-thread.json          full speed, by phase, the emulated device's share
#                           apart (inline device; device on engine threads)
#   demo/demo-report.json   the demo scenario (swaps across the strategies)
#   report.json             all figures, with the machine, cores, DPDK
#                           version and build type (scripts/bench-compare.py
#                           compares two of them)
#   *.png                   plots (each states machine, cores, DPDK, build)
#   performance-table.rst   the tables of doc/guides/performance.rst
#
# Numbers are printed, never asserted: this is not part of the tests.
#
# Usage: scripts/bench.sh [--quick] [--update-doc] [OUT_DIR]
#   --quick       about two minutes on a 2-core machine (fewer, shorter rounds)
#   --update-doc  also replace the generated tables in doc/guides/performance.rst
# Env: DPDK_VERSION (as scripts/build.sh), BENCH_NO_SETUP=1 (skip
#      scripts/setup.sh), BENCH_NOTE="text" (a line added to the figures'
#      machine description, e.g. "shared with other jobs").
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

quick=0
update_doc=0
out=
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	--update-doc) update_doc=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) dr_die "bench.sh: unknown option '$a' (expected --quick, --update-doc, OUT_DIR)" ;;
	*) out=$a ;;
	esac
done
out=${out:-$top/build/bench}

b() { echo "[bench] $*" >&2; }

[ "${BENCH_NO_SETUP:-0}" = 1 ] || "$here/setup.sh"
bdir=$("$here/build.sh" plain)
ncdir=$("$here/build.sh" nocheck)

CACHE=$(dr_cache_dir)
envf="$CACHE/current.env"
[ -n "${DPDK_VERSION:-}" ] && envf="$CACHE/dpdk-$DPDK_VERSION.env"
# shellcheck disable=SC1090
. "$envf"
export LD_LIBRARY_PATH="$DPDK_PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ "$quick" = 1 ]; then
	dd_swaps=500 vb_rounds=16 vb_ms=150 hp_rounds=16 hp_ms=150 demo_swaps=200 io_rounds=5
else
	dd_swaps=2000 vb_rounds=40 vb_ms=300 hp_rounds=40 hp_ms=300 demo_swaps=1000 io_rounds=20
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/demo"
rm -f "$out"/*.json "$out"/*.png "$out"/*.log "$out/performance-table.rst"
t0=$(date +%s)

b "1/5 dma-domain-bench: pause and switch times, synthetic hot path ($dd_swaps swaps)"
"$bdir/bench/dma_domain/dma-domain-bench" --swaps "$dd_swaps" --json "$out/dma-domain-bench.json"

b "2/5 virtio-bench: $vb_rounds interleaved pairs of ${vb_ms} ms rounds per point"
PLUGIN_DIR=$("$here/plugins.sh" dir "$bdir") "$bdir/bench/virtio/virtio-bench" \
	--rounds "$vb_rounds" --round-ms "$vb_ms" --json "$out/virtio-bench.json" 2>"$out/virtio-bench.log"

b "3/5 hot path through the PMD: $hp_rounds pairs of ${hp_ms} ms rounds, bursts with the pause check / without"
PLUGIN_DIR=$("$here/plugins.sh" dir "$ncdir") "$ncdir/bench/virtio/virtio-bench" --hotpath \
	--rounds "$hp_rounds" --round-ms "$hp_ms" --json "$out/hotpath.json" 2>"$out/hotpath.log"

b "4/5 io forwarding pause: $io_rounds rounds of 200 ms, a swap every 2 ms (inline device, then device threads)"
for dev in inline thread; do
	emu=()
	[ "$dev" = thread ] && emu=(--emu-cpu 0)
	PLUGIN_DIR=$("$here/plugins.sh" dir "$bdir") "$bdir/bench/virtio/virtio-bench" --io 4 \
		--rounds "$io_rounds" --round-ms 200 --periods-us 2000 --sizes 64 "${emu[@]}" \
		--json "$out/io-$dev.json" 2>"$out/io-$dev.log"
done

b "5/5 demo scenario ($demo_swaps swaps across the strategies)"
DPDK_PREFIX=$DPDK_PREFIX DEMO_SWAPS=$demo_swaps "$top/app/test-replace/run-demo-scenario.sh" \
	"$bdir" "$out/demo" >"$out/demo.log" 2>&1 ||
	b "demo scenario failed (see $out/demo.log); its figures are left out"

b "report: $out/report.json, plots, performance-table.rst (benchmarks took $(( $(date +%s) - t0 )) s)"
args=(--out "$out" --build-dir "$bdir" --dpdk-version "$DPDK_VERSION" --source "$top"
	--mode "$([ "$quick" = 1 ] && echo quick || echo full)")
[ -n "${BENCH_NOTE:-}" ] && args+=(--note "$BENCH_NOTE")
[ "$update_doc" = 1 ] && args+=(--doc "$top/doc/guides/performance.rst")
/usr/bin/python3 "$here/bench_report.py" "${args[@]}"
