#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The README demo scenario (called by scripts/run-demo.sh once the project
# is built): dpdk-test-replace on its embedded default - two emulated
# virtio-net ports wired back to back on the soft IOMMU backend - runs
# demo.script: traffic with sequence numbers and payload checks, 1000
# domain swaps across quiesce, hitless, remap and restart, then prints the
# summary table and writes a JSON report and a PNG plot.
#
# Usage: run-demo-scenario.sh BUILD_DIR OUT_DIR [extra app options]
# Env:   DEMO_SWAPS=N      scale the 1000 swaps to about N (tests use 40)
#        DEMO_FILE_PREFIX  EAL --file-prefix (default tr_demo_<pid>)
set -eu

[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR [app options]" >&2; exit 2; }
bdir=$1
outdir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
app=$bdir/app/test-replace/dpdk-test-replace
[ -x "$app" ] || { echo "demo: $app not built" >&2; exit 1; }
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

swaps=${DEMO_SWAPS:-1000}
case $swaps in
''|*[!0-9]*) echo "demo: bad DEMO_SWAPS '$swaps': expected a number" >&2; exit 2 ;;
esac
# Scale every "count N" of the scenario to N * swaps / 1000 (at least 1).
script=$outdir/demo.script
awk -v s="$swaps" '{
	for (i = 1; i < NF; i++)
		if ($i == "count") { n = int($(i + 1) * s / 1000); $(i + 1) = n < 1 ? 1 : n }
	print
}' "$here/demo.script" >"$script"

# DPDK's libraries: from DPDK_PREFIX, else from the build's pkg-config path.
dpdk_lib=
if [ -n "${DPDK_PREFIX:-}" ]; then
	dpdk_lib=$DPDK_PREFIX/lib
else
	dpdk_lib=$(/usr/bin/python3 -c 'import json, os, sys
opts = json.load(open(sys.argv[1]))
pcp = [o["value"] for o in opts if o["name"] == "pkg_config_path"][0]
print(os.path.dirname(pcp[0]) if pcp else "")' "$bdir/meson-info/intro-buildoptions.json" 2>/dev/null || true)
fi
[ -n "$dpdk_lib" ] && export LD_LIBRARY_PATH="$dpdk_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

progress=--no-progress
[ -t 2 ] && progress=--progress
json=$outdir/demo-report.json
png=$outdir/demo-report.png
# A path is printed only for a file this run wrote.
rm -f "$json" "$png"
echo "demo: $swaps swaps on two emulated ports (soft IOMMU), scenario $script"
rc=0
"$app" -l 0-1 --no-huge -m 256 --no-shconf --no-pci --no-telemetry \
	--file-prefix "${DEMO_FILE_PREFIX:-tr_demo_$$}" \
	-- --script "$script" --no-echo $progress --sample-ms 20 \
	--json "$json" --png "$png" "$@" || rc=$?
if [ -s "$json" ]; then
	if [ -s "$png" ]; then
		echo "demo: JSON report $json, plot $png"
	else
		echo "demo: JSON report $json (no plot: see the messages above)"
	fi
	[ "$rc" -eq 0 ] || echo "demo: FAILED (dpdk-test-replace exited with status $rc)" >&2
else
	echo "demo: no report written: dpdk-test-replace exited with status $rc (see the messages above)" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
exit $rc
