#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
#
# The README's demo command: sets up what is missing, builds, and runs
# dpdk-test-replace on the embedded default (two emulated virtio-net ports
# wired back to back on the soft IOMMU backend) with a scripted scenario:
# traffic on, swaps across the strategies, traffic verified, a summary
# table, and a JSON + PNG report under build/demo/.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

"$here/setup.sh"
bdir=$("$here/build.sh" plain)
exec "$top/app/test-replace/run-demo-scenario.sh" "$bdir" "$top/build/demo" "$@"
