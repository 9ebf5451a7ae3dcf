#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dma-replace authors
# The long soak of dpdk-test-replace (doc/guides/performance.rst, "Soak"):
# the test command's app_soak (tests/app/test_soak.py) for SOAK_SECONDS
# (default 600) instead of about a minute, with the same checks: every
# swap succeeds, 0 faults, 0 corrupted, driver loss 0, and flat fds,
# mbufs in use and RSS (bound: 8 MiB + SOAK_RSS_PER_SWAP bytes per swap).
# Progress: one line every SOAK_PROGRESS_S (default 10) seconds.
#
# Usage: scripts/soak.sh [plain|asan]   (builds the flavor first)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
flavor=${1:-plain}
case $flavor in plain|asan) ;; *) echo "usage: $0 [plain|asan]" >&2; exit 2 ;; esac
bdir=$(BUILD_WERROR=1 "$here/build.sh" "$flavor")
export SOAK_SECONDS=${SOAK_SECONDS:-600}
export SOAK_PROGRESS_S=${SOAK_PROGRESS_S:-10}
echo "soak: $SOAK_SECONDS s on $bdir" >&2
# meson test sets the environment the test needs (test_env); -v shows the
# progress lines as they come; the timeout grows with the duration.
cd "$bdir"
exec meson test --no-rebuild --print-errorlogs -v --num-processes 1 \
	--timeout-multiplier $(( SOAK_SECONDS / 300 + 1 )) app_soak
